// What this kernel is built with: the demand-paging features of issue 12, as constexpr values that
// the kernel tests with `if constexpr` (never #if). The lab profile chooses them
// (cmake/lab_profiles.cmake, `make LAB=NAME`); a build that names none, the default kernels and the
// host tests, has everything on. The kernel page-table design is chosen separately
// (kernel/proc/kernel_table_design.h).
#pragma once

#include <cstdint>

#ifndef PAGODA_FEATURE_LAZY
#define PAGODA_FEATURE_LAZY 1
#endif
#ifndef PAGODA_FEATURE_COW
#define PAGODA_FEATURE_COW 1
#endif
#ifndef PAGODA_FEATURE_MMAP
#define PAGODA_FEATURE_MMAP 1
#endif
#ifndef PAGODA_FEATURE_SUPERPAGES
#define PAGODA_FEATURE_SUPERPAGES 1
#endif
#ifndef PAGODA_FEATURE_USYSCALL
#define PAGODA_FEATURE_USYSCALL 1
#endif
#ifndef PAGODA_LAB_NAME
#define PAGODA_LAB_NAME "default"
#endif

namespace pagoda::features {

// Which sbrk calls grow the heap without allocating (pages then come at first touch).
enum class LazySbrk : uint8_t {
  kNever,      // every sbrk allocates and zeroes at once (xv6 2020, pgtbl2020, cow, pgtbl2024)
  kOnRequest,  // sbrk(n, SBRK_LAZY) is lazy, any other second argument eager (xv6-riscv 2024+)
  kAlways,     // every sbrk is lazy (the 2020 lazy lab)
};

inline constexpr LazySbrk kLazySbrk = static_cast<LazySbrk>(PAGODA_FEATURE_LAZY);
inline constexpr bool kCowFork = PAGODA_FEATURE_COW != 0;     // fork shares pages copy-on-write
inline constexpr bool kMmap = PAGODA_FEATURE_MMAP != 0;       // mmap/munmap (27/28) work
inline constexpr bool kSuperpages = PAGODA_FEATURE_SUPERPAGES != 0;  // 2 MiB leaves for sbrk
inline constexpr bool kUsyscall = PAGODA_FEATURE_USYSCALL != 0;      // the usyscall page
// Demand paging of any kind: a page fault inside a region can be served instead of killing.
inline constexpr bool kDemandPaging = kLazySbrk != LazySbrk::kNever || kCowFork || kMmap;
inline constexpr const char* kLabName = PAGODA_LAB_NAME;

}  // namespace pagoda::features
