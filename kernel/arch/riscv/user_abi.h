// What a RISC-V user program may know of its address space (Sv39, QEMU virt, xv6's layout): where
// user memory ends, the pages at the top it must not touch, and addresses that belong to the
// kernel or to devices. User code (user/tests) reads these through kernel/arch/user_abi.h; the
// kernel checks them against its own layout (kernel/arch/riscv/arch_impl.h). Plain constants only:
// this header is compiled into user programs.
#pragma once

#include <cstdint>

namespace pagoda::user_abi {

inline constexpr const char* kIsa = "riscv";
inline constexpr uint64_t kPageSize = 4096;
// One past the last virtual address a user page table can map (one bit less than Sv39 allows).
inline constexpr uint64_t kMaxVa = uint64_t{1} << 38;
inline constexpr uint64_t kTrampoline = kMaxVa - kPageSize;      // mapped, but not for user mode
inline constexpr uint64_t kTrapframe = kTrampoline - kPageSize;  // mapped, but not for user mode
// User memory (text, data, stack, heap) stays below this.
inline constexpr uint64_t kUserTop = kTrapframe;
// The kernel's text and RAM (-m 128M); not in a user page table at all.
inline constexpr uint64_t kKernBase = 0x80000000;
inline constexpr uint64_t kRamTop = kKernBase + (uint64_t{128} << 20);
// Two device registers a user program must not reach: the PLIC and the UART.
inline constexpr uint64_t kDeviceA = 0x0c000000;
inline constexpr uint64_t kDeviceB = 0x10000000;
// The span of one last-level page table (512 PTEs of 4 KiB): growth across a multiple of it
// needs a new table.
inline constexpr uint64_t kLeafTableSpan = uint64_t{2} << 20;
// A user address far above any heap a test grows and below the top pages: never mapped.
inline constexpr uint64_t kUnmappedUser = 0x3000000000;
// Does the paging hardware refuse to execute a readable page (Sv39's X bit)?
inline constexpr bool kNoExecute = true;
// The width of a user pointer and of a system-call argument, in bits.
inline constexpr int kUserWordBits = 64;

}  // namespace pagoda::user_abi
