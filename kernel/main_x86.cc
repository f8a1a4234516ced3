// The x86 boot path (xv6-x86 main.c): the boot CPU arrives from entry.S with paging on through the
// 4 MiB boot directory; it frees the pages that directory maps (kinit1), builds the kernel map and
// installs it (kvmalloc), finds the CPUs and interrupt controllers, starts the other CPUs, then
// frees the rest of memory (kinit2). The other CPUs arrive in x86_ap_main.
#include <utility>

#include "kernel/arch/arch.h"
#include "kernel/arch/trap_hooks.h"
#include "kernel/arch/x86/boot.h"
#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/ioapic.h"
#include "kernel/arch/x86/kmap.h"
#include "kernel/arch/x86/lapic.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/arch/x86/multiboot.h"
#include "kernel/arch/x86/trap.h"
#include "kernel/dev/console.h"
#include "kernel/dev/disk.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_init.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/kernel_memory.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/sync/print.h"

namespace pagoda {
namespace {

using mm::PhysAddr;
using mm::VirtAddr;

// A kernel address as a number. Through uintptr_t: GCC sign-extends a 32-bit pointer converted
// straight to uint64_t, which would put the high half at 0xffffffff8xxxxxxx.
uint64_t addr_of(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

constinit KernelMemory g_frames("kmem");
constinit KernelPageTable g_kernel_table;
constinit uint64_t g_phys_top = 0;
constinit uint32_t g_kernel_cr3 = 0;

// PHYSTOP from the multiboot memory report: the RAM from 1 MiB up to the first hole.
uint64_t ram_end(uint32_t magic, uint32_t info_pa) {
  if (magic != x86::kMultibootLoaderMagic)
    panic("boot: not loaded by a multiboot loader (0x%x)", magic);
  if (info_pa >= x86::kBootMapped)
    panic("boot: multiboot information at 0x%x is not mapped", info_pa);
  auto* info = reinterpret_cast<const x86::MultibootInfo*>(x86::p2v(info_pa));
  if ((info->flags & x86::kMultibootInfoMemory) == 0)
    panic("boot: the loader reports no memory size");
  return x86::kExtMem + uint64_t{info->mem_upper} * 1024;
}

// xv6-x86: kinit1. The pages between the kernel's end and 4 MiB: what the boot directory maps.
void kinit1() {
  g_frames.add_range(PhysAddr(x86::v2p(addr_of(end))), PhysAddr(x86::kBootMapped), x86::kKernBase);
}

// xv6-x86: kinit2. The rest of RAM, reachable now that the kernel map is installed everywhere.
void kinit2() {
  g_frames.extend(PhysAddr(g_phys_top));
}

// xv6-x86: setupkvm + kvmalloc. The kernel map in a fresh directory, loaded on this CPU.
void kvmalloc() {
  auto table = KernelPageTable::create(g_frames);
  if (!table.ok()) panic("kvmalloc: no memory for the kernel page directory");
  g_kernel_table = std::move(table).value();
  const char* failed = "";
  const x86::KernelMapLayout layout{addr_of(data), g_phys_top};
  Status s = x86::build_kernel_map(g_kernel_table, layout, &failed);
  if (!s.ok()) panic("kvmalloc: mapping %s: %s", failed, error_name(s.error()));
  // One kernel stack per process slot; the page below each stays unmapped as a guard.
  for (uint64_t slot = 0; slot < NPROC; ++slot) {
    auto frame = g_frames.alloc_page();
    if (!frame.ok()) panic("kvmalloc: no memory for kernel stacks");
    s = g_kernel_table.map(VirtAddr(arch::kernel_stack(slot)), x86::kPageSize, *frame,
                           mm::Perm::kRead | mm::Perm::kWrite);
    if (!s.ok()) panic("kvmalloc: kernel stack %llu: %s", slot, error_name(s.error()));
  }
  g_kernel_cr3 = static_cast<uint32_t>(arch::page_table_token(g_kernel_table.root()));
  arch::switch_page_table(g_kernel_cr3);
}

// Boot self-test: the kernel map translates text, data and the last page of RAM to V2P, and
// the text is read-only.
void kvm_check_x86() {
  const uint64_t probes[] = {addr_of(reinterpret_cast<const void*>(&kvm_check_x86)),
                             addr_of(&g_frames), x86::p2v(g_phys_top - x86::kPageSize)};
  for (uint64_t va : probes) {
    auto pa = g_kernel_table.translate(VirtAddr(va));
    if (!pa.ok() || pa->value() != x86::v2p(va)) panic("kvm_check: 0x%llx is not at V2P", va);
  }
  const auto* text =
      g_kernel_table.walk(VirtAddr(addr_of(reinterpret_cast<const void*>(&kvm_check_x86))));
  if (text == nullptr || text->writable() || text->user())
    panic("kvm_check: kernel text is writable");
}

// For the ACPI tables: physical memory beyond PHYSTOP (below DEVSPACE - KERNBASE) mapped
// read-only at P2V on demand, page by page.
const void* map_phys(uint64_t pa, uint64_t len) {
  if (len == 0 || pa >= x86::kPhysTopMax || len > x86::kPhysTopMax - pa) return nullptr;
  for (uint64_t page = mm::page_round_down(pa); page < pa + len; page += x86::kPageSize) {
    if (page < g_phys_top || g_kernel_table.translate(VirtAddr(x86::p2v(page))).ok()) continue;
    if (!g_kernel_table
             .map(VirtAddr(x86::p2v(page)), x86::kPageSize, PhysAddr(page), mm::Perm::kRead)
             .ok()) {
      return nullptr;
    }
  }
  return reinterpret_cast<const void*>(static_cast<uintptr_t>(x86::p2v(pa)));
}

// Start every other CPU at the copy of ap_start at 0x7000, on a stack of its own, and wait until it
// runs on the kernel map. xv6-x86: startothers
void start_others() {
  auto* code = reinterpret_cast<char*>(x86::p2v(x86::kApStart));
  __builtin_memcpy(code, ap_start, static_cast<uint32_t>(ap_end - ap_start));
  const int me = arch::cpu_id();
  for (int i = 0; i < x86::cpu_count(); ++i) {
    if (i == me) continue;
    auto stack = g_frames.alloc_page();
    if (!stack.ok()) panic("start_others: no memory for a stack");
    auto* args = reinterpret_cast<volatile uint32_t*>(code);
    args[-1] = static_cast<uint32_t>(x86::p2v(stack->value()) + x86::kPageSize);
    args[-2] = reinterpret_cast<uint32_t>(&x86_ap_main);
    args[-3] = static_cast<uint32_t>(x86::v2p(addr_of(boot_pgdir)));
    x86::lapic_start_ap(x86::per_cpu(i).apic_id, static_cast<uint32_t>(x86::kApStart));
    while (__atomic_load_n(&x86::per_cpu(i).started, __ATOMIC_ACQUIRE) == 0) {
    }
  }
}

}  // namespace

// kernel/mm/kernel_memory.h on x86.
KernelMemory& kernel_memory() {
  return g_frames;
}
uint64_t free_memory_bytes() {
  return g_frames.free_pages() * x86::kPageSize;
}
KernelPageTable& kernel_page_table() {
  return g_kernel_table;
}
// xv6-x86: switchkvm. The kernel-only directory (the scheduler's).
void kvm_init_hart() {
  arch::switch_page_table(g_kernel_cr3);
}

}  // namespace pagoda

extern "C" void x86_boot_main(uint32_t magic, uint32_t info_pa) {
  using namespace pagoda;
  console_init();
  devsw[kConsoleMajor].read = console_read;
  devsw[kConsoleMajor].write = console_write;
  kprintf("\npagoda: kernel is booting (x86)\n");
  g_phys_top = x86::phys_top_from(ram_end(magic, info_pa));
  kinit1();
  kprintf("pagoda: kinit1: %llu pages below 4 MiB\n", g_frames.free_pages());
  kvmalloc();
  kvm_check_x86();
  kprintf("pagoda: paging on, kernel page directory 0x%08llx, PHYSTOP 0x%08llx\n",
          g_kernel_table.root().value(), g_phys_top);
  if (!x86::acpi_init(map_phys)) x86::mp_init();
  x86::gdt_init_cpu(arch::cpu_id());
  x86::lapic_init();
  x86::pic_disable();
  x86::ioapic_init();
  x86::idt_init();
  arch::trap_init_hart();
  x86::ioapic_enable(arch::kIrqUart, x86::per_cpu(0).apic_id);
  x86::ioapic_enable(arch::kIrqDisk, x86::per_cpu(0).apic_id);
  proc_init();
  fs_boot_init();
  disk_init();
  start_others();
  kinit2();
  kprintf("pagoda: booting on %d CPUs\n", x86::cpu_count());
  kprintf("pagoda: %llu free pages (%llu total)\n", g_frames.free_pages(), g_frames.total_pages());
  user_init();
  scheduler();
}

extern "C" void x86_ap_main() {
  using namespace pagoda;
  kvm_init_hart();  // from the boot directory to the kernel map
  const int me = arch::cpu_id();
  x86::gdt_init_cpu(me);
  arch::trap_init_hart();
  x86::lapic_init();
  __atomic_store_n(&x86::per_cpu(me).started, 1u, __ATOMIC_RELEASE);
  scheduler();
}
