// Long-term locks that sleep instead of spinning (held across disk I/O). xv6: sleeplock.c
#pragma once

#include "kernel/sync/spinlock.h"

namespace pagoda {

class SleepLock {
 public:
  constexpr explicit SleepLock(const char* name) : guard_("sleep lock"), name_(name) {}
  SleepLock(const SleepLock&) = delete;
  SleepLock& operator=(const SleepLock&) = delete;

  void acquire();
  void release();
  // True if the current process holds the lock.
  bool holding() const;
  const char* name() const { return name_; }

 private:
  mutable SpinLock guard_;  // protects locked_ and pid_
  bool locked_ = false;
  int pid_ = 0;  // the holder
  const char* name_;
};

class [[nodiscard]] SleepLockGuard {
 public:
  explicit SleepLockGuard(SleepLock& lock) : lock_(lock) { lock_.acquire(); }
  ~SleepLockGuard() { lock_.release(); }
  SleepLockGuard(const SleepLockGuard&) = delete;
  SleepLockGuard& operator=(const SleepLockGuard&) = delete;

 private:
  SleepLock& lock_;
};

}  // namespace pagoda
