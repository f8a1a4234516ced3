// Physical and virtual memory layout of the QEMU virt machine and of Pagoda. xv6: memlayout.h
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/sv39.h"
#include "kernel/memlayout.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/user_layout.h"
#include "kernel/param.h"

namespace pagoda::riscv {

// Defined once in kernel/mm/addr.h and the Sv39 format (sv39.h).
inline constexpr uint64_t kPageSize = mm::kPageSize;
inline constexpr uint64_t kMaxVa = Sv39::kMaxVa;

// The kernel lives in the upper half of Sv39 (issue 13): everything physical, RAM and devices
// alike, is mapped at its physical address plus kDirectMapOffset (the first upper-half address),
// and the kernel image is linked there (kernel.ld: VMA 0xffffffc080000000, LMA 0x80000000). The
// lower half is user memory's alone, up to the trampoline.
inline constexpr uint64_t kDirectMapOffset = Sv39::kUpperHalfStart;
// The kernel address of physical address pa, and back (kernel addresses only).
constexpr uint64_t p2v(uint64_t pa) {
  return pa + kDirectMapOffset;
}
constexpr uint64_t v2p(uint64_t va) {
  return va - kDirectMapOffset;
}
// The physical address of a kernel object (in the image or the direct map).
inline uint64_t pa_of(const volatile void* p) {
  return v2p(reinterpret_cast<uint64_t>(p));
}

// QEMU virt devices (qemu hw/riscv/virt.c): physical addresses; the kernel reaches them at p2v().
inline constexpr uint64_t kTestDevice = 0x100000;  // sifive_test: power off / reset
inline constexpr uint64_t kClint = 0x02000000;
inline constexpr uint64_t kPlic = 0x0c000000;
inline constexpr uint64_t kPlicSize = 0x400000;
inline constexpr uint64_t kUart0 = 0x10000000;
inline constexpr uint64_t kVirtio0 = 0x10001000;
inline constexpr int kUart0Irq = 10;
inline constexpr int kVirtio0Irq = 1;

// RAM starts at kKernBase, where QEMU loads the kernel. How much there is (-m) comes from the
// device tree's memory node at boot (kernel/main.cc sets it before the frame allocator starts);
// without a usable one, xv6's fixed 128 MiB (PHYSTOP).
inline constexpr uint64_t kKernBase = 0x80000000;
inline constexpr uint64_t kDefaultRamSize = 128ull << 20;
// No RAM above this is used: 16 GiB, direct-mapped far below the kernel stacks, and at most 32 MiB
// of 4 KiB-page tables to map it.
inline constexpr uint64_t kRamTopMax = kKernBase + (16ull << 30);

// xv6: PHYSTOP, known once the boot hart has read the device tree; never changed after.
inline constinit uint64_t g_ram_top = kKernBase + kDefaultRamSize;
inline uint64_t ram_top() {
  return g_ram_top;
}
inline void set_ram_top(uint64_t top) {
  g_ram_top = top;
}

// Top of every address space: the trampoline, then (user) the trapframe, then (user, 2024 lab)
// the usyscall page (kernel/memlayout.h's USYSCALL).
inline constexpr uint64_t kTrampoline = mm::kTrampolineVa<Sv39>;
inline constexpr uint64_t kTrapframe = mm::kTrapframeVa<Sv39>;
inline constexpr uint64_t kUsyscall = kTrapframe - kPageSize;
static_assert(kUsyscall == USYSCALL, "kernel/memlayout.h's USYSCALL is TRAPFRAME - PGSIZE");

// Kernel stacks, one per process slot, at the top of the upper half (the last page stays
// unmapped), each with an unmapped guard page below.
inline constexpr uint64_t kKernelStackTop = 0 - kPageSize;
constexpr uint64_t kKernelStack(uint64_t slot) {
  return kKernelStackTop - (slot + 1) * 2 * kPageSize;
}

// PLIC registers (riscv-plic spec; QEMU virt: context 2*hart+1 is the hart's S mode): kernel
// addresses.
constexpr uint64_t plic_priority(int irq) {
  return p2v(kPlic) + 4 * static_cast<uint64_t>(irq);
}
constexpr uint64_t plic_senable(int hart) {
  return p2v(kPlic) + 0x2080 + static_cast<uint64_t>(hart) * 0x100;
}
constexpr uint64_t plic_spriority(int hart) {
  return p2v(kPlic) + 0x201000 + static_cast<uint64_t>(hart) * 0x2000;
}
constexpr uint64_t plic_sclaim(int hart) {
  return p2v(kPlic) + 0x201004 + static_cast<uint64_t>(hart) * 0x2000;
}

}  // namespace pagoda::riscv
