// x86 (i386, QEMU pc, xv6-x86's design) implementation of the architecture interface,
// kernel/arch/arch.h. Include kernel/arch/arch.h, not this file.
#pragma once

#include <cstdint>

#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/i386.h"
#include "kernel/arch/x86/kernel_map.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/arch/x86/trapframe.h"
#include "kernel/arch/x86/user_abi.h"
#include "kernel/arch/x86/x86.h"
#include "kernel/mm/user_layout.h"
#include "kernel/param.h"

extern "C" void swtch(pagoda::x86::Context* old, pagoda::x86::Context* next);

namespace pagoda {
[[noreturn]] void usertrapret_x86();
void trap_init_hart_x86();
}  // namespace pagoda

namespace pagoda::arch {

// Paging.
using PteFormat = x86::I386;
inline constexpr uint64_t kPageSize = x86::kPageSize;
inline constexpr uint64_t kMaxVa = x86::I386::kMaxVa;
// x86 needs no trampoline (the kernel map is in every directory); the two top pages keep the
// portable user layout's meaning: user memory stays below them.
inline constexpr uint64_t kTrampoline = mm::kTrampolineVa<x86::I386>;
inline constexpr uint64_t kTrapframe = mm::kTrapframeVa<x86::I386>;
// Kernel stacks: two pages per process slot (the stack, and an unmapped guard below it) from
// DEVSPACE down, inside the 4 MiB the kernel map keeps for them.
constexpr uint64_t kernel_stack(uint64_t slot) {
  return x86::kDevSpace - 2 * kPageSize * (slot + 1);
}
static_assert(kernel_stack(NPROC - 1) - kPageSize >= x86::kKernelStacks);
// The value switch_page_table loads for a page directory: %cr3 (SDM vol. 3, 4.3).
constexpr uint64_t page_table_token(mm::PhysAddr root) {
  return x86::make_cr3(root);
}
inline void flush_tlb() {
  x86::write_cr3(x86::read_cr3());
}
inline void switch_page_table(uint64_t token) {
  x86::write_cr3(static_cast<uint32_t>(token));  // also flushes the TLB
}
// The token of the directory this CPU translates through now (%cr3).
inline uint64_t current_page_table() {
  return x86::read_cr3();
}
// The frame of the page mapped at kTrampoline (halts only: x86 traps through the IDT).
inline mm::PhysAddr trampoline_frame() {
  return mm::PhysAddr(x86::v2p(x86::addr_of(trampoline)));
}

// The kernel's table (kernel_map.h): xv6-x86's kernel map. Only the global design exists on x86;
// the per-process calls refuse. User memory ends at KERNBASE, where the kernel map starts.
using x86::check_process_kernel_map;
using x86::map_kernel;
using x86::map_process_kernel;
inline constexpr uint64_t kUserMirrorLimit = x86::kKernBase;
inline constexpr uint64_t kLabUserMirrorLimit = kUserMirrorLimit;

// Traps and system calls.
using TrapFrame = x86::TrapFrame;
constexpr uint64_t syscall_number(const TrapFrame& tf) {
  return tf.eax;
}
// xv6-x86: arguments are on the user stack, the first at esp+4 (above the stub's return address),
// 32 bits each; system-call code reads them from user memory (kernel/proc/syscall.cc).
inline constexpr bool kSyscallArgsOnStack = true;
constexpr uint64_t syscall_arg(const TrapFrame&, int) {
  return 0;
}
constexpr uint64_t syscall_arg_address(const TrapFrame& tf, int n) {
  return uint64_t{tf.esp} + 4 + 4 * static_cast<uint64_t>(n);
}
constexpr void set_syscall_result(TrapFrame& tf, uint64_t value) {
  tf.eax = static_cast<uint32_t>(value);
}
constexpr void set_user_entry(TrapFrame& tf, uint64_t pc, uint64_t sp) {
  tf.eip = static_cast<uint32_t>(pc);
  tf.esp = static_cast<uint32_t>(sp);
}
// argc and argv are on the user stack (xv6-x86's exec), not in registers.
constexpr void set_user_argv(TrapFrame&, uint64_t) {}
[[noreturn]] inline void usertrapret() {
  usertrapret_x86();
}
inline void trap_init_hart() {
  trap_init_hart_x86();
}

// The user ABI of xv6-x86: user memory below KERNBASE; 4-byte pointers; ELF32 i386 executables;
// exec leaves main's frame on the stack (a fake return address 0xffffffff, argc, argv); exit(void)
// and wait(void) take no arguments (Pagoda's own programs use the extension calls 43 and 44 for
// the status). Every user page directory borrows the kernel map's tables from KERNBASE up.
inline constexpr uint64_t kUserTop = x86::kKernBase;
inline constexpr const char* kPcName = "eip";  // the fault line names the pc register
inline constexpr uint64_t kUserWordSize = 4;
inline constexpr uint8_t kElfClass = 1;
inline constexpr uint16_t kElfMachine = 3;
inline constexpr bool kUserMainFrame = true;
inline constexpr bool kExitWaitTakeNoArguments = true;
inline constexpr bool kKernelMapInUserTables = true;
inline constexpr uint64_t kKernelMapStart = x86::kKernBase;
// What user programs are told (user_abi.h) is this layout.
static_assert(user_abi::kMaxVa == kMaxVa && user_abi::kUserTop == kUserTop);
static_assert(user_abi::kTrampoline == kTrampoline && user_abi::kTrapframe == kTrapframe);
static_assert(user_abi::kKernBase == x86::kKernBase &&
              user_abi::kUserWordBits == 8 * kUserWordSize);
static_assert(user_abi::kDeviceA == x86::kIoapic && user_abi::kDeviceB == x86::kLapicDefault);
static_assert(user_abi::kRamTop < x86::kKernBase + x86::kPhysTopMax);
static_assert(user_abi::kUnmappedUser < kUserTop);
static_assert(user_abi::kLeafTableSpan == PteFormat::kEntries * kPageSize);

// Kernel threads.
using Context = x86::Context;
using ::swtch;

// Interrupts and CPUs.
inline void intr_on() {
  x86::sti();
}
inline void intr_off() {
  x86::cli();
}
inline bool intr_get() {
  return (x86::read_eflags() & x86::kEflagsIf) != 0;
}
// Called with interrupts off: sti's one-instruction shadow means the interrupt that ends hlt
// cannot slip in before it (SDM vol. 2, STI).
inline void wait_for_interrupt() {
  asm volatile("sti; hlt; cli" ::: "memory");
}
// This CPU's index, from its APIC id (CPUID, so it works before the LAPIC is mapped).
inline int cpu_id() {
  return x86::cpu_index_of_apic(x86::cpuid_apic_id());
}

// Timer: the LAPIC timer is periodic; nothing to program per tick.
inline void timer_start_next() {}

// Interrupt controller: ISA IRQ numbers, routed by the IOAPIC.
inline constexpr int kIrqUart = x86::kIrqCom1;
inline constexpr int kIrqDisk = x86::kIrqIde;

// The machine.
inline constexpr uint64_t kRamBase = 0;
// No RAM above it is used: the direct map at KERNBASE must stay below the kernel stacks.
inline constexpr uint64_t kRamTop = x86::kPhysTopMax;
// This machine's RAM (PHYSTOP, from the multiboot report; at most kRamTop).
inline uint64_t ram_top() {
  return x86::phys_top();
}
// RAM is mapped at KERNBASE: a frame's kernel address is its physical address plus this.
inline constexpr uint64_t kDirectMapOffset = x86::kKernBase;
// The boot directory maps the first 4 MiB: the frames usable before the kernel map (kinit1).
inline constexpr uint64_t kBootRamEnd = x86::kBootMapped;
// The physical address after the kernel image.
inline uint64_t kernel_image_end() {
  return x86::v2p(x86::addr_of(end));
}
inline constexpr uint64_t kUartBase = x86::kCom1;
inline constexpr uint64_t kDiskBase = 0x1f0;  // primary ATA channel's command block
// Port I/O, for the PC's drivers (the IDE disk): bytes, and strings of 32-bit words.
inline uint8_t port_in8(uint16_t port) {
  return x86::inb(port);
}
inline void port_out8(uint16_t port, uint8_t v) {
  x86::outb(port, v);
}
inline void port_in32s(uint16_t port, void* dst, uint32_t words) {
  x86::insl(port, dst, words);
}
inline void port_out32s(uint16_t port, const void* src, uint32_t words) {
  x86::outsl(port, src, words);
}
// The UART's registers are I/O ports on the PC.
inline uint8_t uart_read(uint64_t reg) {
  return x86::inb(static_cast<uint16_t>(kUartBase + reg));
}
inline void uart_write(uint64_t reg, uint8_t v) {
  x86::outb(static_cast<uint16_t>(kUartBase + reg), v);
}
// Power off: the ACPI PM1a control block SeaBIOS sets up on QEMU's pc machine (port 0x604),
// SLP_EN with sleep type 0 (S5). QEMU exits with status 0; a failure code cannot be passed on.
inline void machine_exit(int) {
  x86::outw(0x604, 0x2000);
}

}  // namespace pagoda::arch
