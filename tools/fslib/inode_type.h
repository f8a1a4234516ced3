// Inode types from the ABI header kernel/stat.h. That header also declares xv6's `struct stat`,
// which clashes with the host's <sys/stat.h>; it is included here under another name so host code
// can have both.
#pragma once

#define stat pagoda_xv6_stat
#include "kernel/stat.h"
#undef stat
