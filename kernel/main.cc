// Supervisor-mode entry on every hart (from start() via mret). Hart 0 sets up the machine; the
// others wait for it, then turn on paging and traps and join the scheduler. xv6: main.c
#include "kernel/arch/riscv/boot.h"
#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/plic.h"
#include "kernel/arch/riscv/trap.h"
#include "kernel/dev/console.h"
#include "kernel/dev/virtio_disk.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_init.h"
#include "kernel/lib/fdt.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/proc/proc.h"
#include "kernel/sync/print.h"

namespace pagoda {
namespace {

constinit bool g_started = false;  // hart 0 finished the shared set-up
constinit int g_harts_up = 0;      // harts that have paging on

// The device tree QEMU passed, if a1 pointed into RAM (QEMU puts it near the top of RAM, below
// 3 GiB; how far RAM goes is what we are about to read from it), or nullptr. a1 is physical: the
// tree is read through the direct map (the boot table maps all of kRamTopMax).
const void* boot_fdt() {
  const uint64_t fdt = g_boot_fdt;
  if (fdt < riscv::kKernBase || fdt >= riscv::kRamTopMax || fdt % 8 != 0) return nullptr;
  return reinterpret_cast<const void*>(riscv::p2v(fdt));
}

// How many harts QEMU gave us, from the device tree.
int count_harts() {
  const void* fdt = boot_fdt();
  if (fdt == nullptr) return -1;
  auto n = fdt::count_cpus(fdt, riscv::kRamTopMax - g_boot_fdt);
  return n.ok() ? static_cast<int>(*n) : -1;
}

// How much RAM QEMU gave us (-m): the device tree's memory range that holds the kernel, up to
// kRamTopMax. Without a usable one (no tree, no memory node, a range too small to hold the
// kernel and its tables), xv6's 128 MiB, said in one line. Before the frame allocator starts.
void configure_ram() {
  const void* fdt = boot_fdt();
  auto range = fdt != nullptr
                   ? fdt::memory_range(fdt, riscv::kRamTopMax - g_boot_fdt, riscv::kKernBase)
                   : Result<fdt::MemoryRange>(Error::kNotFound);
  // The kernel image, its page tables and kernel stacks need a few MiB above the image's end.
  const uint64_t least = mm::page_round_up(arch::kernel_image_end()) + (8ull << 20);
  if (!range.ok() || range->end() < least) {
    riscv::set_ram_top(riscv::kKernBase + riscv::kDefaultRamSize);
    kprintf("pagoda: no usable memory node in the device tree (%s); assuming %lu MiB of RAM\n",
            range.ok() ? "too small" : error_name(range.error()), riscv::kDefaultRamSize >> 20);
    return;
  }
  uint64_t top = range->end() & ~(riscv::kPageSize - 1);
  if (top > riscv::kRamTopMax) {
    kprintf("pagoda: using %lu MiB of RAM of %lu MiB\n",
            (riscv::kRamTopMax - riscv::kKernBase) >> 20, (top - riscv::kKernBase) >> 20);
    top = riscv::kRamTopMax;
  }
  riscv::set_ram_top(top);
}

// Wait (at most about a second) until every hart has paging on, so the banner is true.
void wait_for_harts(int harts) {
  uint64_t deadline = riscv::r_time() + 10000000;
  while (__atomic_load_n(&g_harts_up, __ATOMIC_ACQUIRE) < harts && riscv::r_time() < deadline) {
  }
}

}  // namespace

void kernel_main() {
  if (cpuid() == 0) {
    console_init();
    devsw[kConsoleMajor].read = console_read;
    devsw[kConsoleMajor].write = console_write;
    int harts = count_harts();  // before the frame allocator overwrites the device tree
    kprintf("\npagoda: kernel is booting\n");
    configure_ram();  // likewise
    if (harts <= 0 || harts > NCPU) {
      kprintf("pagoda: no usable device tree; counting the harts that start\n");
      harts = 0;
    }
    kernel_memory_init();
    kvm_init();
    kvm_init_hart();
    __atomic_fetch_add(&g_harts_up, 1, __ATOMIC_ACQ_REL);
    kvm_check();
    proc_init();
    trap_init_hart();
    plic_init();
    plic_init_hart();
    fs_boot_init();
    virtio_disk_init();
    kprintf("pagoda: paging on, kernel page table 0x%016lx\n", kernel_page_table().root().value());
    __atomic_store_n(&g_started, true, __ATOMIC_RELEASE);
    wait_for_harts(harts > 0 ? harts : NCPU);
    int up = __atomic_load_n(&g_harts_up, __ATOMIC_ACQUIRE);
    kprintf("pagoda: booting on %d harts (%d with paging on)\n", harts > 0 ? harts : up, up);
    kprintf("pagoda: %lu free pages (%lu total)\n", kernel_memory().free_pages(),
            kernel_memory().total_pages());
    kprintf("pagoda: RAM 0x%lx-0x%lx (%lu MiB)\n", riscv::kKernBase, arch::ram_top(),
            (arch::ram_top() - riscv::kKernBase) >> 20);
    user_init();
  } else {
    while (!__atomic_load_n(&g_started, __ATOMIC_ACQUIRE)) {
    }
    kvm_init_hart();
    __atomic_fetch_add(&g_harts_up, 1, __ATOMIC_ACQ_REL);
    trap_init_hart();
    plic_init_hart();
  }
  scheduler();
}

}  // namespace pagoda
