// Machine-mode start-up on every hart: hand everything to supervisor mode, turn paging on with
// the boot table, and let entry.S mret into kernel_main in the upper half. Runs at the image's
// physical address with paging off: only PC-relative code and data here. xv6: start.c
#include <cstddef>
#include <cstdint>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/arch/riscv/sv39.h"
#include "kernel/arch/riscv/timer.h"

namespace pagoda {
void kernel_main();
constinit uint64_t g_boot_fdt = 0;
}  // namespace pagoda

namespace {

using namespace pagoda::riscv;

// The boot page table: one root of gigapages (priv spec 4.4.1: a leaf at level 2) mapping
// physical [0, kRamTopMax), devices and RAM, at p2v(pa): just enough for kernel_main to run in the
// upper half until kvm_init builds the real table. No identity map: nothing in supervisor mode
// runs at a physical address (entry.S mrets straight to the upper half), and a leftover
// physical-address access faults at once instead of working by accident until kvm_init.
constexpr uint64_t kGiB = uint64_t{1} << 30;
struct alignas(4096) BootRoot {
  uint64_t pte[Sv39::kEntries];
};
constexpr BootRoot make_boot_root() {
  BootRoot root{};
  for (uint64_t pa = 0; pa < kRamTopMax; pa += kGiB) {
    const Sv39Pte leaf =
        Sv39Pte::make_leaf(pagoda::mm::PhysAddr(pa), Perm::kRead | Perm::kWrite | Perm::kExec);
    root.pte[Sv39::index(pagoda::mm::VirtAddr(p2v(pa)), 2)] =
        leaf.raw() | Sv39Pte::kAccessed | Sv39Pte::kDirty | Sv39Pte::kGlobal;
  }
  return root;
}
constinit BootRoot g_boot_root = make_boot_root();
static_assert(kRamTopMax / kGiB + p2v(0) / kGiB % Sv39::kEntries <= Sv39::kEntries,
              "the boot table's gigapages fit in the upper half's root entries");

// kernel_main's link-time (upper-half) address, read from memory: an absolute relocation. Taking
// &kernel_main in code here would give its physical address (medany code is PC-relative), and
// volatile keeps the compiler from doing just that.
void (*volatile const g_kernel_entry)() = &pagoda::kernel_main;

// The physical address of a static object, whichever way the compiler materialised it (PC-relative
// here, so physical already).
uint64_t boot_pa(const void* p) {
  const uint64_t a = reinterpret_cast<uint64_t>(p);
  return a >= kDirectMapOffset ? v2p(a) : a;
}

// Sstc (priv spec 1.12+, "Sstc" extension): S mode programs stimecmp itself, so machine mode
// only has to switch the feature on and let S mode read `time`.
void timer_init_machine() {
  w_mie(r_mie() | kMieStie);
  w_menvcfg(r_menvcfg() | kMenvcfgStce);
  w_mcounteren(r_mcounteren() | 2);  // TM: S mode may read time
  w_stimecmp(r_time() + pagoda::riscv::kTimerInterval);
}

}  // namespace

// a1 holds the device tree's physical address (QEMU's reset vector puts it there).
extern "C" void start(uint64_t hartid, uint64_t fdt) {
  if (hartid == 0) pagoda::g_boot_fdt = fdt;

  // entry.S's mret goes to supervisor mode, at kernel_main in the upper half, with paging on
  // (machine mode itself never translates: satp only applies to S and U mode).
  uint64_t x = r_mstatus();
  x = (x & ~kMstatusMppMask) | kMstatusMppS;
  w_mstatus(x);
  w_mepc(reinterpret_cast<uint64_t>(g_kernel_entry));
  w_satp(make_satp(pagoda::mm::PhysAddr(boot_pa(&g_boot_root))));
  sfence_vma();

  // All exceptions and interrupts go to supervisor mode.
  w_medeleg(0xffff);
  w_mideleg(0xffff);
  w_sie(r_sie() | kSieSeie | kSieStie | kSieSsie);

  // PMP (priv spec 3.7): one TOR region over all of physical memory, RWX for S and U mode.
  w_pmpaddr0(0x3fffffffffffffull);
  w_pmpcfg0(0xf);

  timer_init_machine();
  // User mode may read `time` (rdtime), e.g. for benchmarks: scounteren.TM.
  w_scounteren(r_scounteren() | 2);

  w_tp(r_mhartid());  // cpuid() reads tp
}
