// Disk-space fault injection (issue 15): the block allocator (balloc) and the on-disk inode
// allocator (ialloc) each ask a FaultPlan before they search, and a chosen or seeded-random
// allocation fails exactly as a full disk or a full inode table would (kNoSpace), so that tests
// reach every out-of-space path. The allocfail system call arms them (kernel/allocfail.h).
#pragma once

#include <cstdint>

#include "kernel/mm/fault_plan.h"

namespace pagoda {

enum class FsAllocator : uint8_t { kBlocks, kInodes };

// Replaces which's plan (FaultPlan() turns it off); returns how many failures the old plan caused.
uint64_t set_fs_fault_plan(FsAllocator which, const mm::FaultPlan& plan);
uint64_t fs_injected_faults(FsAllocator which);
// Asked once per allocation, before the allocator searches: true if this one is to fail.
bool fs_fault_now(FsAllocator which);

}  // namespace pagoda
