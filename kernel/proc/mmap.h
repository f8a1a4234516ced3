// mmap and munmap (issue 12, calls 27 and 28): file and anonymous mappings of a process, read in
// lazily at the first touch, written back (MAP_SHARED) at munmap, exit and exec. The portable
// arithmetic is kernel/mm/mapping.h; this is the kernel side: the per-process mapping lists, the
// fault handler, fork's copy, and the system calls.
//
// Layout: the kernel places mappings downwards from kMappingTop, just below the usyscall page
// (TRAPFRAME - PGSIZE), and never lower than 1 GiB above the current heap end, so a lazy heap
// keeps at least that much room. A nonzero addr is a hint, used when the whole range is free and
// above the heap end (no MAP_FIXED).
//
// Each mapping is a region (RegionKind::kFileMap or kAnonymous) in the process's RegionList, so
// the fault path and sbrk see it, and an entry in the process's Mappings (its file, offset,
// permissions, sharing), which holds one inode reference. A page of a MAP_SHARED file mapping is
// mapped read-only until the first store, so writable means dirty. fork shares the frames of
// MAP_SHARED mappings between parent and child (a reference-counted table here) and copies the
// present pages of MAP_PRIVATE ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/mapping.h"

namespace pagoda {

struct Inode;
struct Proc;
class ProcessMemory;

inline constexpr size_t kMaxMappings = 16;  // per process (xv6's mmap lab: NVMA 16)
using Mappings = mm::MappingList<Inode*, kMaxMappings>;
using MappingEntry = mm::Mapping<Inode*>;

// The highest address a mapping may end at: below the usyscall page under the trapframe
// (x86: below KERNBASE, with the same one-page gap).
inline constexpr uint64_t kMappingTop = arch::kUserTop - arch::kPageSize;

enum class MapAccess : uint8_t { kRead, kWrite, kExec };

// The call the generic fault path (branch dp) makes for a kFileMap/kAnonymous region: true if the
// page at va is now mapped for this access, false if va is in no mapping of p, an error if the
// process must be killed (an access the mapping does not allow, no memory, a read error).
Result<bool> mapping_fault(Proc* p, mm::VirtAddr va, MapAccess access);
// The same with the brief's signature (a load or a store).
inline Result<bool> mapping_fault(Proc* p, mm::VirtAddr va, bool write) {
  return mapping_fault(p, va, write ? MapAccess::kWrite : MapAccess::kRead);
}

// Routing until dp's fault path lands: faults in the mapped pages of [va, va + len) of the
// current process before a copy to or from them (copy_in, copy_out, read(fd, mapped_buf)).
// Pages outside every mapping are left to the copy. memory must be the current process's.
Status mapping_fault_in_range(const ProcessMemory& memory, uint64_t va, uint64_t len, bool write);

// fork: before the child exists (may sleep), the parent's MAP_SHARED pages are read in so that
// parent and child share every page of the file; then, under the child's lock (never sleeps),
// the child gets the mappings: the same frames for shared ones, copies of the present pages of
// private ones. On failure the child has no mapping pages and no references.
Status mappings_prepare_fork(Proc* parent);
Status mappings_copy(Proc* parent, Proc* child);
// exit and exec: writes back the dirty MAP_SHARED pages, frees the pages and drops every mapping
// and its inode reference. May sleep.
void mappings_drop_all(Proc* p);
// The mappings of p (for tests of the state and for ^P).
const Mappings& mappings_of(const Proc* p);

int64_t sys_mmap();
int64_t sys_munmap();

}  // namespace pagoda
