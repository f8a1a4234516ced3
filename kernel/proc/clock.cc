// The tick counter. xv6: clockintr
#include "kernel/proc/clock.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/trap_hooks.h"
#include "kernel/proc/proc.h"

namespace pagoda {

constinit SpinLock ticks_lock("time");
constinit uint64_t ticks = 0;

// Every hart takes timer interrupts (to preempt); only hart 0 counts them.
void trap::timer_tick() {
  if (arch::cpu_id() != 0) return;
  SpinLockGuard guard(ticks_lock);
  ticks++;
  wakeup(&ticks);
}

}  // namespace pagoda
