// What a user page fault means (issue 12): decide_fault() looks at the region holding the faulting
// address, the page's PTE (if any) and the kind of access, and names one action. Pure and
// portable, so that the whole table of cases is host-tested over both PTE formats; the kernel's
// ProcessMemory::handle_fault carries the action out. copyin/copyout/copyinstr ask the same
// question for each user page they touch, so the kernel and the user see the same memory.
#pragma once

#include <cstdint>

#include "kernel/mm/perm.h"
#include "kernel/mm/region.h"

namespace pagoda::mm {

enum class Access : uint8_t { kRead, kWrite, kExec };

enum class FaultAction : uint8_t {
  kKill,      // outside every region, against its permissions, or a kernel-only page
  kZeroFill,  // a lazy page never touched: map a zeroed frame with the region's permissions
  kBreakCow,  // a store to a copy-on-write page: copy it, or take it back if it is the last
  kMapping,   // a page of a mapped file or anonymous mapping: the mmap code decides
  kRetry,     // the PTE already allows the access (a stale TLB entry): just return
};

const char* fault_action_name(FaultAction action);

// The region permission an access needs (i386 has no execute bit, so its text regions carry
// kExec from the ELF flags and a PTE that is present is executable).
constexpr Perm needed_perm(Access access) {
  switch (access) {
    case Access::kRead:
      return Perm::kRead;
    case Access::kWrite:
      return Perm::kWrite;
    case Access::kExec:
      return Perm::kExec;
  }
  return Perm::kRead;
}

// Whether a present, user-accessible PTE already allows `access`.
template <class Pte>
constexpr bool pte_allows(const Pte& pte, Access access) {
  switch (access) {
    case Access::kRead:
      return pte.readable();
    case Access::kWrite:
      return pte.writable();
    case Access::kExec:
      return pte.executable();
  }
  return false;
}

// region: the region containing the faulting address (nullptr: none). pte: its last-level slot
// (nullptr if no table reaches it; invalid if never mapped).
template <class Pte>
constexpr FaultAction decide_fault(const Region* region, const Pte* pte, Access access) {
  if (region == nullptr || region->kind == RegionKind::kGuard) return FaultAction::kKill;
  if (!has(region->perm, needed_perm(access))) return FaultAction::kKill;
  const bool present = pte != nullptr && pte->valid();
  if (present && !pte->user()) return FaultAction::kKill;  // a guard page, or the kernel's
  if (present && pte_allows(*pte, access)) return FaultAction::kRetry;
  // A store the region allows to a read-only page: copy-on-write if the page is marked so (in
  // any kind of region: fork shares mapped anonymous pages the same way).
  if (present && access == Access::kWrite && pte->cow()) return FaultAction::kBreakCow;
  if (region->kind == RegionKind::kFileMap || region->kind == RegionKind::kAnonymous) {
    return FaultAction::kMapping;
  }
  if (present) return FaultAction::kKill;  // the page is stricter than its region: leave it so
  // Never touched: the heap grows lazily; the stack and data are mapped at exec, but a page of
  // theirs missing is zero by definition. Text is always loaded, so a hole there is an error.
  switch (region->kind) {
    case RegionKind::kHeap:
    case RegionKind::kStack:
    case RegionKind::kData:
      return FaultAction::kZeroFill;
    default:
      return FaultAction::kKill;
  }
}

inline const char* fault_action_name(FaultAction action) {
  switch (action) {
    case FaultAction::kKill:
      return "kill";
    case FaultAction::kZeroFill:
      return "zero-fill";
    case FaultAction::kBreakCow:
      return "break-cow";
    case FaultAction::kMapping:
      return "mapping";
    case FaultAction::kRetry:
      return "retry";
  }
  return "?";
}

}  // namespace pagoda::mm
