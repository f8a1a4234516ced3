// What the x86 trap entry saves (xv6-x86 x86.h struct trapframe) and what swtch saves.
#pragma once

#include <cstdint>

namespace pagoda::x86 {

// Built on the kernel stack by the CPU (SDM vol. 3, 6.12.1: from ss down to eip, ss and esp only
// on a change of privilege; err by the CPU for some exceptions, else 0 by the vector), by the
// vector (trapno) and by alltraps (segment registers, then pushal).
struct TrapFrame {
  // pushal
  uint32_t edi;
  uint32_t esi;
  uint32_t ebp;
  uint32_t oesp;  // useless and ignored (the esp pushal saw)
  uint32_t ebx;
  uint32_t edx;
  uint32_t ecx;
  uint32_t eax;
  // alltraps (the upper halves are undefined)
  uint32_t gs;
  uint32_t fs;
  uint32_t es;
  uint32_t ds;
  uint32_t trapno;
  // the CPU
  uint32_t err;
  uint32_t eip;
  uint32_t cs;
  uint32_t eflags;
  uint32_t esp;  // only when coming from user mode
  uint32_t ss;
};
static_assert(sizeof(TrapFrame) == 76);

// Callee-saved state of a kernel thread (System V i386 ABI: ebx, esi, edi, ebp). swtch saves its
// return address in ra and the stack pointer after returning in sp, as RISC-V's Context does, so
// that proc.cc starts a new thread the same way (ra = fork_ret, sp = top of its kernel stack).
struct Context {
  uint32_t ra;
  uint32_t sp;
  uint32_t ebx;
  uint32_t esi;
  uint32_t edi;
  uint32_t ebp;
};

}  // namespace pagoda::x86
