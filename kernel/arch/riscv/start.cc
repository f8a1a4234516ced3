// Machine-mode start-up on every hart: hand everything to supervisor mode and mret into main().
// xv6: start.c
#include <cstdint>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/timer.h"

namespace pagoda {
void kernel_main();
constinit uint64_t g_boot_fdt = 0;
}  // namespace pagoda

namespace {

using namespace pagoda::riscv;

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

  // mret goes to supervisor mode, at kernel_main, with paging off.
  uint64_t x = r_mstatus();
  x = (x & ~kMstatusMppMask) | kMstatusMppS;
  w_mstatus(x);
  w_mepc(reinterpret_cast<uint64_t>(&pagoda::kernel_main));
  w_satp(0);

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
  asm volatile("mret");
}
