// Control and status registers (RISC-V privileged spec, ch. 3 and 4) as small inline functions.
// Kernel only: inline assembly.
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/sv39.h"

namespace pagoda::riscv {

#define PAGODA_CSR_RW(name)                        \
  inline uint64_t r_##name() {                     \
    uint64_t x;                                    \
    asm volatile("csrr %0, " #name : "=r"(x));     \
    return x;                                      \
  }                                                \
  inline void w_##name(uint64_t x) {               \
    asm volatile("csrw " #name ", %0" : : "r"(x)); \
  }

PAGODA_CSR_RW(mhartid)
PAGODA_CSR_RW(mstatus)
PAGODA_CSR_RW(mepc)
PAGODA_CSR_RW(medeleg)
PAGODA_CSR_RW(mideleg)
PAGODA_CSR_RW(mie)
PAGODA_CSR_RW(mtvec)
PAGODA_CSR_RW(mcounteren)
PAGODA_CSR_RW(menvcfg)
PAGODA_CSR_RW(pmpcfg0)
PAGODA_CSR_RW(pmpaddr0)
PAGODA_CSR_RW(sstatus)
PAGODA_CSR_RW(sip)
PAGODA_CSR_RW(sie)
PAGODA_CSR_RW(sepc)
PAGODA_CSR_RW(stvec)
PAGODA_CSR_RW(scause)
PAGODA_CSR_RW(stval)
PAGODA_CSR_RW(satp)
PAGODA_CSR_RW(scounteren)
PAGODA_CSR_RW(stimecmp)
PAGODA_CSR_RW(time)
#undef PAGODA_CSR_RW

// mstatus (priv spec 3.1.6)
inline constexpr uint64_t kMstatusMppMask = 3ull << 11;
inline constexpr uint64_t kMstatusMppS = 1ull << 11;
// sstatus (priv spec 4.1.1)
inline constexpr uint64_t kSstatusSpp = 1ull << 8;   // previous mode: 1 = supervisor
inline constexpr uint64_t kSstatusSpie = 1ull << 5;  // supervisor previous interrupt enable
inline constexpr uint64_t kSstatusSie = 1ull << 1;   // supervisor interrupt enable
// sie / mie bits (priv spec 3.1.9)
inline constexpr uint64_t kSieSeie = 1ull << 9;  // external
inline constexpr uint64_t kSieStie = 1ull << 5;  // timer
inline constexpr uint64_t kSieSsie = 1ull << 1;  // software
inline constexpr uint64_t kMieStie = 1ull << 5;
// menvcfg.STCE: enables stimecmp (Sstc extension)
inline constexpr uint64_t kMenvcfgStce = 1ull << 63;

inline uint64_t r_tp() {
  uint64_t x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}
inline void w_tp(uint64_t x) {
  asm volatile("mv tp, %0" : : "r"(x));
}
inline uint64_t r_sp() {
  uint64_t x;
  asm volatile("mv %0, sp" : "=r"(x));
  return x;
}

inline void intr_on() {
  w_sstatus(r_sstatus() | kSstatusSie);
}
inline void intr_off() {
  w_sstatus(r_sstatus() & ~kSstatusSie);
}
inline bool intr_get() {
  return (r_sstatus() & kSstatusSie) != 0;
}

// Flush all TLB entries of this hart (priv spec 4.2.1).
inline void sfence_vma() {
  asm volatile("sfence.vma zero, zero" ::: "memory");
}

// Sv39 satp (priv spec 4.1.11); the encoding is make_satp in sv39.h.
constexpr uint64_t satp_sv39(uint64_t root_pa) {
  return make_satp(mm::PhysAddr(root_pa));
}

// scause values (priv spec table 4.2)
inline constexpr uint64_t kScauseInterrupt = 1ull << 63;
inline constexpr uint64_t kScauseSupervisorTimer = kScauseInterrupt | 5;
inline constexpr uint64_t kScauseSupervisorExternal = kScauseInterrupt | 9;
inline constexpr uint64_t kScauseEcallU = 8;

}  // namespace pagoda::riscv
