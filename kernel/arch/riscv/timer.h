// The supervisor timer (Sstc stimecmp) and the tick counter. xv6: clockintr
#pragma once

#include <cstdint>

#include "kernel/lib/spinlock.h"

namespace pagoda::riscv {

// About 1/10th of a second in QEMU (10 MHz time base), as xv6.
inline constexpr uint64_t kTimerInterval = 1000000;

}  // namespace pagoda::riscv

namespace pagoda {

extern SpinLock ticks_lock;
extern uint64_t ticks;  // protected by ticks_lock; sleepers wait on &ticks

// Timer interrupt: advance ticks on hart 0, program the next interrupt on this hart.
void clock_intr();

}  // namespace pagoda
