// The kernel's side of trap handling (kernel/arch/trap_hooks.h): what to do with a system call, a
// fault or a tick once the ISA's trap code has saved the state. xv6: the policy half of usertrap
#include "kernel/arch/trap_hooks.h"

#include "kernel/proc/proc.h"
#include "kernel/proc/syscall.h"
#include "kernel/sync/print.h"

namespace pagoda {

arch::TrapFrame& trap::current_frame() {
  return *myproc()->trapframe;
}

void trap::user_syscall() {
  Proc* p = myproc();
  if (killed(p)) exit(-1);
  arch::intr_on();  // the trap state is saved: interrupts are fine now
  syscall(p);
}

void trap::user_fault(const char* what, uint64_t addr, uint64_t pc) {
  Proc* p = myproc();
  kprintf("pid %d (%s): killed: %s at 0x%016lx (%s 0x%016lx)\n", p->pid, p->name, what, addr,
          arch::kPcName, pc);
  set_killed(p);
}

void trap::user_page_fault(const char* what, uint64_t addr, uint64_t pc, mm::Access access) {
  Proc* p = myproc();
  // The trap state is saved: serving the fault may sleep (reading a mapped file's page), so take
  // interrupts again as a system call does.
  arch::intr_on();
  const Status served = p->memory.handle_fault(mm::VirtAddr(addr), access);
  if (served.ok()) return;
  user_fault(served.error() == Error::kNoMemory ? "out of memory in a page fault" : what, addr, pc);
}

void trap::user_trap_done(bool timer) {
  if (killed(myproc())) exit(-1);
  if (timer) yield();
}

void trap::kernel_trap_done(bool timer) {
  if (timer && myproc() != nullptr) yield();
}

trap::UserReturn trap::user_return_state() {
  Proc* p = myproc();
  return {p->trapframe, p->kstack + arch::kPageSize, p->memory.user_token()};
}

}  // namespace pagoda
