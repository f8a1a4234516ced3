// Per-hart state. xv6: struct cpu, mycpu, cpuid
#pragma once

#include "kernel/arch/riscv/trapframe.h"
#include "kernel/param.h"

namespace pagoda {

struct Proc;

struct Cpu {
  Proc* proc = nullptr;      // the process running on this hart, or null
  riscv::Context context{};  // swtch() here to enter scheduler()
  int noff = 0;              // depth of push_off() nesting
  bool intena = false;       // were interrupts enabled before push_off()?
};

// This hart's id (tp). Call with interrupts disabled.
int cpuid();
// This hart's Cpu. Call with interrupts disabled.
Cpu* mycpu();

}  // namespace pagoda
