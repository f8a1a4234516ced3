// Spin locks. xv6: spinlock.c
#include "kernel/lib/spinlock.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/lib/panic.h"
#include "kernel/proc/cpu.h"

namespace pagoda {

void SpinLock::acquire() {
  push_off();  // an interrupt handler taking the same lock on this hart would deadlock
  if (holding()) panic("acquire: %s already held", name_);
  // amoswap.w.aq: acquire ordering, later loads and stores stay after it.
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  cpu_ = mycpu();
}

void SpinLock::release() {
  if (!holding()) panic("release: %s not held", name_);
  cpu_ = nullptr;
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off();
}

bool SpinLock::holding() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && cpu_ == mycpu();
}

void push_off() {
  bool old = riscv::intr_get();
  riscv::intr_off();
  Cpu* c = mycpu();
  if (c->noff == 0) c->intena = old;
  c->noff += 1;
}

void pop_off() {
  Cpu* c = mycpu();
  if (riscv::intr_get()) panic("pop_off: interruptible");
  if (c->noff < 1) panic("pop_off: not pushed");
  c->noff -= 1;
  if (c->noff == 0 && c->intena) riscv::intr_on();
}

}  // namespace pagoda
