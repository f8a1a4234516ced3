// The architecture interface: everything the portable kernel (sync, proc, fs, dev drivers' callers)
// needs from an ISA, in namespace pagoda::arch. Portable code includes this header, never an ISA
// folder; the build selects the implementation with a compile definition (PAGODA_ARCH_RISCV or
// PAGODA_ARCH_X86). Each ISA's arch_impl.h defines every name listed here.
//
//   Paging      PteFormat (the mm format traits), kPageSize, kMaxVa, kTrampoline, kTrapframe,
//               kernel_stack(slot), page_table_token(root) (what switch_page_table loads),
//               switch_page_table(token) (load a root and flush the TLB), flush_tlb(),
//               current_page_table() (the token loaded now), trampoline_frame()
//   Kernel tables map_kernel(table) (the global table's devices, text, RAM, trampoline; a
//               mm::MapStatus naming the range that failed), map_process_kernel(table, global,
//               kstack) and check_process_kernel_map(table, global, kstack) (the kernel part of a
//               per-process kernel table), kUserMirrorLimit (user memory ends below it),
//               kLabUserMirrorLimit (the same for the 2020 lab's kernel, whose grader checks it)
//   Traps       TrapFrame, usertrapret() (enter user mode), trap_init_hart()
//   System calls syscall_number(tf), syscall_arg(tf, n) (in registers), or with
//               kSyscallArgsOnStack the user address syscall_arg_address(tf, n) to read it from,
//               set_syscall_result(tf, v), set_user_entry(tf, pc, sp), set_user_argv(tf, argv)
//   User ABI    kUserTop (user memory ends below it), kUserWordSize (a user pointer's bytes),
//               kElfClass, kElfMachine (the executables exec accepts), kUserMainFrame (exec leaves
//               a fake return address, argc and argv on the stack), kExitWaitTakeNoArguments
//               (xv6-x86's exit(void)/wait(void) for numbers 2 and 3), kKernelMapInUserTables and
//               kKernelMapStart (user tables borrow the kernel's top-level entries from there),
//               kPcName (the program counter's name in a fault line: sepc, eip)
//   Threads     Context, swtch(old, next)
//   Interrupts  intr_on(), intr_off(), intr_get(), wait_for_interrupt(), cpu_id()
//   Timer       timer_start_next() (program the next tick on this hart)
//   Interrupt controller  irq_init(), irq_init_hart(), irq_claim(), irq_complete(irq),
//               kIrqUart, kIrqDisk
//   Machine     kRamBase, kRamTop (no RAM above it is used), ram_top() (the end of this machine's
//               RAM, known once the boot path has read it), kernel_image_end() (the physical address
//               after the kernel image), kDirectMapOffset (a frame's kernel address minus its
//               physical address), kBootRamEnd (the RAM reachable before the kernel table is
//               loaded), kUartBase, kDiskBase, uart_read(reg), uart_write(reg, v) (the 16550
//               registers: memory-mapped on RISC-V, I/O ports on x86), machine_exit(code);
//               x86 only: port_in8, port_out8, port_in32s, port_out32s (the IDE driver's I/O)
#pragma once

#if defined(PAGODA_ARCH_RISCV)
#include "kernel/arch/riscv/arch_impl.h"
#elif defined(PAGODA_ARCH_X86)
#include "kernel/arch/x86/arch_impl.h"
#else
#error "no architecture selected: define PAGODA_ARCH_RISCV or PAGODA_ARCH_X86"
#endif
