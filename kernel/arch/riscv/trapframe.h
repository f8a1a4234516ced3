// The per-process page the trampoline saves user registers into. Offsets are fixed: trampoline.S
// uses them. xv6: struct trapframe
#pragma once

#include <cstddef>
#include <cstdint>

namespace pagoda::riscv {

struct TrapFrame {
  /*   0 */ uint64_t kernel_satp;    // kernel page table
  /*   8 */ uint64_t kernel_sp;      // top of process's kernel stack
  /*  16 */ uint64_t kernel_trap;    // usertrap()
  /*  24 */ uint64_t epc;            // saved user program counter
  /*  32 */ uint64_t kernel_hartid;  // saved kernel tp
  /*  40 */ uint64_t ra;
  /*  48 */ uint64_t sp;
  /*  56 */ uint64_t gp;
  /*  64 */ uint64_t tp;
  /*  72 */ uint64_t t0;
  /*  80 */ uint64_t t1;
  /*  88 */ uint64_t t2;
  /*  96 */ uint64_t s0;
  /* 104 */ uint64_t s1;
  /* 112 */ uint64_t a0;
  /* 120 */ uint64_t a1;
  /* 128 */ uint64_t a2;
  /* 136 */ uint64_t a3;
  /* 144 */ uint64_t a4;
  /* 152 */ uint64_t a5;
  /* 160 */ uint64_t a6;
  /* 168 */ uint64_t a7;
  /* 176 */ uint64_t s2;
  /* 184 */ uint64_t s3;
  /* 192 */ uint64_t s4;
  /* 200 */ uint64_t s5;
  /* 208 */ uint64_t s6;
  /* 216 */ uint64_t s7;
  /* 224 */ uint64_t s8;
  /* 232 */ uint64_t s9;
  /* 240 */ uint64_t s10;
  /* 248 */ uint64_t s11;
  /* 256 */ uint64_t t3;
  /* 264 */ uint64_t t4;
  /* 272 */ uint64_t t5;
  /* 280 */ uint64_t t6;
  /* 288 */ uint64_t kernel_frame;   // this frame's kernel address: uservec hands it to usertrap()
};
static_assert(offsetof(TrapFrame, a0) == 112);
static_assert(offsetof(TrapFrame, t6) == 280);
static_assert(offsetof(TrapFrame, kernel_frame) == 288);

// Callee-saved registers for kernel context switches. Offsets are used by swtch.S.
struct Context {
  uint64_t ra;
  uint64_t sp;
  uint64_t s[12];  // s0..s11
};

}  // namespace pagoda::riscv
