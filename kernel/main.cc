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

// How many harts QEMU gave us, from the device tree.
int count_harts() {
  uint64_t fdt = g_boot_fdt;
  if (fdt < riscv::kKernBase || fdt >= riscv::kPhysTop) return -1;
  auto n = fdt::count_cpus(reinterpret_cast<const void*>(fdt), riscv::kPhysTop - fdt);
  return n.ok() ? static_cast<int>(*n) : -1;
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
