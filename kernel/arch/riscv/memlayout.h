// Physical and virtual memory layout of the QEMU virt machine and of Pagoda. xv6: memlayout.h
#pragma once

#include <cstdint>

#include "kernel/param.h"

namespace pagoda::riscv {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kMaxVa = 1ull << 38;  // one bit less than Sv39 allows: no sign extension

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
inline constexpr uint64_t kTrampoline = kMaxVa - kPageSize;
inline constexpr uint64_t kTrapframe = kTrampoline - kPageSize;

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
