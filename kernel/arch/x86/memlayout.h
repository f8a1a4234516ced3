// The x86 (i386, QEMU pc) memory layout of xv6-x86: the kernel in the high half, physical memory
// direct-mapped at KERNBASE, devices at the top of the address space.
#pragma once

#include <cstdint>

namespace pagoda::x86 {

inline constexpr uint64_t kExtMem = 0x100000;      // xv6: EXTMEM, where the kernel is loaded
inline constexpr uint64_t kKernBase = 0x80000000;  // xv6: KERNBASE, first kernel virtual address
inline constexpr uint64_t kKernLink = kKernBase + kExtMem;  // xv6: KERNLINK, where it is linked
inline constexpr uint64_t kDevSpace = 0xfe000000;  // xv6: DEVSPACE, devices mapped 1:1 above
inline constexpr uint64_t kAddressTop = uint64_t{1} << 32;
// The devices end 4 MiB below the top: the last directory entry is each process's own (the
// portable user layout's two top pages, kernel/mm/user_layout.h, which x86 leaves unused).
inline constexpr uint64_t kDevSpaceEnd = kAddressTop - (uint64_t{4} << 20);
// The kernel stacks of the process slots: the 4 MiB below DEVSPACE (arch::kernel_stack).
inline constexpr uint64_t kKernelStacks = kDevSpace - (uint64_t{4} << 20);
// The direct map KERNBASE..KERNBASE+PHYSTOP must stay below the kernel stacks.
inline constexpr uint64_t kPhysTopMax = kKernelStacks - kKernBase;
// What the boot page directory maps (one 4 MiB page at 0 and at KERNBASE): kinit1's range.
inline constexpr uint64_t kBootMapped = uint64_t{4} << 20;

inline constexpr uint64_t kPageSize = 4096;

constexpr uint64_t v2p(uint64_t va) {
  return va - kKernBase;
}
constexpr uint64_t p2v(uint64_t pa) {
  return pa + kKernBase;
}

// Devices (QEMU pc): the local APIC and the IOAPIC (Intel 82093AA), the PC COM1 UART.
inline constexpr uint64_t kLapicDefault = 0xfee00000;
inline constexpr uint64_t kIoapic = 0xfec00000;
inline constexpr uint16_t kCom1 = 0x3f8;

// Interrupt vectors (xv6-x86 traps.h): exceptions 0-31, IRQs from 32, system calls on 64.
inline constexpr int kVectorIrq0 = 32;     // xv6: T_IRQ0
inline constexpr int kVectorSyscall = 64;  // xv6: T_SYSCALL
inline constexpr int kIrqTimer = 0;
inline constexpr int kIrqCom1 = 4;
inline constexpr int kIrqIde = 14;
inline constexpr int kIrqError = 19;
inline constexpr int kIrqSpurious = 31;

// Where entryother (the AP start code) is copied: below 1 MiB, page-aligned (SIPI vector 0x07).
inline constexpr uint64_t kApStart = 0x7000;

}  // namespace pagoda::x86
