// What the ISA's trap code calls in the portable kernel. The ISA owns the entry and exit paths
// (vectors, CSRs, the trampoline); the decisions (dispatch a system call, kill a faulting
// process, wake sleepers on a tick, preempt) are the kernel's. Declared here so that kernel/arch
// depends on no layer above it; kernel/proc/trap_hooks.cc and kernel/dev/interrupts.cc define
// them.
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"

namespace pagoda::trap {

// The running process's trap frame (for a trap from user mode). Called with interrupts off.
arch::TrapFrame& current_frame();
// A system call from user mode; the frame's pc already points past the call instruction.
void user_syscall();
// A trap from user mode the kernel does not handle: report it and kill the process.
void user_fault(const char* what, uint64_t addr, uint64_t pc);
// mmap (issue 12), routing until dp's fault path lands: a page fault from user mode at addr. True
// if it was in one of the process's mappings and the page is now mapped (resume the program);
// false for the kill path (user_fault). kernel/proc/mmap.cc defines it.
enum class FaultAccess : uint8_t { kRead, kWrite, kExec };
bool user_mapping_fault(uint64_t addr, FaultAccess access);
// A device interrupt the controller delivered (kernel/dev/interrupts.cc).
void device_interrupt(int irq);
// A timer interrupt on this hart (the tick counter, kernel/proc/clock.cc).
void timer_tick();
// The end of a trap from user mode (kill or preempt), and from kernel mode (preempt).
void user_trap_done(bool timer);
void kernel_trap_done(bool timer);

// What the return to user mode needs from the running process. Called with interrupts off.
struct UserReturn {
  arch::TrapFrame* frame;
  uint64_t kernel_sp;         // top of its kernel stack
  uint64_t page_table_token;  // its user page table, as switch_page_table takes it
};
UserReturn user_return_state();

}  // namespace pagoda::trap
