// The top of every user address space (xv6's layout): the trampoline in the last page below MAXVA,
// the trapframe just below it. Defined once here for any PTE format; memlayout.h derives the
// RISC-V values from these.
#pragma once

#include <cstdint>

#include "kernel/mm/addr.h"

namespace pagoda::mm {

template <class Format>
inline constexpr uint64_t kTrampolineVa = Format::kMaxVa - kPageSize;  // xv6: TRAMPOLINE
template <class Format>
inline constexpr uint64_t kTrapframeVa = kTrampolineVa<Format> - kPageSize;  // xv6: TRAPFRAME

}  // namespace pagoda::mm
