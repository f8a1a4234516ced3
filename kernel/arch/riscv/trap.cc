// Trap handling: system calls, device interrupts, timer ticks, and faults in user programs.
// xv6: trap.c
#include "kernel/arch/riscv/trap.h"

#include <cstdint>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/plic.h"
#include "kernel/arch/trap_hooks.h"
#include "kernel/lib/panic.h"

extern "C" {
extern char trampoline[], uservec[], userret[];
void kernelvec();
}

namespace pagoda {

namespace {

enum class DevIntr { kNone, kDevice, kTimer };

// A name for an exception cause (priv spec table 4.2).
const char* cause_name(uint64_t scause) {
  switch (scause) {
    case 0:
      return "instruction address misaligned";
    case 1:
      return "instruction access fault";
    case 2:
      return "illegal instruction";
    case 3:
      return "breakpoint";
    case 4:
      return "load address misaligned";
    case 5:
      return "load access fault";
    case 6:
      return "store address misaligned";
    case 7:
      return "store access fault";
    case 12:
      return "instruction page fault";
    case 13:
      return "load page fault";
    case 15:
      return "store page fault";
    default:
      return "unexpected trap";
  }
}

// An interrupt from the PLIC or the timer? xv6: devintr
DevIntr dev_intr() {
  uint64_t scause = riscv::r_scause();
  if (scause == riscv::kScauseSupervisorExternal) {
    int irq = plic_claim();
    if (irq != 0) {
      trap::device_interrupt(irq);
      plic_complete(irq);
    }
    return DevIntr::kDevice;
  }
  if (scause == riscv::kScauseSupervisorTimer) {
    trap::timer_tick();
    arch::timer_start_next();
    return DevIntr::kTimer;
  }
  return DevIntr::kNone;
}

}  // namespace

void trap_init_hart() {
  riscv::w_stvec(reinterpret_cast<uint64_t>(&kernelvec));
}

// From uservec in the trampoline, on the process's kernel stack. xv6: usertrap
// frame is the process's trapframe at its kernel address (TrapFrame::kernel_frame, which
// usertrapret keeps current): no lookup of the current process on the way in.
extern "C" [[noreturn]] void usertrap(arch::TrapFrame* frame_ptr) {
  if ((riscv::r_sstatus() & riscv::kSstatusSpp) != 0) panic("usertrap: not from user mode");
  // Traps in the kernel go to kerneltrap from now on.
  riscv::w_stvec(reinterpret_cast<uint64_t>(&kernelvec));

  arch::TrapFrame& frame = *frame_ptr;
  frame.epc = riscv::r_sepc();
  uint64_t scause = riscv::r_scause();
  DevIntr which = DevIntr::kNone;
  if (scause == riscv::kScauseEcallU) {
    frame.epc += 4;  // return after the ecall
    trap::user_syscall();
  } else if ((which = dev_intr()) != DevIntr::kNone) {
    // handled
  } else if (scause == 12 || scause == 13 || scause == 15) {
    // Instruction, load and store page faults (priv spec table 4.2): stval is the address.
    const mm::Access access = scause == 12   ? mm::Access::kExec
                              : scause == 13 ? mm::Access::kRead
                                             : mm::Access::kWrite;
    trap::user_page_fault(cause_name(scause), riscv::r_stval(), riscv::r_sepc(), access);
  } else {
    // stval holds the faulting address for access faults; for an illegal instruction or a
    // breakpoint it holds the instruction bits (or 0), so name the instruction's address instead.
    const uint64_t addr = (scause == 2 || scause == 3) ? riscv::r_sepc() : riscv::r_stval();
    trap::user_fault(cause_name(scause), addr, riscv::r_sepc());
  }
  trap::user_trap_done(which == DevIntr::kTimer);
  usertrapret();
}

// Back to user space: the trampoline's userret switches to the user page table. xv6: usertrapret
void usertrapret() {
  // Until sret, a trap would go to uservec with kernel state: keep interrupts off. Off first, so
  // that the kernel can name the running process without push_off/pop_off.
  riscv::intr_off();
  trap::UserReturn ret = trap::user_return_state();
  uint64_t trampoline_uservec = riscv::kTrampoline + (reinterpret_cast<uint64_t>(uservec) -
                                                      reinterpret_cast<uint64_t>(trampoline));
  riscv::w_stvec(trampoline_uservec);

  ret.frame->kernel_satp = riscv::r_satp();
  ret.frame->kernel_sp = ret.kernel_sp;
  ret.frame->kernel_trap = reinterpret_cast<uint64_t>(&usertrap);
  ret.frame->kernel_hartid = riscv::r_tp();
  ret.frame->kernel_frame = reinterpret_cast<uint64_t>(ret.frame);

  // sret to user mode with interrupts on.
  uint64_t x = riscv::r_sstatus();
  x &= ~riscv::kSstatusSpp;
  x |= riscv::kSstatusSpie;
  riscv::w_sstatus(x);
  riscv::w_sepc(ret.frame->epc);

  uint64_t satp = ret.page_table_token;
  uint64_t trampoline_userret = riscv::kTrampoline + (reinterpret_cast<uint64_t>(userret) -
                                                      reinterpret_cast<uint64_t>(trampoline));
  reinterpret_cast<void (*)(uint64_t)>(trampoline_userret)(satp);
  __builtin_unreachable();
}

// From kernelvec, on the current kernel stack. xv6: kerneltrap
extern "C" void kerneltrap() {
  uint64_t sepc = riscv::r_sepc();
  uint64_t sstatus = riscv::r_sstatus();
  uint64_t scause = riscv::r_scause();
  if ((sstatus & riscv::kSstatusSpp) == 0) panic("kerneltrap: not from supervisor mode");
  if (riscv::intr_get()) panic("kerneltrap: interrupts enabled");

  DevIntr which = dev_intr();
  if (which == DevIntr::kNone) {
    panic("kerneltrap: %s (scause 0x%lx) sepc 0x%016lx stval 0x%016lx", cause_name(scause), scause,
          sepc, riscv::r_stval());
  }
  trap::kernel_trap_done(which == DevIntr::kTimer);
  // yield() may have taken other traps: restore what sret needs.
  riscv::w_sepc(sepc);
  riscv::w_sstatus(sstatus);
}

}  // namespace pagoda
