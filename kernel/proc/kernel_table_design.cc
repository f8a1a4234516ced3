// The kernel side of both designs: the global design's borrowed kernel map (x86), and the
// per-process kernel page table built from the architecture's map, loading it, copyin through it,
// and its ^P line. See kernel_table_design.h.
#include "kernel/proc/kernel_table_design.h"

#include <utility>

#include "kernel/lib/panic.h"
#include "kernel/param.h"
#include "kernel/sync/print.h"

namespace pagoda {
namespace {

static_assert(NPROC <= 64, "mapped_stack_slots() reports slots as bits of a uint64_t");

// Copies that could not go through the mirror because the table was not loaded: always 0 unless
// the kernel has a bug. Shown by ^P so that tests can tell the direct path is really taken.
constinit uint64_t g_fallbacks = 0;

void count_fallback() {
  __atomic_fetch_add(&g_fallbacks, 1, __ATOMIC_RELAXED);
}

// The process slot whose kernel stack is at kstack, or NPROC.
uint64_t slot_of_stack(uint64_t kstack) {
  uint64_t slot = 0;
  while (slot < NPROC && arch::kernel_stack(slot) != kstack) ++slot;
  return slot;
}

}  // namespace

Status GlobalKernelTable::open(UserAddressSpace& as, uint64_t kstack) {
  (void)kstack;
  if constexpr (!arch::kKernelMapInUserTables) {
    (void)as;
    return {};
  }
  // x86: the kernel table's top-level entries from kKernelMapStart up, borrowed (shared, never
  // freed with the process). Entries the kernel does not use stay the process's own.
  constexpr uint64_t kSpan = arch::kPageSize
                             << (arch::PteFormat::kIndexBits * (arch::PteFormat::kLevels - 1));
  for (uint64_t va = arch::kKernelMapStart; va < arch::kMaxVa; va += kSpan) {
    const Status s = as.table().borrow(mm::VirtAddr(va), kernel_page_table());
    if (!s.ok() && s.error() != Error::kNotMapped) return s;
  }
  return {};
}

Status PerProcessKernelTable::open(UserAddressSpace& as, uint64_t kstack) {
  if (mirror_.valid()) panic("PerProcessKernelTable::open: table exists");
  Mirror mirror = PAGODA_TRY(Mirror::create(kernel_memory(), kMirrorLimit, kMirrorUserCap));
  const mm::MapStatus mapped =
      arch::map_process_kernel(mirror.table(), kernel_page_table(), kstack);
  if (!mapped.ok()) {
    mirror.destroy();
    return mapped.error().error;
  }
  // Self-check at every fork and exec: a failure is a kernel bug, so it panics.
  arch::check_process_kernel_map(mirror.table(), kernel_page_table(), kstack);
  mirror_ = std::move(mirror);
  const uint64_t slot = slot_of_stack(kstack);
  if (slot == NPROC || mapped_stack_slots() != uint64_t{1} << slot) {
    panic("process kernel table: kernel stacks mapped 0x%lx, want slot %lu", mapped_stack_slots(),
          slot);
  }
  mirror_.attach(as);
  return {};
}

void PerProcessKernelTable::load() const {
  if (mirror_.valid()) {
    arch::switch_page_table(arch::page_table_token(mirror_.table().root()));
  } else {
    kvm_init_hart();
  }
}

Status PerProcessKernelTable::copy_in(const UserAddressSpace& as, void* dst, uint64_t src,
                                      uint64_t len) const {
  if (len == 0) return {};
  if (!mirror_.loaded()) {
    count_fallback();
    return as.copy_in(dst, mm::VirtAddr(src), len);
  }
  // User memory above the mirror (issue 12: it may reach the top of the address space) is read
  // by the software walk, by design: not a fallback.
  if (src >= mirror_.limit() || len > mirror_.limit() - src) {
    return as.copy_in(dst, mm::VirtAddr(src), len);
  }
  return mirror_.copy_in(as, dst, src, len);
}

Result<uint64_t> PerProcessKernelTable::copy_in_str(const UserAddressSpace& as, char* dst,
                                                    uint64_t src, uint64_t max) const {
  if (!mirror_.loaded()) {
    count_fallback();
    return as.copy_in_str(dst, mm::VirtAddr(src), max);
  }
  if (src >= mirror_.limit() || max > mirror_.limit() - src) {
    return as.copy_in_str(dst, mm::VirtAddr(src), max);
  }
  return mirror_.copy_in_str(as, dst, src, max);
}

uint64_t PerProcessKernelTable::mapped_stack_slots() const {
  uint64_t slots = 0;
  for (uint64_t s = 0; s < NPROC; ++s) {
    if (mirror_.table().translate(mm::VirtAddr(arch::kernel_stack(s))).ok()) {
      slots |= uint64_t{1} << s;
    }
  }
  return slots;
}

void PerProcessKernelTable::dump(int slot, const UserAddressSpace* as) const {
  if (!mirror_.valid() || as == nullptr) {
    kprintf("  kpt none\n");
    return;
  }
  kprintf("  kpt 0x%016lx: kstacks [", mirror_.table().root().value());
  const uint64_t slots = mapped_stack_slots();
  const char* sep = "";
  for (int s = 0; s < NPROC; ++s) {
    if (slots & (uint64_t{1} << s)) {
      kprintf("%s%d", sep, s);
      sep = " ";
    }
  }
  uint64_t mirrored = 0;
  const bool ok = mirror_.mirror_matches(*as, &mirrored);
  kprintf("] slot %d, mirror %lu pages %s, fallbacks %lu\n", slot, mirrored, ok ? "ok" : "BAD",
          __atomic_load_n(&g_fallbacks, __ATOMIC_RELAXED));
}

}  // namespace pagoda
