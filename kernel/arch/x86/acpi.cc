// CPU discovery from ACPI (ACPI 6.4, 5.2.5 RSDP, 5.2.7 RSDT, 5.2.12 MADT): QEMU builds the MADT
// from its own CPU list, so it names every CPU of -smp N. The RSDP lies on a 16-byte boundary in
// the first KiB of the EBDA or in 0xe0000-0xfffff; the RSDT and MADT may lie above PHYSTOP (the
// loader's memory report stops below them), so the caller maps them (map_phys).
#include <cstdint>

#include "kernel/arch/x86/bios_scan.h"
#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/lapic.h"
#include "kernel/arch/x86/memlayout.h"

namespace pagoda::x86 {
namespace {

struct [[gnu::packed]] Rsdp {
  char signature[8];  // "RSD PTR "
  uint8_t checksum;   // of the first 20 bytes
  char oem[6];
  uint8_t revision;
  uint32_t rsdt_pa;
};

struct [[gnu::packed]] SdtHeader {
  char signature[4];
  uint32_t length;
  uint8_t revision;
  uint8_t checksum;
  char oem[6];
  char oem_table[8];
  uint32_t oem_revision;
  uint32_t creator;
  uint32_t creator_revision;
};

struct [[gnu::packed]] Madt {
  SdtHeader header;  // "APIC"
  uint32_t lapic_pa;
  uint32_t flags;
};

constexpr uint8_t kMadtLocalApic = 0;  // {type, length 8, processor id, APIC id, flags u32}
constexpr uint8_t kMadtIoapic = 1;     // {type, length 12, IOAPIC id, 0, address, GSI base}
constexpr uint32_t kLocalApicEnabled = 1;

const Rsdp* search(uint32_t pa, uint32_t len) {
  return find_signed<Rsdp>(pa, len, "RSD PTR ", 8, 20);  // the checksum covers 20 bytes
}

// A whole table, checked, mapped through map_phys; nullptr if absent or damaged.
const SdtHeader* table_at(uint32_t pa, const void* (*map_phys)(uint64_t, uint64_t)) {
  auto* h = static_cast<const SdtHeader*>(map_phys(pa, sizeof(SdtHeader)));
  if (h == nullptr || h->length < sizeof(SdtHeader) || h->length > 0x10000) return nullptr;
  h = static_cast<const SdtHeader*>(map_phys(pa, h->length));
  if (h == nullptr || byte_sum(h, h->length) != 0) return nullptr;
  return h;
}

}  // namespace

bool acpi_init(const void* (*map_phys)(uint64_t pa, uint64_t len)) {
  const uint32_t ebda = uint32_t{*reinterpret_cast<const uint16_t*>(p2v(0x40e))} << 4;
  const Rsdp* rsdp = ebda != 0 ? search(ebda, 1024) : nullptr;
  if (rsdp == nullptr) rsdp = search(0xe0000, 0x20000);
  if (rsdp == nullptr) return false;
  const SdtHeader* rsdt = table_at(rsdp->rsdt_pa, map_phys);
  if (rsdt == nullptr || __builtin_memcmp(rsdt->signature, "RSDT", 4) != 0) return false;
  const uint32_t entries = (rsdt->length - sizeof(SdtHeader)) / 4;
  const auto* pointers = reinterpret_cast<const uint8_t*>(rsdt + 1);
  for (uint32_t i = 0; i < entries; ++i) {
    uint32_t pa;
    __builtin_memcpy(&pa, pointers + 4 * i, 4);
    const SdtHeader* t = table_at(pa, map_phys);
    if (t == nullptr || __builtin_memcmp(t->signature, "APIC", 4) != 0) continue;
    auto* madt = reinterpret_cast<const Madt*>(t);
    lapic_set_base(madt->lapic_pa);
    const uint8_t* e = reinterpret_cast<const uint8_t*>(madt + 1);
    const uint8_t* table_end = reinterpret_cast<const uint8_t*>(t) + t->length;
    int n = 0;
    while (e + 2 <= table_end && e[1] >= 2 && e + e[1] <= table_end) {
      if (e[0] == kMadtLocalApic && e[1] >= 8) {
        uint32_t flags;
        __builtin_memcpy(&flags, e + 4, 4);
        if ((flags & kLocalApicEnabled) != 0) cpus_add(n++, e[3]);
      } else if (e[0] == kMadtIoapic && e[1] >= 12) {
        ioapic_set_id(e[2]);
      }
      e += e[1];
    }
    if (n > 0) {
      cpus_set_count(n);
      return true;
    }
  }
  return false;
}

}  // namespace pagoda::x86
