// Physical and virtual memory layout of the QEMU virt machine and of Pagoda. xv6: memlayout.h
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/user_layout.h"
#include "kernel/param.h"

namespace pagoda::riscv {

// Defined once in kernel/mm/addr.h and the Sv39 format (sv39.h).
inline constexpr uint64_t kPageSize = mm::kPageSize;
inline constexpr uint64_t kMaxVa = Sv39::kMaxVa;

// QEMU virt devices (qemu hw/riscv/virt.c).
inline constexpr uint64_t kTestDevice = 0x100000;  // sifive_test: power off / reset
inline constexpr uint64_t kClint = 0x02000000;
inline constexpr uint64_t kPlic = 0x0c000000;
inline constexpr uint64_t kPlicSize = 0x400000;
inline constexpr uint64_t kUart0 = 0x10000000;
inline constexpr uint64_t kVirtio0 = 0x10001000;
inline constexpr int kUart0Irq = 10;
inline constexpr int kVirtio0Irq = 1;

// RAM: the kernel is loaded at kKernBase; -m 128M.
inline constexpr uint64_t kKernBase = 0x80000000;
inline constexpr uint64_t kPhysTop = kKernBase + 128ull * 1024 * 1024;

// Top of every address space: the trampoline, then (user) the trapframe.
inline constexpr uint64_t kTrampoline = mm::kTrampolineVa<Sv39>;
inline constexpr uint64_t kTrapframe = mm::kTrapframeVa<Sv39>;

// Kernel stacks, one per process slot, below the trampoline, each with an unmapped guard page
// below.
constexpr uint64_t kKernelStack(uint64_t slot) {
  return kTrampoline - (slot + 1) * 2 * kPageSize;
}

// PLIC registers (riscv-plic spec; QEMU virt: context 2*hart+1 is the hart's S mode).
constexpr uint64_t plic_priority(int irq) {
  return kPlic + 4 * static_cast<uint64_t>(irq);
}
constexpr uint64_t plic_senable(int hart) {
  return kPlic + 0x2080 + static_cast<uint64_t>(hart) * 0x100;
}
constexpr uint64_t plic_spriority(int hart) {
  return kPlic + 0x201000 + static_cast<uint64_t>(hart) * 0x2000;
}
constexpr uint64_t plic_sclaim(int hart) {
  return kPlic + 0x201004 + static_cast<uint64_t>(hart) * 0x2000;
}

}  // namespace pagoda::riscv
