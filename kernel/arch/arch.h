// The architecture interface: everything the portable kernel (sync, proc, fs, dev drivers' callers)
// needs from an ISA, in namespace pagoda::arch. Portable code includes this header, never an ISA
// folder; the build selects the implementation with a compile definition (PAGODA_ARCH_RISCV today,
// PAGODA_ARCH_X86 for the coming port). Each ISA's arch_impl.h defines every name listed here.
//
//   Paging      PteFormat (the mm format traits), kPageSize, kMaxVa, kTrampoline, kTrapframe,
//               kernel_stack(slot), page_table_token(root) (what switch_page_table loads),
//               switch_page_table(token) (load a root and flush the TLB), flush_tlb(),
//               current_page_table() (the token loaded now), trampoline_frame()
//   Kernel tables map_kernel(table) (the global table's devices, text, RAM, trampoline; a
//               mm::MapStatus naming the range that failed), map_process_kernel(table, global,
//               kstack) and check_process_kernel_map(table, global, kstack) (the kernel part of a
//               per-process kernel table), kUserMirrorLimit (user memory ends below it)
//   Traps       TrapFrame, usertrapret() (enter user mode), trap_init_hart()
//   System calls syscall_number(tf), syscall_arg(tf, n), set_syscall_result(tf, v),
//               set_user_entry(tf, pc, sp), set_user_argv(tf, argv)
//   Threads     Context, swtch(old, next)
//   Interrupts  intr_on(), intr_off(), intr_get(), wait_for_interrupt(), cpu_id()
//   Timer       timer_start_next() (program the next tick on this hart)
//   Interrupt controller  irq_init(), irq_init_hart(), irq_claim(), irq_complete(irq),
//               kIrqUart, kIrqDisk
//   Machine     kRamBase, kRamTop, kernel_image_end(), kUartBase, kDiskBase, machine_exit(code)
#pragma once

#if defined(PAGODA_ARCH_RISCV)
#include "kernel/arch/riscv/arch_impl.h"
#else
#error "no architecture selected: define PAGODA_ARCH_RISCV"
#endif
