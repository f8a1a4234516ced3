# The lab profiles (issue 12): which demand-paging features and which kernel page-table design a
# RISC-V kernel is built with, by name. `make LAB=NAME` configures build/riscv-NAME with
# -DPAGODA_LAB=NAME; the default kernels (build/riscv, build/riscv-global) are "default", with
# everything on. kernel/features.h turns the definitions set here into constexpr values; this table
# is the only place that knows which profile has what (the README's profile table repeats it).
#
#   profile     sbrk          fork   mmap  superpages  usyscall  kernel page table
#   default     lazy on ask   COW    yes   yes         yes       PAGODA_KERNEL_PAGETABLE
#   pgtbl2020   eager         eager  no    no          no        per-process
#   lazy2020    always lazy   eager  no    no          no        global
#   cow         eager         COW    no    no          no        global
#   mmap        lazy on ask   eager  yes   no          no        global
#   pgtbl2024   eager         eager  no    yes         yes       global
set(PAGODA_LAB "default" CACHE STRING "lab profile: default pgtbl2020 lazy2020 cow mmap pgtbl2024")
set(PAGODA_LAB_NAMES default pgtbl2020 lazy2020 cow mmap pgtbl2024)
set_property(CACHE PAGODA_LAB PROPERTY STRINGS ${PAGODA_LAB_NAMES})
if(NOT PAGODA_LAB IN_LIST PAGODA_LAB_NAMES)
  message(FATAL_ERROR "unknown lab profile '${PAGODA_LAB}' (one of: ${PAGODA_LAB_NAMES})")
endif()

# PAGODA_FEATURE_LAZY: 0 sbrk is always eager, 1 sbrk(n, 2) is lazy (SBRK_LAZY), 2 every sbrk is.
if(PAGODA_LAB STREQUAL "default")
  set(_lazy 1)
  set(_cow 1)
  set(_mmap 1)
  set(_super 1)
  set(_usys 1)
elseif(PAGODA_LAB STREQUAL "pgtbl2020")
  set(_lazy 0)
  set(_cow 0)
  set(_mmap 0)
  set(_super 0)
  set(_usys 0)
  set(PAGODA_KERNEL_PAGETABLE "per-process")
elseif(PAGODA_LAB STREQUAL "lazy2020")
  set(_lazy 2)
  set(_cow 0)
  set(_mmap 0)
  set(_super 0)
  set(_usys 0)
  set(PAGODA_KERNEL_PAGETABLE "global")
elseif(PAGODA_LAB STREQUAL "cow")
  set(_lazy 0)
  set(_cow 1)
  set(_mmap 0)
  set(_super 0)
  set(_usys 0)
  set(PAGODA_KERNEL_PAGETABLE "global")
elseif(PAGODA_LAB STREQUAL "mmap")
  set(_lazy 1)
  set(_cow 0)
  set(_mmap 1)
  set(_super 0)
  set(_usys 0)
  set(PAGODA_KERNEL_PAGETABLE "global")
elseif(PAGODA_LAB STREQUAL "pgtbl2024")
  set(_lazy 0)
  set(_cow 0)
  set(_mmap 0)
  set(_super 1)
  set(_usys 1)
  set(PAGODA_KERNEL_PAGETABLE "global")
endif()
# The x86 kernel (xv6-x86's design, one profile): no superpages (i386 would need PSE 4 MiB pages)
# and no usyscall page (xv6-x86 has no trapframe page to put it under).
if(PAGODA_TARGET STREQUAL "i686")
  set(_super 0)
  set(_usys 0)
endif()
set(PAGODA_FEATURE_DEFINES PAGODA_FEATURE_LAZY=${_lazy} PAGODA_FEATURE_COW=${_cow}
    PAGODA_FEATURE_MMAP=${_mmap} PAGODA_FEATURE_SUPERPAGES=${_super}
    PAGODA_FEATURE_USYSCALL=${_usys} PAGODA_LAB_NAME="${PAGODA_LAB}")
