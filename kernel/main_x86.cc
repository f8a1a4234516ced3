// The x86 boot path (xv6-x86 main.c): the boot CPU arrives from entry.S with paging on through the
// 4 MiB boot directory; it frees the pages that directory maps (kinit1), builds the kernel map and
// installs it (kvmalloc), finds the CPUs and interrupt controllers, starts the other CPUs, then
// frees the rest of memory (kinit2). The other CPUs arrive in x86_ap_main.
#include "kernel/arch/arch.h"
#include "kernel/arch/trap_hooks.h"
#include "kernel/arch/x86/boot.h"
#include "kernel/arch/x86/cpus.h"
#include "kernel/arch/x86/ioapic.h"
#include "kernel/arch/x86/lapic.h"
#include "kernel/arch/x86/memlayout.h"
#include "kernel/arch/x86/multiboot.h"
#include "kernel/arch/x86/trap.h"
#include "kernel/dev/console.h"
#include "kernel/dev/disk.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_init.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/lib/panic.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/sync/print.h"

namespace pagoda {
namespace {

using mm::PhysAddr;
using mm::VirtAddr;

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

// For the ACPI tables: physical memory beyond PHYSTOP (below DEVSPACE - KERNBASE) mapped
// read-only at P2V on demand, page by page.
const void* map_phys(uint64_t pa, uint64_t len) {
  if (len == 0 || pa >= x86::kPhysTopMax || len > x86::kPhysTopMax - pa) return nullptr;
  for (uint64_t page = mm::page_round_down(pa); page < pa + len; page += x86::kPageSize) {
    if (page < x86::phys_top() || kernel_page_table().translate(VirtAddr(x86::p2v(page))).ok())
      continue;
    if (!kernel_page_table()
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
    auto stack = kernel_memory().alloc();
    if (!stack.ok()) panic("start_others: no memory for a stack");
    auto* args = reinterpret_cast<volatile uint32_t*>(code);
    args[-1] = static_cast<uint32_t>(x86::p2v(stack->value()) + x86::kPageSize);
    args[-2] = reinterpret_cast<uint32_t>(&x86_ap_main);
    args[-3] = static_cast<uint32_t>(x86::v2p(x86::addr_of(boot_pgdir)));
    x86::lapic_start_ap(x86::per_cpu(i).apic_id, static_cast<uint32_t>(x86::kApStart));
    while (__atomic_load_n(&x86::per_cpu(i).started, __ATOMIC_ACQUIRE) == 0) {
    }
  }
}

}  // namespace

}  // namespace pagoda

extern "C" void x86_boot_main(uint32_t magic, uint32_t info_pa) {
  using namespace pagoda;
  console_init();
  devsw[kConsoleMajor].read = console_read;
  devsw[kConsoleMajor].write = console_write;
  kprintf("\npagoda: kernel is booting (x86)\n");
  x86::set_phys_top(x86::phys_top_from(ram_end(magic, info_pa)));
  kernel_memory_init();  // xv6-x86 kinit1: below 4 MiB, what the boot directory maps
  kprintf("pagoda: kinit1: %llu pages below 4 MiB\n", kernel_memory().free_pages());
  kvm_init();  // xv6-x86 kvmalloc
  kvm_init_hart();
  kvm_check();
  kprintf("pagoda: paging on, kernel page directory 0x%08llx, PHYSTOP 0x%08llx\n",
          kernel_page_table().root().value(), x86::phys_top());
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
  kernel_memory_extend();  // xv6-x86 kinit2: the rest of RAM, now that every CPU has the kernel map
  kprintf("pagoda: booting on %d CPUs\n", x86::cpu_count());
  kprintf("pagoda: %llu free pages (%llu total)\n", kernel_memory().free_pages(),
          kernel_memory().total_pages());
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
