// x86 traps: the IDT (SDM vol. 3, 6.10-6.11), the dispatcher every vector reaches through
// alltraps, and the return to user mode. What to do with a system call, a fault or a tick is the
// kernel's (kernel/arch/trap_hooks.h). xv6-x86: trap.c
#include "kernel/arch/x86/trap.h"

#include <cstdint>

#include "kernel/arch/trap_hooks.h"
#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/lapic.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/arch/x86/x86.h"
#include "kernel/lib/panic.h"

extern "C" {
extern const uint32_t vectors[256];  // vectors.S
[[noreturn]] void x86_enter_user(const pagoda::x86::TrapFrame* frame, uint32_t kernel_sp,
                                 uint32_t cr3);
}

namespace pagoda {
namespace x86 {
namespace {

// A 32-bit interrupt gate: interrupts are off on entry, as RISC-V's traps are.
struct Gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t zero;
  uint8_t type_attr;  // P, DPL, type 0xe (32-bit interrupt gate)
  uint16_t offset_high;
};
static_assert(sizeof(Gate) == 8);

constexpr uint8_t kGateKernel = 0x8e;  // P, DPL 0
constexpr uint8_t kGateUser = 0xee;    // P, DPL 3: `int $64` allowed from ring 3

constinit Gate g_idt[256] = {};

bool from_user(const TrapFrame& tf) {
  return (tf.cs & 3) == 3;
}

}  // namespace

const char* trap_name(uint32_t trapno) {
  static constexpr const char* kNames[] = {
      "divide error",
      "debug",
      "non-maskable interrupt",
      "breakpoint",
      "overflow",
      "bound range exceeded",
      "invalid opcode",
      "device not available",
      "double fault",
      "coprocessor segment overrun",
      "invalid TSS",
      "segment not present",
      "stack-segment fault",
      "general protection fault",
      "page fault",
      "reserved",
      "x87 floating-point error",
      "alignment check",
      "machine check",
      "SIMD floating-point exception",
  };
  if (trapno < sizeof(kNames) / sizeof(kNames[0])) return kNames[trapno];
  return "unexpected trap";
}

void idt_init() {
  for (int i = 0; i < 256; ++i) {
    const uint32_t handler = vectors[i];
    g_idt[i] = {static_cast<uint16_t>(handler & 0xffff), kSelKernelCode, 0,
                i == kVectorSyscall ? kGateUser : kGateKernel,
                static_cast<uint16_t>(handler >> 16)};
  }
}

void idt_load() {
  lidt(g_idt, sizeof(g_idt));
}

void pic_disable() {
  outb(0x21, 0xff);  // master 8259 data port: mask every line
  outb(0xa1, 0xff);  // slave
}

}  // namespace x86

void trap_init_hart_x86() {
  x86::idt_load();
}

// Enter user mode from the running process's frame (xv6-x86: switchuvm, then trapret). Its
// segment registers are made user ones and interrupts enabled whatever the frame held, so no
// frame can give a process ring 0 or IOPL.
[[noreturn]] void usertrapret_x86() {
  arch::intr_off();
  const trap::UserReturn r = trap::user_return_state();
  x86::TrapFrame& tf = *r.frame;
  tf.cs = x86::kSelUserCode;
  tf.ds = tf.es = tf.fs = tf.gs = tf.ss = x86::kSelUserData;
  tf.eflags = (tf.eflags & ~uint32_t{0x3000}) | x86::kEflagsIf | 0x2;  // IOPL 0, IF, bit 1
  x86::tss_set_kernel_stack(arch::cpu_id(), static_cast<uint32_t>(r.kernel_sp));
  x86_enter_user(&tf, static_cast<uint32_t>(r.kernel_sp),
                 static_cast<uint32_t>(r.page_table_token));
}

}  // namespace pagoda

using pagoda::x86::TrapFrame;

// Every vector lands here with the frame on this CPU's kernel stack, interrupts off.
extern "C" void x86_trap(TrapFrame* tf) {
  using namespace pagoda;
  using namespace pagoda::x86;
  const bool user = from_user(*tf);
  bool timer = false;
  if (user) trap::current_frame() = *tf;  // the process's frame, as on RISC-V
  switch (tf->trapno) {
    case kVectorSyscall:
      if (!user) panic("x86_trap: system call from the kernel at eip 0x%x", tf->eip);
      trap::user_syscall();
      break;
    case kVectorIrq0 + kIrqTimer:
      trap::timer_tick();
      lapic_eoi();
      timer = true;
      break;
    case kVectorIrq0 + kIrqCom1:
    case kVectorIrq0 + kIrqIde:
      trap::device_interrupt(static_cast<int>(tf->trapno) - kVectorIrq0);
      lapic_eoi();
      break;
    case kVectorIrq0 + 7:  // the PIC's spurious line, and the LAPIC's spurious vector
    case kVectorIrq0 + kIrqSpurious:
      lapic_eoi();
      break;
    default: {
      const uint32_t addr = tf->trapno == 14 ? read_cr2() : 0;
      if (!user) {
        panic("kernel trap %u (%s) err 0x%x at eip 0x%x, cr2 0x%x", tf->trapno,
              trap_name(tf->trapno), tf->err, tf->eip, addr);
      }
      // mmap: routing until dp's fault path lands (error code bit 1: a write).
      if (tf->trapno == 14 &&
          trap::user_mapping_fault(
              addr, (tf->err & 2) != 0 ? trap::FaultAccess::kWrite : trap::FaultAccess::kRead)) {
        break;
      }
      trap::user_fault(trap_name(tf->trapno), addr, tf->eip);
      break;
    }
  }
  if (user) {
    trap::user_trap_done(timer);
    usertrapret_x86();
  } else {
    trap::kernel_trap_done(timer);
  }
}
