// The supervisor timer (Sstc stimecmp). The tick counter it drives is kernel/proc/clock.h.
#pragma once

#include <cstdint>

namespace pagoda::riscv {

// About 1/10th of a second in QEMU (10 MHz time base), as xv6.
inline constexpr uint64_t kTimerInterval = 1000000;

}  // namespace pagoda::riscv
