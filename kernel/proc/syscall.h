// System-call dispatch and argument helpers. xv6: syscall.c
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda {

struct Proc;

// The n-th system-call argument (a0..a5) of the current process.
uint64_t arg_raw(int n);
int arg_int(int n);
// A uint64_t argument at word n, and in *next the word of the argument after it: on RISC-V one
// register (n + 1); on x86 two 32-bit stack words, low first as cdecl passes them (n + 2).
uint64_t arg_u64(int n, int* next);
uint64_t arg_addr(int n);
// Copies the NUL-terminated string argument n into buf (at most max bytes including the NUL).
Result<uint64_t> arg_str(int n, char* buf, uint64_t max);

// Read a uint64 / a string at a user address of the current process.
Status fetch_addr(uint64_t addr, uint64_t* out);
Result<uint64_t> fetch_str(uint64_t addr, char* buf, uint64_t max);

// Dispatch the system call in the trapframe (a7) of p, the current process; result to a0.
void syscall(Proc* p);

}  // namespace pagoda
