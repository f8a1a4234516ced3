// The 8-byte atomics GCC calls out for on i386 (uint64_t is only 4-byte aligned there, so it does
// not inline them): the libatomic entry points, with lock cmpxchg8b (SDM vol. 2, CMPXCHG8B).
// The kernel's statistics counters (copystats) use them.
#include <cstdint>

namespace {

uint64_t cas8(volatile uint64_t* p, uint64_t expected, uint64_t desired) {
  uint32_t lo = static_cast<uint32_t>(expected), hi = static_cast<uint32_t>(expected >> 32);
  asm volatile("lock; cmpxchg8b %0"
               : "+m"(*p), "+a"(lo), "+d"(hi)
               : "b"(static_cast<uint32_t>(desired)), "c"(static_cast<uint32_t>(desired >> 32))
               : "memory", "cc");
  return (uint64_t{hi} << 32) | lo;  // the old value
}

}  // namespace

extern "C" {

uint64_t __atomic_load_8(const volatile void* p, int) {
  auto* q = const_cast<volatile uint64_t*>(static_cast<const volatile uint64_t*>(p));
  return cas8(q, 0, 0);  // compares with 0 and writes 0 only if it was 0: a read
}

void __atomic_store_8(volatile void* p, uint64_t v, int) {
  auto* q = static_cast<volatile uint64_t*>(p);
  uint64_t old = cas8(q, 0, 0);
  while (true) {
    const uint64_t seen = cas8(q, old, v);
    if (seen == old) return;
    old = seen;
  }
}

uint64_t __atomic_fetch_add_8(volatile void* p, uint64_t v, int) {
  auto* q = static_cast<volatile uint64_t*>(p);
  uint64_t old = cas8(q, 0, 0);
  while (true) {
    const uint64_t seen = cas8(q, old, old + v);
    if (seen == old) return old;
    old = seen;
  }
}

}  // extern "C"
