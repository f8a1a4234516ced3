// Spin locks with interrupt-disable nesting. xv6: spinlock.c, push_off/pop_off.
#pragma once

#include <cstdint>

namespace pagoda {

// Disable interrupts on this hart, counting nesting; pop_off restores the state of the first push.
void push_off();
void pop_off();

// This hart's push_off nesting. The scheduler checks the depth and keeps `intena` per kernel
// thread across swtch. Call with interrupts off.
struct InterruptNesting {
  int depth = 0;        // push_off() calls not yet popped
  bool intena = false;  // were interrupts enabled before the first push_off()?
};
InterruptNesting& this_hart_nesting();

class SpinLock {
 public:
  constexpr explicit SpinLock(const char* name) : name_(name) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void acquire();
  void release();
  // True if this hart holds the lock (call with interrupts off).
  bool holding() const;
  const char* name() const { return name_; }

 private:
  uint32_t locked_ = 0;
  const char* name_;
  int hart_ = -1;  // the holder's hart id, for holding() and debugging
};

class [[nodiscard]] SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& lock) : lock_(lock) { lock_.acquire(); }
  ~SpinLockGuard() { lock_.release(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace pagoda
