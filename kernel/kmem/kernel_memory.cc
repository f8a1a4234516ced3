// The kernel's frame allocator and page table. xv6: kalloc.c kinit, vm.c kvmmake/kvminithart
#include "kernel/kmem/kernel_memory.h"

#include <utility>

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
  g_frames.add_range(PhysAddr(arch::kernel_image_end()), PhysAddr(arch::kRamTop), 0);
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
  // A data address, a text address and the last page of RAM translate to themselves.
  const uint64_t probes[] = {reinterpret_cast<uint64_t>(&g_frames),
                             reinterpret_cast<uint64_t>(&kvm_check),
                             arch::kRamTop - arch::kPageSize + 8};
  for (uint64_t va : probes) {
    auto pa = g_kernel_table.translate(VirtAddr(va));
    if (!pa.ok() || pa->value() != va) panic("kvm_check: 0x%lx does not translate to itself", va);
  }
  // Read a byte through the page table (paging is on) and compare with the frame's direct mapping.
  const volatile uint64_t* through_table =
      reinterpret_cast<const volatile uint64_t*>(&g_kernel_table);
  auto pa = g_kernel_table.translate(VirtAddr(reinterpret_cast<uint64_t>(&g_kernel_table)));
  if (!pa.ok() || *through_table != *static_cast<const uint64_t*>(g_frames.ptr(*pa))) {
    panic("kvm_check: kernel page table disagrees with the direct map");
  }
  // The guard page below each kernel stack is unmapped.
  if (g_kernel_table.translate(VirtAddr(arch::kernel_stack(0) - arch::kPageSize)).ok()) {
    panic("kvm_check: kernel stack guard page is mapped");
  }
}

void vmprint(const KernelPageTable& table) {
  table.print([](const char* line) { kprintf("%s\n", line); });
}

}  // namespace pagoda
