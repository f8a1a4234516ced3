// Sleep locks. xv6: sleeplock.c
#include "kernel/sync/sleeplock.h"

#include "kernel/lib/panic.h"
#include "kernel/sync/wait.h"

namespace pagoda {

void SleepLock::acquire() {
  SpinLockGuard guard(guard_);
  while (locked_) sleep(this, guard_);
  locked_ = true;
  pid_ = current_pid();
}

void SleepLock::release() {
  SpinLockGuard guard(guard_);
  if (!locked_) panic("release sleep lock %s: not held", name_);
  locked_ = false;
  pid_ = 0;
  wakeup(this);
}

bool SleepLock::holding() const {
  SpinLockGuard guard(guard_);
  return locked_ && pid_ == current_pid();
}

}  // namespace pagoda
