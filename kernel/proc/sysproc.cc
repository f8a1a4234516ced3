// Process system calls: argument decoding around proc.cc and exec.cc. xv6: sysproc.c
#include "kernel/proc/sysproc.h"

#include "kernel/allocfail.h"
#include "kernel/arch/arch.h"
#include "kernel/features.h"
#include "kernel/fs/fs_faults.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/exec.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/process_memory.h"
#include "kernel/proc/syscall.h"
#include "kernel/sync/print.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sysinfo.h"

namespace pagoda {

int64_t sys_fork() {
  return fork();
}

// xv6-x86's exit(void) and wait(void) read no argument: the word above the return address is
// whatever the caller left there, so it is neither the status nor a place to write one.
int64_t sys_exit() {
  exit(arch::kExitWaitTakeNoArguments ? 0 : arg_int(0));
}

int64_t sys_wait() {
  return wait(arch::kExitWaitTakeNoArguments ? 0 : arg_addr(0));
}

int64_t sys_exit_status() {
  exit(arg_int(0));
}

int64_t sys_wait_status() {
  return wait(arg_addr(0));
}

int64_t sys_kill() {
  return kill(arg_int(0));
}

int64_t sys_getpid() {
  return myproc()->pid;
}

// sbrk(n, type) (issue 12): type SBRK_LAZY (2) grows without allocating when the kernel has lazy
// sbrk on request; the 2020 lazy lab's kernel makes every growth lazy; any other type is the
// classic eager sbrk (old binaries leave whatever was in a1).
int64_t sys_sbrk() {
  constexpr int kSbrkLazy = 2;
  int64_t n = arg_int(0);
  bool lazy = false;
  if constexpr (features::kLazySbrk == features::LazySbrk::kAlways) {
    lazy = true;
  } else if constexpr (features::kLazySbrk == features::LazySbrk::kOnRequest) {
    lazy = arg_int(1) == kSbrkLazy;
  }
  ProcessMemory& memory = myproc()->memory;
  uint64_t old = memory.size();
  if (!memory.grow_by(n, lazy).ok()) return -1;
  return static_cast<int64_t>(old);
}

int64_t sys_sleep() {
  int n = arg_int(0);
  if (n < 0) n = 0;
  SpinLockGuard guard(ticks_lock);
  uint64_t start = ticks;
  while (ticks - start < static_cast<uint64_t>(n)) {
    if (killed(myproc())) return -1;
    sleep(&ticks, ticks_lock);
  }
  return 0;
}

int64_t sys_uptime() {
  SpinLockGuard guard(ticks_lock);
  return static_cast<int64_t>(ticks);
}

int64_t sys_sysinfo() {
  struct sysinfo info {};
  info.freemem = free_memory_bytes();
  info.nproc = count_procs();
  if (!myproc()->memory.copy_out(arg_addr(0), &info, sizeof(info)).ok()) return -1;
  return 0;
}

// xv6 2024 lab: kpgtbl prints in that lab's format (virtual addresses); exec's boot print of
// pid 1 keeps the 2020 format.
int64_t sys_kpgtbl() {
  vmprint(myproc()->memory.user_table(), mm::PrintStyle::kVirtualAddress);
  return 0;
}

// xv6 2021 lab: pgaccess(base, len, mask). Bit i of mask says whether page i from base was
// accessed since the last call (kernel/mm/page_access.h: which pages count, the 512-page bound,
// why the kernel's own copyin/copyout never set A); writes ceil(len / 8) bytes of mask and clears
// the reported A bits. -1 for len < 0 or above 512, a range reaching MAXVA, or a mask the process
// cannot write, with every A bit left as it was.
int64_t sys_pgaccess() {
  const uint64_t base = arg_addr(0);
  const int len = arg_int(1);
  const uint64_t mask_addr = arg_addr(2);
  if (len < 0) return -1;
  const uint64_t npages = static_cast<uint64_t>(len);
  ProcessMemory& memory = myproc()->memory;
  uint8_t mask[mm::kPageAccessMaskBytes];
  // Look, copy the mask out, and only then clear: nothing else runs in this process in between,
  // so the second pass finds exactly the bits the first reported.
  if (!memory.page_access(mm::VirtAddr(base), npages, mask, mm::ClearAccessed::kNo).ok()) {
    return -1;
  }
  if (!memory.copy_out(mask_addr, mask, (npages + 7) / 8).ok()) return -1;
  uint8_t cleared[mm::kPageAccessMaskBytes];
  PAGODA_MUST(memory.page_access(mm::VirtAddr(base), npages, cleared, mm::ClearAccessed::kYes));
  arch::flush_tlb();  // else a cached translation is used on without setting A again
  return 0;
}

// Pagoda: meminfo(struct meminfo *), for `free`.
int64_t sys_meminfo() {
  struct meminfo info {};
  info.ram = arch::ram_top() - arch::kRamBase;
  info.total = kernel_memory().total_pages() * arch::kPageSize;
  info.freemem = free_memory_bytes();
  if (!myproc()->memory.copy_out(arg_addr(0), &info, sizeof(info)).ok()) return -1;
  return 0;
}

// xv6 page-table lab 2024: pgpte(va). The raw leaf PTE that maps va in the caller's user table, at
// any level (a superpage's level-1 leaf included), or 0 if none does. Never fails.
int64_t sys_pgpte() {
  const auto* pte = myproc()->memory.user_table().find_leaf(mm::VirtAddr(arg_addr(0)));
  return pte == nullptr ? 0 : static_cast<int64_t>(pte->raw());
}

// Power off; a non-zero code becomes QEMU's exit status. From a process's kernel thread.
void power_off(int code) {
  kvm_init_hart();  // labs: a per-process kernel table does not map the test device
  arch::machine_exit(code);
  myproc()->memory.load_kernel_table();  // still running: QEMU refused to power off
}

int64_t sys_halt() {
  power_off(arg_int(0));
  return -1;  // not reached when QEMU powers off
}

}  // namespace pagoda

