// PLIC set-up: QEMU virt has one S-mode context per hart. xv6: plic.c
#include "kernel/arch/riscv/plic.h"

#include <cstdint>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"

namespace pagoda {
namespace {

int hart_id() {
  return static_cast<int>(riscv::r_tp());
}

volatile uint32_t& plic_reg(uint64_t addr) {
  return *reinterpret_cast<volatile uint32_t*>(addr);
}

}  // namespace

void plic_init() {
  // Any non-zero priority enables the source.
  plic_reg(riscv::plic_priority(riscv::kUart0Irq)) = 1;
  plic_reg(riscv::plic_priority(riscv::kVirtio0Irq)) = 1;
}

void plic_init_hart() {
  int hart = hart_id();
  plic_reg(riscv::plic_senable(hart)) = (1u << riscv::kUart0Irq) | (1u << riscv::kVirtio0Irq);
  plic_reg(riscv::plic_spriority(hart)) = 0;  // threshold: take every priority
}

int plic_claim() {
  return static_cast<int>(plic_reg(riscv::plic_sclaim(hart_id())));
}

void plic_complete(int irq) {
  plic_reg(riscv::plic_sclaim(hart_id())) = static_cast<uint32_t>(irq);
}

}  // namespace pagoda
