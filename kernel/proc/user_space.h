// The one place that creates, installs, switches and frees a process's user address space.
// Everything that changes which page table a process runs on goes through here, so that the
// per-process kernel page table of the page-table lab (PAGODA_PER_PROCESS_KPT) plugs in at one
// seam.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/kernel_memory.h"

namespace pagoda {

struct Proc;

// What Proc::space points to (proc.h only forward-declares it).
struct UserSpace {
  UserAddressSpace as;
};

// A new empty address space with the trampoline and p's trapframe mapped; not yet p's.
Result<UserAddressSpace> user_space_new(Proc* p);
// Give p its first address space (allocproc). On failure p has none.
Status user_space_attach(Proc* p, UserAddressSpace&& as);
// exec: make `fresh` p's address space, then free the old one.
void user_space_commit(Proc* p, UserAddressSpace&& fresh);
// Free p's address space (user pages and tables; not the trapframe frame).
void user_space_release(Proc* p);
// Free a space made by user_space_new for p that was never committed (a failed exec). labs
void user_space_discard(Proc* p, UserAddressSpace& as);
// satp for p's user page table (usertrapret).
uint64_t proc_user_satp(Proc* p);
// Copy from p's user memory: every kernel read of user memory goes through these two (xv6 copyin
// and copyinstr), so they can be counted (copystats) and, with a per-process kernel page table,
// switched to direct access (the page-table lab's copyin_new) in one place.
Status user_copy_in(Proc* p, void* dst, uint64_t src, uint64_t len);
Result<uint64_t> user_copy_in_str(Proc* p, char* dst, uint64_t src, uint64_t max);
// Copy to p's user memory: every kernel write of user memory after exec goes through it. xv6:
// copyout
Status user_copy_out(Proc* p, uint64_t dst, const void* src, uint64_t len);
// Calls so far of each, system-wide (struct copystats).
uint64_t copy_in_calls();
uint64_t copy_in_str_calls();

// The scheduler is about to run p (or, with nullptr, returns to the scheduler): the seam for a
// per-process kernel page table. With the global kernel page table there is nothing to switch.
void user_space_switch_kernel(Proc* p);

}  // namespace pagoda
