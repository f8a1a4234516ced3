// CPU discovery from the MP tables the BIOS leaves (Intel MultiProcessor Specification 1.4,
// chapter 4): the floating pointer "_MP_" in the first KiB of the EBDA, the last KiB of base
// memory or the BIOS ROM 0xf0000-0xfffff, then the configuration table "PCMP" with one entry per
// processor and IOAPIC. xv6-x86: mp.c
#include <cstdint>

#include "kernel/arch/x86/bios_scan.h"
#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/lapic.h"
#include "kernel/arch/x86/memlayout.h"

namespace pagoda::x86 {
namespace {

struct [[gnu::packed]] MpFloating {  // spec 4.1
  char signature[4];                 // "_MP_"
  uint32_t config_pa;
  uint8_t length;  // in 16-byte units
  uint8_t revision;
  uint8_t checksum;
  uint8_t type;
  uint8_t features[4];
};

struct [[gnu::packed]] MpConfig {  // spec 4.2
  char signature[4];               // "PCMP"
  uint16_t length;
  uint8_t revision;
  uint8_t checksum;
  char product[20];
  uint32_t oem_table;
  uint16_t oem_length;
  uint16_t entries;
  uint32_t lapic_pa;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
};

constexpr uint8_t kEntryProcessor = 0;  // 20 bytes
constexpr uint8_t kEntryIoapic = 2;     // 8 bytes; the others are 8 bytes too
constexpr uint8_t kProcessorEnabled = 1;

constinit PerCpu g_cpus[NCPU] = {};
constinit int g_ncpu = 1;  // until mp_init: the boot CPU alone, APIC id 0
constinit uint8_t g_ioapic_id = 0;
constinit int8_t g_index_of_apic[256] = {};  // APIC id -> CPU index (all 0 until mp_init)

const MpFloating* search(uint32_t pa, uint32_t len) {
  return find_signed<MpFloating>(pa, len, "_MP_", 4, sizeof(MpFloating));
}

// BIOS data area (physical 0x400): the EBDA segment at 0x40e, base memory in KiB at 0x413.
const MpFloating* find_floating() {
  const uint32_t ebda = uint32_t{*reinterpret_cast<const uint16_t*>(p2v(0x40e))} << 4;
  if (ebda != 0) {
    if (const MpFloating* f = search(ebda, 1024)) return f;
  }
  const uint32_t base_kib = *reinterpret_cast<const uint16_t*>(p2v(0x413));
  if (base_kib != 0) {
    if (const MpFloating* f = search(base_kib * 1024 - 1024, 1024)) return f;
  }
  return search(0xf0000, 0x10000);
}

}  // namespace

void mp_init() {
  const MpFloating* f = find_floating();
  if (f == nullptr || f->config_pa == 0 || f->config_pa >= kExtMem) return;  // one CPU
  auto* conf = reinterpret_cast<const MpConfig*>(p2v(f->config_pa));
  if (__builtin_memcmp(conf->signature, "PCMP", 4) != 0 || byte_sum(conf, conf->length) != 0)
    return;
  lapic_set_base(conf->lapic_pa);
  int n = 0;
  const uint8_t* e = reinterpret_cast<const uint8_t*>(conf + 1);
  const uint8_t* table_end = reinterpret_cast<const uint8_t*>(conf) + conf->length;
  while (e < table_end) {
    if (*e == kEntryProcessor) {
      if ((e[3] & kProcessorEnabled) != 0) cpus_add(n++, e[1]);
      e += 20;
    } else {
      if (*e == kEntryIoapic) g_ioapic_id = e[1];
      e += 8;
    }
  }
  if (n > 0) cpus_set_count(n);
}

void cpus_add(int index, uint8_t apic_id) {
  if (index >= NCPU) return;
  g_cpus[index].apic_id = apic_id;
  g_index_of_apic[apic_id] = static_cast<int8_t>(index);
}

void cpus_set_count(int n) {
  g_ncpu = n < NCPU ? n : NCPU;
}

void ioapic_set_id(uint8_t id) {
  g_ioapic_id = id;
}

int cpu_count() {
  return g_ncpu;
}

PerCpu& per_cpu(int index) {
  return g_cpus[index];
}

int cpu_index_of_apic(uint32_t apic_id) {
  return apic_id < 256 ? g_index_of_apic[apic_id] : -1;
}

uint8_t ioapic_id() {
  return g_ioapic_id;
}

}  // namespace pagoda::x86
