// The tick counter: timer interrupts on hart 0 advance it; sleep(n) and uptime read it.
// xv6: ticks, tickslock, clockintr
#pragma once

#include <cstdint>

#include "kernel/sync/spinlock.h"

namespace pagoda {

extern SpinLock ticks_lock;
extern uint64_t ticks;  // protected by ticks_lock; sleepers wait on &ticks

}  // namespace pagoda
