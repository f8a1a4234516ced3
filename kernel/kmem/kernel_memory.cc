// The kernel's frame allocator and page table, for every ISA. xv6: kalloc.c kinit, vm.c
// kvmmake/kvminithart; xv6-x86: kinit1/kinit2, setupkvm/kvmalloc/switchkvm
#include "kernel/kmem/kernel_memory.h"

#include <utility>

#include "kernel/features.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/map_error.h"
#include "kernel/param.h"
#include "kernel/sync/print.h"

namespace pagoda {
namespace {

using mm::PhysAddr;
using mm::VirtAddr;

constinit KernelMemory g_frames("kmem");
constinit KernelPageTable g_kernel_table;

// A kernel address as a number. Through uintptr_t: GCC sign-extends a 32-bit pointer converted
// straight to uint64_t.
uint64_t va_of(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

// Boot-time mappings cannot fail on a correct kernel: a failure is a kernel bug, said with where.
void must_map(const mm::MapStatus& s) {
  if (!s.ok()) {
    panic("kvm_init: cannot map %s at 0x%lx: %s", s.error().what, s.error().va.value(),
          error_name(s.error()));
  }
}

}  // namespace

KernelMemory& kernel_memory() {
  return g_frames;
}

uint64_t free_memory_bytes() {
  return g_frames.free_pages() * arch::kPageSize;
}

void kernel_memory_init() {
  // RISC-V reaches all of RAM before paging (kBootRamEnd is the bound, ram_top() this machine's).
  const uint64_t first = mm::page_round_up(arch::kernel_image_end());
  const uint64_t end = arch::ram_top() < arch::kBootRamEnd ? arch::ram_top() : arch::kBootRamEnd;
  g_frames.add_range(PhysAddr(first), PhysAddr(end), arch::kDirectMapOffset);
  if constexpr (features::kCowFork) {
    // One count per frame up to the top of RAM (beyond the boot range on x86), in pages taken
    // from the allocator now and kept for good (free counts are measured after boot).
    const uint64_t frames = (arch::ram_top() - first) / arch::kPageSize;
    const Status counted = g_frames.refs().init(PhysAddr(first), frames, [] {
      Result<PhysAddr> page = g_frames.alloc();
      return page.ok() ? g_frames.ptr(*page) : nullptr;
    });
    if (!counted.ok()) panic("kernel_memory_init: no frame counts: %s", error_name(counted.error()));
  }
}

void kernel_memory_extend() {
  g_frames.extend(PhysAddr(arch::ram_top()));
}

void kvm_init() {
  auto table = KernelPageTable::create(g_frames);
  if (!table.ok()) panic("kvm_init: no memory for the kernel page table");
  g_kernel_table = std::move(table).value();
  must_map(arch::map_kernel(g_kernel_table));

  // One kernel stack per process slot; the page below each stays unmapped as a guard.
  for (uint64_t slot = 0; slot < NPROC; ++slot) {
    auto frame = g_frames.alloc();
    if (!frame.ok()) panic("kvm_init: no memory for kernel stacks");
    must_map(mm::map_named(g_kernel_table, arch::kernel_stack(slot), arch::kPageSize,
                           frame->value(), mm::Perm::kRead | mm::Perm::kWrite, "kernel stack"));
  }
}

void kvm_init_hart() {
  arch::switch_page_table(arch::page_table_token(g_kernel_table.root()));
}

KernelPageTable& kernel_page_table() {
  return g_kernel_table;
}

void kvm_check() {
  // A data address, a text address and the last page of RAM translate to their frames (the
  // direct map), and the text is not writable.
  const auto* text = reinterpret_cast<const unsigned char*>(&kvm_check);
  const auto* last =
      static_cast<const unsigned char*>(g_frames.ptr(PhysAddr(arch::ram_top() - arch::kPageSize)));
  const void* probes[] = {&g_frames, text, last + 8};
  for (const void* p : probes) {
    auto pa = g_kernel_table.translate(VirtAddr(va_of(p)));
    if (!pa.ok() || pa->value() != g_frames.phys(p).value()) {
      panic("kvm_check: 0x%lx does not translate to its frame", va_of(p));
    }
  }
  const auto* text_pte = g_kernel_table.walk(VirtAddr(va_of(text)));
  if (text_pte == nullptr || text_pte->writable() || text_pte->user()) {
    panic("kvm_check: kernel text is writable or user");
  }
  // Read through the page table (paging is on) and compare with the frame's direct mapping.
  const volatile uint64_t* through_table =
      reinterpret_cast<const volatile uint64_t*>(&g_kernel_table);
  auto pa = g_kernel_table.translate(VirtAddr(va_of(&g_kernel_table)));
  if (!pa.ok() || *through_table != *static_cast<const uint64_t*>(g_frames.ptr(*pa))) {
    panic("kvm_check: kernel page table disagrees with the direct map");
  }
  // The guard page below each kernel stack is unmapped.
  if (g_kernel_table.translate(VirtAddr(arch::kernel_stack(0) - arch::kPageSize)).ok()) {
    panic("kvm_check: kernel stack guard page is mapped");
  }
}

void vmprint(const KernelPageTable& table, mm::PrintStyle style) {
  // On x86 every user directory borrows the kernel map: print the entries, not the whole map.
  table.print([](const char* line) { kprintf("%s\n", line); },
              arch::kKernelMapInUserTables ? mm::Borrowed::kSkip : mm::Borrowed::kDescend, style);
}

}  // namespace pagoda
