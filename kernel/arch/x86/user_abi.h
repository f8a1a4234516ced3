// What an x86 (i386) user program may know of its address space (xv6-x86's layout): user memory
// from 0 to KERNBASE, the kernel above it in every page directory (without the U bit), devices at
// the top. User code (user/tests) reads these through kernel/arch/user_abi.h; the kernel checks
// them against its own layout (kernel/arch/x86/arch_impl.h). Plain constants only: this header is
// compiled into user programs.
#pragma once

#include <cstdint>

namespace pagoda::user_abi {

inline constexpr const char* kIsa = "x86";
inline constexpr uint64_t kPageSize = 4096;
// One past the last virtual address: the whole 32-bit space is translated.
inline constexpr uint64_t kMaxVa = uint64_t{1} << 32;
// The portable layout's two top pages; x86 maps nothing there (the traps go through the IDT and
// the frame is on the kernel stack), so they are simply not user memory.
inline constexpr uint64_t kTrampoline = kMaxVa - kPageSize;
inline constexpr uint64_t kTrapframe = kTrampoline - kPageSize;
// The kernel map starts at KERNBASE: user memory stays below it.
inline constexpr uint64_t kKernBase = 0x80000000;
inline constexpr uint64_t kUserTop = kKernBase;
// Inside the direct map of RAM, near its top (QEMU -m 512 as the tests run it; PHYSTOP comes
// from multiboot and is a little below 512 MiB).
inline constexpr uint64_t kRamTop = kKernBase + (uint64_t{500} << 20);
// Two device registers a user program must not reach: the IOAPIC and the local APIC (DEVSPACE).
inline constexpr uint64_t kDeviceA = 0xfec00000;
inline constexpr uint64_t kDeviceB = 0xfee00000;
// The span of one page table (1024 PTEs of 4 KiB): growth across a multiple of it needs a new
// table.
inline constexpr uint64_t kLeafTableSpan = uint64_t{4} << 20;
// A user address far above any heap a test grows and below KERNBASE: never mapped.
inline constexpr uint64_t kUnmappedUser = 0x70000000;
// Does the paging hardware refuse to execute a readable page? Not i386's two-level paging: NX
// needs PAE's 64-bit entries, so data and heap pages are executable.
inline constexpr bool kNoExecute = false;
// The width of a user pointer and of a system-call argument, in bits.
inline constexpr int kUserWordBits = 32;

}  // namespace pagoda::user_abi
