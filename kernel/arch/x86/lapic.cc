// The local APIC. Register offsets: SDM vol. 3, table 10-1. xv6-x86: lapic.c
#include "kernel/arch/x86/lapic.h"

#include "kernel/arch/x86/memlayout.h"
#include "kernel/arch/x86/x86.h"

namespace pagoda::x86 {
namespace {

enum Reg : uint32_t {
  kId = 0x020,
  kVersion = 0x030,
  kTpr = 0x080,  // task priority
  kEoi = 0x0b0,
  kSvr = 0x0f0,    // spurious interrupt vector
  kEsr = 0x280,    // error status
  kIcrLo = 0x300,  // interrupt command
  kIcrHi = 0x310,
  kTimer = 0x320,  // LVT timer
  kPcint = 0x340,  // LVT performance counter
  kLint0 = 0x350,
  kLint1 = 0x360,
  kError = 0x370,  // LVT error
  kTicr = 0x380,   // timer initial count
  kTdcr = 0x3e0,   // timer divide configuration
};

constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kTimerPeriodic = 1u << 17;
constexpr uint32_t kTdcrDivide1 = 0xb;
constexpr uint32_t kIcrInit = 5u << 8;
constexpr uint32_t kIcrStartup = 6u << 8;
constexpr uint32_t kIcrDelivering = 1u << 12;
constexpr uint32_t kIcrAssert = 1u << 14;
constexpr uint32_t kIcrLevel = 1u << 15;
constexpr uint32_t kIcrBroadcast = 1u << 19;  // all including self (destination shorthand 10b)
// Counts between timer interrupts. QEMU's APIC timer counts nanoseconds (divide by 1): 100 ms,
// RISC-V's tick (kTimerInterval at 10 MHz), so sleep(n) and tick-bounded tests mean the same.
constexpr uint32_t kTimerCount = 100000000;

constinit uint32_t g_base = kLapicDefault;

volatile uint32_t& reg(uint32_t r) {
  return *reinterpret_cast<volatile uint32_t*>(g_base + r);
}

void write(uint32_t r, uint32_t v) {
  reg(r) = v;
  const uint32_t id = reg(kId);  // wait for the write to finish by reading
  (void)id;
}

void wait_icr() {
  while ((reg(kIcrLo) & kIcrDelivering) != 0) {
  }
}

// The spec asks for delays of 10 ms and 200 us between the IPIs; QEMU needs none. A short spin.
void delay() {
  for (int i = 0; i < 10000; ++i) asm volatile("pause");
}

}  // namespace

void lapic_set_base(uint32_t pa) {
  if (pa >= kDevSpace) g_base = pa;  // only where the kernel map maps devices
}

void lapic_init() {
  write(kSvr, kSvrEnable | (kVectorIrq0 + kIrqSpurious));
  write(kTdcr, kTdcrDivide1);
  write(kTimer, kTimerPeriodic | (kVectorIrq0 + kIrqTimer));
  write(kTicr, kTimerCount);
  write(kLint0, kLvtMasked);
  write(kLint1, kLvtMasked);
  if (((reg(kVersion) >> 16) & 0xff) >= 4) write(kPcint, kLvtMasked);
  write(kError, kVectorIrq0 + kIrqError);
  write(kEsr, 0);  // back-to-back writes clear it
  write(kEsr, 0);
  write(kEoi, 0);  // acknowledge anything outstanding
  // Synchronise arbitration ids (INIT level de-assert to all).
  write(kIcrHi, 0);
  write(kIcrLo, kIcrBroadcast | kIcrInit | kIcrLevel);
  wait_icr();
  write(kTpr, 0);  // accept every interrupt
}

void lapic_eoi() {
  write(kEoi, 0);
}

void lapic_start_ap(uint8_t apic_id, uint32_t start) {
  // The warm-reset vector (MP spec B.4): CMOS shutdown code 0x0a and 40:67 -> start.
  outb(0x70, 0x0f);
  outb(0x71, 0x0a);
  auto* warm_reset = reinterpret_cast<volatile uint16_t*>(p2v(0x467));
  warm_reset[0] = 0;
  warm_reset[1] = static_cast<uint16_t>(start >> 4);

  write(kIcrHi, uint32_t{apic_id} << 24);
  write(kIcrLo, kIcrInit | kIcrLevel | kIcrAssert);
  wait_icr();
  delay();
  write(kIcrLo, kIcrInit | kIcrLevel);
  wait_icr();
  delay();
  for (int i = 0; i < 2; ++i) {  // STARTUP twice, as the spec's algorithm does
    write(kIcrHi, uint32_t{apic_id} << 24);
    write(kIcrLo, kIcrStartup | (start >> 12));
    wait_icr();
    delay();
  }
}

}  // namespace pagoda::x86
