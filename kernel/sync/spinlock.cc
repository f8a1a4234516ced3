// Spin locks. xv6: spinlock.c
#include "kernel/sync/spinlock.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/panic.h"
#include "kernel/param.h"

namespace pagoda {
namespace {

constinit InterruptNesting g_nesting[NCPU];  // indexed by hart id; each hart touches only its own

}  // namespace

InterruptNesting& this_hart_nesting() {
  return g_nesting[arch::cpu_id()];
}

void SpinLock::acquire() {
  push_off();  // an interrupt handler taking the same lock on this hart would deadlock
  if (holding()) panic("acquire: %s already held", name_);
  // amoswap.w.aq: acquire ordering, later loads and stores stay after it.
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  hart_ = arch::cpu_id();
}

void SpinLock::release() {
  if (!holding()) panic("release: %s not held", name_);
  hart_ = -1;
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off();
}

bool SpinLock::holding() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && hart_ == arch::cpu_id();
}

void push_off() {
  bool old = arch::intr_get();
  arch::intr_off();
  InterruptNesting& n = this_hart_nesting();
  if (n.depth == 0) n.intena = old;
  n.depth += 1;
}

void pop_off() {
  InterruptNesting& n = this_hart_nesting();
  if (arch::intr_get()) panic("pop_off: interruptible");
  if (n.depth < 1) panic("pop_off: not pushed");
  n.depth -= 1;
  if (n.depth == 0 && n.intena) arch::intr_on();
}

}  // namespace pagoda
