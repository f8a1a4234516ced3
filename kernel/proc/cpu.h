// Per-hart scheduler state (the push_off nesting is kernel/sync/spinlock.h). xv6: struct cpu, mycpu
#pragma once

#include "kernel/arch/arch.h"
#include "kernel/param.h"

namespace pagoda {

struct Proc;

struct Cpu {
  Proc* proc = nullptr;     // the process running on this hart, or null
  arch::Context context{};  // swtch() here to enter scheduler()
};

// This hart's id (tp). Call with interrupts disabled.
int cpuid();
// This hart's Cpu. Call with interrupts disabled.
Cpu* mycpu();

}  // namespace pagoda
