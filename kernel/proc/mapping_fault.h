// The page-fault path's call-out to mmap (issue 12): a fault in a region of kind
// RegionKind::kFileMap or kAnonymous that is not a copy-on-write store goes here, to the mmap code
// (branch `mmap`), which maps the page (reading the file for a file page) and returns true, or
// returns false to refuse it (the process is then killed, or the copy fails), or an error
// (kNoMemory: killed as well). ProcessMemory::handle_fault has already checked that the region
// allows `access`. Until the mmap code is merged, no region of these kinds exists, and the weak
// definition in mapping_fault.cc refuses.
#pragma once

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/fault.h"
#include "kernel/mm/region.h"

namespace pagoda {

class ProcessMemory;

Result<bool> mapping_fault(ProcessMemory& memory, const mm::Region& region, mm::VirtAddr va,
                           mm::Access access);

}  // namespace pagoda