namespace pagoda {

int64_t sys_copystats() {
  struct copystats stats {};
  stats.copyin = copy_in_calls();
  stats.copyinstr = copy_in_str_calls();
  if (!myproc()->memory.copy_out(arg_addr(0), &stats, sizeof(stats)).ok()) return -1;
  return 0;
}

}  // namespace pagoda

namespace pagoda {

static_assert(ALLOCFAIL_ONE_IN == mm::FaultPlan::kOneIn);

namespace {

// The file-system allocator an allocfail target other than ALLOCFAIL_FRAMES names.
FsAllocator fs_allocator(int target) {
  return target == ALLOCFAIL_BLOCKS ? FsAllocator::kBlocks : FsAllocator::kInodes;
}

}  // namespace

// Fault injection for tests (kernel/allocfail.h): arms the FaultPlan of the frame allocator, the
// disk-block allocator or the on-disk inode allocator.
int64_t sys_allocfail() {
  const int mode = arg_int(0);
  int next = 0;
  const uint64_t arg = arg_u64(1, &next);  // uint64 arguments: two stack words each on x86
  const uint64_t seed = arg_u64(next, &next);
  const int target = mode & ~ALLOCFAIL_KIND_MASK;
  if (target != ALLOCFAIL_FRAMES && target != ALLOCFAIL_BLOCKS && target != ALLOCFAIL_INODES)
    return -1;
  mm::FaultPlan plan;
  switch (mode & ALLOCFAIL_KIND_MASK) {
    case ALLOCFAIL_OFF:
      break;
    case ALLOCFAIL_NTH:
      if (arg == 0) return -1;
      plan = mm::FaultPlan::nth(arg);
      break;
    case ALLOCFAIL_RANDOM:
      if (arg > mm::FaultPlan::kOneIn) return -1;
      plan = mm::FaultPlan::random(static_cast<uint32_t>(arg), seed);
      break;
    case ALLOCFAIL_ALL:
      plan = mm::FaultPlan::all();
      break;
    case ALLOCFAIL_COUNT:
      if (target == ALLOCFAIL_FRAMES)
        return static_cast<int64_t>(kernel_memory().injected_faults());
      return static_cast<int64_t>(fs_injected_faults(fs_allocator(target)));
    default:
      return -1;
  }
  if (target == ALLOCFAIL_FRAMES) return static_cast<int64_t>(kernel_memory().set_fault_plan(plan));
  return static_cast<int64_t>(set_fs_fault_plan(fs_allocator(target), plan));
}

}  // namespace pagoda
