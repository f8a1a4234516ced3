// Sleep locks. xv6: sleeplock.c
#include "kernel/lib/sleeplock.h"

#include "kernel/lib/panic.h"
#include "kernel/proc/proc.h"

namespace pagoda {

void SleepLock::acquire() {
  SpinLockGuard guard(guard_);
  while (locked_) sleep(this, guard_);
  locked_ = true;
  pid_ = myproc() != nullptr ? myproc()->pid : 0;
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
  Proc* p = myproc();
  return locked_ && pid_ == (p != nullptr ? p->pid : 0);
}

}  // namespace pagoda
