// The I/O APIC: an index register at +0x00 and a data window at +0x10; redirection entry i is the
// pair of registers 0x10 + 2i (low: vector, mask; high: destination APIC id in bits 31:24).
// 82093AA data sheet, 3.2. xv6-x86: ioapic.c
#include "kernel/arch/x86/ioapic.h"

#include <cstdint>

#include "kernel/arch/x86/memlayout.h"

namespace pagoda::x86 {
namespace {

constexpr uint32_t kRegVersion = 0x01;
constexpr uint32_t kRegTable = 0x10;
constexpr uint32_t kMasked = 1u << 16;

volatile uint32_t* window() {
  return reinterpret_cast<volatile uint32_t*>(kIoapic);
}

uint32_t read(uint32_t r) {
  window()[0] = r;
  return window()[4];
}

void write(uint32_t r, uint32_t v) {
  window()[0] = r;
  window()[4] = v;
}

}  // namespace

void ioapic_init() {
  const uint32_t lines = ((read(kRegVersion) >> 16) & 0xff) + 1;
  for (uint32_t i = 0; i < lines; ++i) {
    write(kRegTable + 2 * i, kMasked | (kVectorIrq0 + i));  // edge, active high, masked
    write(kRegTable + 2 * i + 1, 0);
  }
}

void ioapic_enable(int irq, int cpu_apic_id) {
  write(kRegTable + 2 * static_cast<uint32_t>(irq), kVectorIrq0 + static_cast<uint32_t>(irq));
  write(kRegTable + 2 * static_cast<uint32_t>(irq) + 1, static_cast<uint32_t>(cpu_apic_id) << 24);
}

}  // namespace pagoda::x86
