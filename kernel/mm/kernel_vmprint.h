// vmprint: print a page table on the console in the page-table lab's format (PageTable::print).
// Kernel only.
#pragma once

#include "kernel/mm/kernel_memory.h"

namespace pagoda {

// xv6 lab: vmprint
void vmprint(const KernelPageTable& table);

}  // namespace pagoda
