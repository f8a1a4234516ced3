// RISC-V (Sv39, QEMU virt) implementation of the architecture interface, kernel/arch/arch.h.
// Include kernel/arch/arch.h, not this file.
#pragma once

#include <cstdint>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/kernel_map.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/plic.h"
#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/riscv/timer.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/arch/riscv/trapframe.h"
#include "kernel/arch/riscv/user_abi.h"

extern "C" void swtch(pagoda::riscv::Context* old, pagoda::riscv::Context* next);

namespace pagoda::arch {

// Paging.
using PteFormat = riscv::Sv39;
inline constexpr uint64_t kPageSize = riscv::kPageSize;
inline constexpr uint64_t kMaxVa = riscv::kMaxVa;
inline constexpr uint64_t kTrampoline = riscv::kTrampoline;
inline constexpr uint64_t kTrapframe = riscv::kTrapframe;
constexpr uint64_t kernel_stack(uint64_t slot) {
  return riscv::kKernelStack(slot);
}
// The value switch_page_table loads for a root table (satp, priv spec 4.1.11).
constexpr uint64_t page_table_token(mm::PhysAddr root) {
  return riscv::make_satp(root);
}
inline void flush_tlb() {
  riscv::sfence_vma();
}
inline void switch_page_table(uint64_t token) {
  riscv::sfence_vma();  // earlier page-table writes are visible to the walker
  riscv::w_satp(token);
  riscv::sfence_vma();
}
// The token of the table this hart translates through now (satp).
inline uint64_t current_page_table() {
  return riscv::r_satp();
}
// The frame holding the trampoline (mapped at kTrampoline in every table).
inline mm::PhysAddr trampoline_frame() {
  return mm::PhysAddr(riscv::pa_of(trampoline));
}

// The kernel's tables (kernel_map.h): what the global table maps, the kernel part of a
// per-process table and its self-check, and where user memory must end so that a mirror of it
// fits below the kernel's shared mappings (kLabUserMirrorLimit: the 2020 lab's own, lower one).
using riscv::check_process_kernel_map;
using riscv::map_kernel;
using riscv::map_process_kernel;
inline constexpr uint64_t kUserMirrorLimit = riscv::kUserMirrorLimit;
inline constexpr uint64_t kLabUserMirrorLimit = riscv::kLabUserMirrorLimit;

// Traps and system calls.
using TrapFrame = riscv::TrapFrame;
constexpr uint64_t syscall_number(const TrapFrame& tf) {
  return tf.a7;
}
constexpr uint64_t syscall_arg(const TrapFrame& tf, int n) {
  switch (n) {
    case 0:
      return tf.a0;
    case 1:
      return tf.a1;
    case 2:
      return tf.a2;
    case 3:
      return tf.a3;
    case 4:
      return tf.a4;
    case 5:
      return tf.a5;
  }
  return 0;  // kernel bug in a handler; an unused argument reads as 0
}
// Arguments arrive in registers, so there is no user address to read them from.
inline constexpr bool kSyscallArgsOnStack = false;
constexpr uint64_t syscall_arg_address(const TrapFrame&, int) {
  return 0;
}
constexpr void set_syscall_result(TrapFrame& tf, uint64_t value) {
  tf.a0 = value;
}
// Where user mode starts: pc and stack pointer.
constexpr void set_user_entry(TrapFrame& tf, uint64_t pc, uint64_t sp) {
  tf.epc = pc;
  tf.sp = sp;
}
// main's argv (the second argument); argc arrives as exec's result.
constexpr void set_user_argv(TrapFrame& tf, uint64_t argv) {
  tf.a1 = argv;
}
using pagoda::trap_init_hart;

// The user ABI: user memory below the trapframe; 8-byte pointers; executables are ELF64 RISC-V;
// main(argc, argv) gets its arguments in a0/a1 (no frame on the stack); exit and wait take a
// status (number 2 and 3 as in xv6-riscv). No kernel mappings in user tables (the trampoline).
inline constexpr uint64_t kUserTop = kTrapframe;
inline constexpr const char* kPcName = "sepc";  // the fault line names the pc register
inline constexpr uint64_t kUserWordSize = 8;
inline constexpr uint8_t kElfClass = 2;
inline constexpr uint16_t kElfMachine = 243;
inline constexpr bool kUserMainFrame = false;
inline constexpr bool kExitWaitTakeNoArguments = false;
inline constexpr bool kKernelMapInUserTables = false;
inline constexpr uint64_t kKernelMapStart = 0;
// What user programs are told (user_abi.h) is this layout.
static_assert(user_abi::kMaxVa == kMaxVa && user_abi::kUserTop == kUserTop);
static_assert(user_abi::kTrampoline == kTrampoline && user_abi::kTrapframe == kTrapframe);
static_assert(user_abi::kKernBase == riscv::kKernBase && user_abi::kRamTop == riscv::kKernBase + riscv::kDefaultRamSize);
static_assert(user_abi::kDeviceA == riscv::kPlic && user_abi::kDeviceB == riscv::kUart0);
static_assert(user_abi::kUserWordBits == 8 * kUserWordSize && user_abi::kUnmappedUser < kUserTop);
static_assert(user_abi::kLeafTableSpan == PteFormat::kEntries * kPageSize);
using pagoda::usertrapret;

// Kernel threads.
using Context = riscv::Context;
using ::swtch;

// Interrupts and harts.
inline void intr_on() {
  riscv::intr_on();
}
inline void intr_off() {
  riscv::intr_off();
}
inline bool intr_get() {
  return riscv::intr_get();
}
// Idle until an interrupt arrives (wfi).
inline void wait_for_interrupt() {
  asm volatile("wfi");
}
// This hart's id, kept in tp. Call with interrupts disabled.
inline int cpu_id() {
  return static_cast<int>(riscv::r_tp());
}

// Timer: the next tick on this hart. Writing stimecmp also clears the pending interrupt (Sstc).
inline void timer_start_next() {
  riscv::w_stimecmp(riscv::r_time() + riscv::kTimerInterval);
}

// Interrupt controller (the PLIC).
inline constexpr int kIrqUart = riscv::kUart0Irq;
inline constexpr int kIrqDisk = riscv::kVirtio0Irq;
using pagoda::plic_claim;
using pagoda::plic_complete;

// The machine.
inline constexpr uint64_t kRamBase = riscv::kKernBase;
inline constexpr uint64_t kRamTop = riscv::kRamTopMax;
// The end of this machine's RAM: from the device tree's memory node (QEMU's -m), set at boot.
inline uint64_t ram_top() {
  return riscv::ram_top();
}
// RAM is direct-mapped in the upper half (physical + kDirectMapOffset), and all of it is reachable
// from the start: start.cc's boot table maps it with gigapages.
inline constexpr uint64_t kDirectMapOffset = riscv::kDirectMapOffset;
inline constexpr uint64_t kBootRamEnd = kRamTop;
// The first address after the kernel image: RAM from here to ram_top() is the frame allocator's.
inline uint64_t kernel_image_end() {
  return riscv::pa_of(end);
}
// The devices' kernel addresses (the direct map).
inline constexpr uint64_t kUartBase = riscv::p2v(riscv::kUart0);
inline constexpr uint64_t kDiskBase = riscv::p2v(riscv::kVirtio0);
// The UART's registers, memory-mapped at kUartBase.
inline uint8_t uart_read(uint64_t reg) {
  return *reinterpret_cast<volatile uint8_t*>(kUartBase + reg);
}
inline void uart_write(uint64_t reg, uint8_t v) {
  *reinterpret_cast<volatile uint8_t*>(kUartBase + reg) = v;
}
// Power off through the virt test device (qemu hw/misc/sifive_test.c): 0x5555 passes; a failure
// code is (code << 16) | 0x3333 and becomes QEMU's exit status. The device must be mapped.
inline void machine_exit(int code) {
  uint32_t value = code == 0 ? 0x5555u : ((static_cast<uint32_t>(code) << 16) | 0x3333u);
  *reinterpret_cast<volatile uint32_t*>(riscv::p2v(riscv::kTestDevice)) = value;
}

}  // namespace pagoda::arch
