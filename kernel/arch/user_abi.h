// The user address-space layout of the ISA being compiled for (kernel/arch/<isa>/user_abi.h), for
// user programs: the one place user code learns MAXVA, KERNBASE and the trampoline and trapframe
// pages.
#pragma once

#if defined(__riscv)
#include "kernel/arch/riscv/user_abi.h"
#elif defined(__i386__)
#include "kernel/arch/x86/user_abi.h"
#else
#error "kernel/arch/user_abi.h: no user ABI for this ISA"
#endif
