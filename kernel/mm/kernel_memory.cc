// The kernel's frame allocator and page table. xv6: kalloc.c kinit, vm.c kvmmake/kvminithart
#include "kernel/mm/kernel_memory.h"

#include <utility>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/print.h"

extern "C" {
extern char end[];         // first address after the kernel image (kernel.ld)
extern char etext[];       // end of kernel text, page-aligned (kernel.ld)
extern char trampoline[];  // the trampoline page (trampoline.S)
}

namespace pagoda {
namespace {

using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;

constinit KernelMemory g_frames("kmem");
constinit KernelPageTable g_kernel_table;

// Boot-time mappings cannot fail on a correct kernel with 128 MiB: a failure is a kernel bug.
void kvm_map(uint64_t va, uint64_t pa, uint64_t size, Perm perm, const char* what) {
  Status s = g_kernel_table.map(VirtAddr(va), size, PhysAddr(pa), perm);
  if (!s.ok()) panic("kvm_map %s at 0x%lx: %s", what, va, error_name(s.error()));
}

}  // namespace

KernelMemory& kernel_memory() {
  return g_frames;
}

uint64_t free_memory_bytes() {
  return g_frames.free_pages() * riscv::kPageSize;
}

void kernel_memory_init() {
  g_frames.add_range(PhysAddr(reinterpret_cast<uint64_t>(end)), PhysAddr(riscv::kPhysTop), 0);
}

void kvm_init() {
  auto table = KernelPageTable::create(g_frames);
  if (!table.ok()) panic("kvm_init: no memory for the kernel page table");
  g_kernel_table = std::move(table).value();

  constexpr Perm kRw = Perm::kRead | Perm::kWrite;
  constexpr Perm kRx = Perm::kRead | Perm::kExec;
  kvm_map(riscv::kTestDevice, riscv::kTestDevice, riscv::kPageSize, kRw, "test device");
  kvm_map(riscv::kClint, riscv::kClint, 0x10000, kRw, "CLINT");
  kvm_map(riscv::kPlic, riscv::kPlic, riscv::kPlicSize, kRw, "PLIC");
  kvm_map(riscv::kUart0, riscv::kUart0, riscv::kPageSize, kRw, "UART");
  kvm_map(riscv::kVirtio0, riscv::kVirtio0, riscv::kPageSize, kRw, "virtio");
  // Kernel text read+execute only; data and the rest of RAM read+write, never executable.
  const uint64_t text_end = reinterpret_cast<uint64_t>(etext);
  kvm_map(riscv::kKernBase, riscv::kKernBase, text_end - riscv::kKernBase, kRx, "kernel text");
  kvm_map(text_end, text_end, riscv::kPhysTop - text_end, kRw, "kernel data and RAM");
  kvm_map(riscv::kTrampoline, reinterpret_cast<uint64_t>(trampoline), riscv::kPageSize, kRx,
          "trampoline");

  // One kernel stack per process slot; the page below each stays unmapped as a guard.
  for (uint64_t slot = 0; slot < NPROC; ++slot) {
    auto frame = g_frames.alloc();
    if (!frame.ok()) panic("kvm_init: no memory for kernel stacks");
    kvm_map(riscv::kKernelStack(slot), frame->value(), riscv::kPageSize, kRw, "kernel stack");
  }
}

void kvm_init_hart() {
  // Earlier page-table writes must be visible to the walker before satp changes (priv spec 4.2.1),
  // and stale translations must go afterwards.
  riscv::sfence_vma();
  riscv::w_satp(riscv::satp_sv39(g_kernel_table.root().value()));
  riscv::sfence_vma();
}

KernelPageTable& kernel_page_table() {
  return g_kernel_table;
}

void kvm_check() {
  // A data address, a text address and the last page of RAM translate to themselves.
  const uint64_t probes[] = {reinterpret_cast<uint64_t>(&g_frames),
                             reinterpret_cast<uint64_t>(&kvm_check),
                             riscv::kPhysTop - riscv::kPageSize + 8};
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
  if (g_kernel_table.translate(VirtAddr(riscv::kKernelStack(0) - riscv::kPageSize)).ok()) {
    panic("kvm_check: kernel stack guard page is mapped");
  }
}

}  // namespace pagoda
