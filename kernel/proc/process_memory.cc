// A process's memory: its address space, regions and kernel table. See process_memory.h.
#include "kernel/proc/process_memory.h"

#include <utility>

#include "kernel/features.h"
#include "kernel/lib/panic.h"
#include "kernel/proc/mapping_fault.h"
#include "kernel/memlayout.h"
#include "kernel/proc/mmap.h"

namespace pagoda {
namespace {

using mm::kPageSize;
using mm::Perm;
using mm::Region;
using mm::RegionKind;
using mm::VirtAddr;

// Statistics only: relaxed atomics, no lock.
constinit uint64_t g_copy_in_calls = 0;
constinit uint64_t g_copy_in_str_calls = 0;

constexpr Perm kUserRw = Perm::kRead | Perm::kWrite;

// Where lazy growth stops: the top of user memory, leaving the usyscall page's slot below the
// trapframe free when the kernel has one.
constexpr uint64_t kLazyTop = arch::kUserTop - (features::kUsyscall ? kPageSize : 0);
// xv6 2024: USYSCALL (kernel/memlayout.h), the page below the trapframe.
constexpr uint64_t kUsyscallVa = arch::kTrapframe - kPageSize;

// What grow() maps for perm (xv6 uvmalloc adds PTE_R and PTE_U the same way).
constexpr Perm mapped_perm(Perm perm) {
  return perm | Perm::kRead | Perm::kUser;
}

}  // namespace

ProcessMemory::ProcessMemory(ProcessMemory&& other)
    : as_(std::move(other.as_)),
      kernel_(std::move(other.kernel_)),
      regions_(other.regions_),
      usyscall_(other.usyscall_) {
  other.regions_.clear();
  other.usyscall_ = mm::PhysAddr();
  kernel_.attach(as_);
}

ProcessMemory& ProcessMemory::operator=(ProcessMemory&& other) {
  if (this != &other) {
    as_ = std::move(other.as_);
    kernel_ = std::move(other.kernel_);
    regions_ = other.regions_;
    other.regions_.clear();
    usyscall_ = other.usyscall_;
    other.usyscall_ = mm::PhysAddr();
    kernel_.attach(as_);
  }
  return *this;
}

Status ProcessMemory::open(mm::PhysAddr trapframe, uint64_t kstack, int pid) {
  if (valid()) panic("ProcessMemory::open: already open");
  as_ = PAGODA_TRY(UserAddressSpace::create(kernel_memory(), arch::trampoline_frame(), trapframe));
  as_.set_limit(arch::kUserTop);  // x86: user memory ends at KERNBASE
  const Status opened = kernel_.open(as_, kstack);
  if (!opened.ok()) {
    as_.destroy();
    return opened;
  }
  if constexpr (features::kUsyscall) {
    const Status published = open_usyscall(pid);
    if (!published.ok()) {
      as_.destroy();  // in destroy()'s order: the space, then the kernel table
      kernel_.destroy();
      return published;
    }
  } else {
    (void)pid;
  }
  return {};
}

Status ProcessMemory::open_usyscall(int pid) {
  const mm::PhysAddr frame = PAGODA_TRY(kernel_memory().alloc_page());
  __builtin_memset(kernel_memory().ptr(frame), 0, kPageSize);
  static_cast<struct usyscall*>(kernel_memory().ptr(frame))->pid = pid;
  const Perm perm = Perm::kRead | Perm::kUser;
  Status status =
      regions_.insert(Region{VirtAddr(kUsyscallVa), kPageSize, perm, RegionKind::kUsyscall});
  if (status.ok()) {
    status = as_.table().map(VirtAddr(kUsyscallVa), kPageSize, frame, perm);
    if (!status.ok()) PAGODA_MUST(regions_.remove(VirtAddr(kUsyscallVa), kPageSize));
  }
  if (!status.ok()) {
    kernel_memory().free_page(frame);
    return status;
  }
  usyscall_ = frame;
  if (as_.limit() > kUsyscallVa) as_.set_limit(kUsyscallVa);  // the heap stops below it
  return {};
}

void ProcessMemory::close_usyscall() {
  if (usyscall_.value() == 0) return;
  if (!as_.table().unmap(VirtAddr(kUsyscallVa), 1, mm::FreeFrames::kYes).ok()) {
    panic("ProcessMemory: the usyscall page is not mapped");
  }
  usyscall_ = mm::PhysAddr();
}

void ProcessMemory::destroy() {
  close_usyscall();  // before the space checks that only its own pages remain
  // With demand paging the image may have holes (and shared frames): free what is present.
  if constexpr (features::kDemandPaging) as_.release_all();
  as_.destroy();      // tells the mirror (per-process design) that every user page goes
  kernel_.destroy();  // then the kernel table's own pages
  regions_.clear();
}

Status ProcessMemory::grow_region(uint64_t new_size, Perm perm, RegionKind kind, Fill fill) {
  const uint64_t from = mm::page_round_up(as_.size());
  const uint64_t to = mm::page_round_up(new_size);
  // Superpages (issue 12): an eager sbrk of the heap maps each aligned 2 MiB with one leaf when it
  // can.
  auto grow = [&] {
    if (fill == Fill::kLazy) return as_.grow_lazy(new_size);
    return kind == RegionKind::kHeap && features::kSuperpages ? as_.grow_superpages(new_size, perm)
                                                              : as_.grow(new_size, perm);
  };
  if (new_size <= as_.size() || to <= from) return grow();  // no new page
  // The heap grows in place; anything else is a region of its own. The region to extend is the
  // one just below the new pages (not the last: the usyscall page lies above the heap).
  const Region* last = from > 0 ? regions_.find(VirtAddr(from - 1)) : nullptr;
  const bool extend = kind == RegionKind::kHeap && last != nullptr &&
                      last->kind == RegionKind::kHeap && last->end() == from;
  if (!extend) {
    PAGODA_TRY(regions_.insert(Region{VirtAddr(from), to - from, mapped_perm(perm), kind}));
  } else if (touches_mapping(from, to - from)) {
    return Error::kAlreadyMapped;  // mmap: a mapping (a hint just above the heap) is in the way
  }
  const Status grown = grow();
  if (!grown.ok()) {
    if (!extend) PAGODA_MUST(regions_.remove(VirtAddr(from), to - from));
    return grown;
  }
  if (extend) PAGODA_MUST(regions_.resize(last->start, to - last->start.value()));
  return {};
}

Status ProcessMemory::map_segment(uint64_t vaddr, uint64_t memsz, Perm perm) {
  if (memsz > UINT64_MAX - vaddr) return Error::kOutOfRange;
  const RegionKind kind = mm::has(perm, Perm::kExec) ? RegionKind::kText : RegionKind::kData;
  return grow_region(vaddr + memsz, perm, kind);
}

Result<void*> ProcessMemory::loading_page(VirtAddr va) {
  const mm::PhysAddr pa = PAGODA_TRY(as_.table().translate(va));
  return as_.table().memory().ptr(pa);
}

Result<uint64_t> ProcessMemory::map_stack() {
  const uint64_t guard = mm::page_round_up(as_.size());
  if (guard > UINT64_MAX - 2 * kPageSize) return Error::kOutOfRange;
  // The guard page is mapped R|W without U (xv6 uvmclear), so user access faults.
  PAGODA_TRY(regions_.insert(Region{VirtAddr(guard), kPageSize, kUserRw, RegionKind::kGuard}));
  const Region stack{VirtAddr(guard + kPageSize), kPageSize, mapped_perm(kUserRw),
                     RegionKind::kStack};
  Status status = regions_.insert(stack);
  if (status.ok()) status = as_.grow(guard + 2 * kPageSize, kUserRw);
  if (status.ok()) status = as_.clear_user(VirtAddr(guard));
  if (!status.ok()) {
    PAGODA_MUST(regions_.truncate(VirtAddr(guard)));  // exec discards the space itself
    return status.error();
  }
  return guard + 2 * kPageSize;
}

void ProcessMemory::replace(ProcessMemory&& fresh) {
  ProcessMemory old = std::move(*this);
  *this = std::move(fresh);
  // The hart must run on the new image's kernel table before the old one is freed (a reschedule
  // in between loads the new one too: the scheduler asks this object).
  load_kernel_table();
  old.destroy();
}

Status ProcessMemory::copy_to(ProcessMemory& child) {
  if constexpr (features::kCowFork) {
    PAGODA_TRY(as_.share_to(child.as_));
    arch::flush_tlb();  // this image's pages lost W (on x86 the trap runs on its directory)
  } else if constexpr (features::kLazySbrk != features::LazySbrk::kNever) {
    PAGODA_TRY(as_.copy_present_to(child.as_));
  } else {
    PAGODA_TRY(as_.copy_to(child.as_));
  }
  child.regions_ = regions_;
  return {};
}

Status ProcessMemory::grow_by(int64_t n, bool lazy) {
  const uint64_t size = as_.size();
  if (n > 0 && lazy) {
    const uint64_t add = static_cast<uint64_t>(n);
    if (add > kLazyTop - size) return Error::kNoMemory;
    return grow_region(size + add, kUserRw, RegionKind::kHeap, Fill::kLazy);
  }
  if (n > 0) {
    const uint64_t add = static_cast<uint64_t>(n);
    if (add > arch::kUserTop - size) return Error::kNoMemory;
    // More new pages than are free cannot fit: refuse now rather than after taking all of RAM.
    // Only a hint (others allocate concurrently); grow still fails cleanly if memory runs out.
    const uint64_t new_pages =
        (mm::page_round_up(size + add) - mm::page_round_up(size)) / arch::kPageSize;
    if (new_pages > free_memory_bytes() / arch::kPageSize) return Error::kNoMemory;
    return grow_region(size + add, kUserRw, RegionKind::kHeap);
  }
  if (n < 0) {
    const uint64_t dec = 0 - static_cast<uint64_t>(n);
    if (dec > size) return Error::kOutOfRange;
    PAGODA_TRY(as_.split_for_shrink(size - dec));  // a superpage the new end cuts through
    if constexpr (features::kDemandPaging) {
      as_.shrink_sparse(size - dec);  // lazy pages never touched have nothing to free
    } else {
      as_.shrink(size - dec);
    }
    drop_regions(mm::page_round_up(size - dec), mm::page_round_up(size));
  }
  return {};
}

void ProcessMemory::drop_regions(uint64_t from, uint64_t to) {
  for (;;) {
    const Region* hit = nullptr;
    for (const Region& r : regions_) {
      if (r.end() > from && r.start.value() < to) {
        hit = &r;
        break;
      }
    }
    if (hit == nullptr) return;
    const uint64_t lo = hit->start.value() > from ? hit->start.value() : from;
    const uint64_t hi = hit->end() < to ? hit->end() : to;
    PAGODA_MUST(regions_.remove(VirtAddr(lo), hi - lo));  // a tail or all: never a split
  }
}


Status ProcessMemory::handle_fault(VirtAddr va, mm::Access access) {
  if constexpr (!features::kDemandPaging) {
    (void)va, (void)access;
    return Error::kBadAddress;  // the eager kernels: every fault kills, as in xv6 2020
  } else {
    const Region* region = regions_.find(va);
    switch (mm::decide_fault(region, as_.leaf(va), access)) {
      case mm::FaultAction::kKill:
        return Error::kBadAddress;
      case mm::FaultAction::kRetry:
        return {};
      case mm::FaultAction::kZeroFill:
        return as_.fault_in_zeroed(va, region->perm);
      case mm::FaultAction::kBreakCow:
        if constexpr (features::kCowFork) {
          PAGODA_TRY(as_.break_cow(va));
          arch::flush_tlb();  // the read-only translation of va may be cached
          return {};
        }
        return Error::kBadAddress;
      case mm::FaultAction::kMapping: {
        const bool served = PAGODA_TRY(mapping_fault(*this, *region, va, access));
        return served ? Status{} : Status{Error::kBadAddress};
      }
    }
    return Error::kBadAddress;
  }
}

Status ProcessMemory::fault_in_range(uint64_t va, uint64_t len, mm::Access access) {
  if constexpr (!features::kDemandPaging) {
    (void)va, (void)len, (void)access;
    return {};  // the copy's own check decides
  } else {
    if (len == 0) return {};
    if (va >= arch::kMaxVa || len > arch::kMaxVa - va) return Error::kBadAddress;
    const uint64_t last = mm::page_round_down(va + len - 1);
    for (uint64_t a = mm::page_round_down(va); a <= last; a += kPageSize) {
      const auto* pte = as_.leaf(VirtAddr(a));
      if (pte != nullptr && pte->valid() && pte->user() && mm::pte_allows(*pte, access)) continue;
      const Status served = handle_fault(VirtAddr(a), access);
      if (!served.ok()) {
        return served.error() == Error::kNoMemory ? Error::kNoMemory : Error::kBadAddress;
      }
    }
    return {};
  }
}

Status ProcessMemory::copy_in(void* dst, uint64_t src, uint64_t len) {
  __atomic_fetch_add(&g_copy_in_calls, 1, __ATOMIC_RELAXED);
  PAGODA_TRY(fault_in_range(src, len, mm::Access::kRead));
  // Mapped pages (mmap) are not in the per-process design's mirror: read them by walking the
  // user table.
  if (touches_mapping(src, len)) return as_.copy_in(dst, VirtAddr(src), len);
  return kernel_.copy_in(as_, dst, src, len);
}

Status ProcessMemory::copy_out(VirtAddr dst, const void* src, uint64_t len) {
  PAGODA_TRY(fault_in_range(dst.value(), len, mm::Access::kWrite));
  return as_.copy_out(dst, src, len);
}

Result<uint64_t> ProcessMemory::copy_in_str(char* dst, uint64_t src, uint64_t max) {
  __atomic_fetch_add(&g_copy_in_str_calls, 1, __ATOMIC_RELAXED);
  if constexpr (!features::kDemandPaging) {
    return kernel_.copy_in_str(as_, dst, src, max);
  } else {
    // Page by page, each faulted in first: the string's length is unknown until its NUL, and a
    // lazy page holding part of it must be reached too (the xv6 bug the lazy lab leaves).
    for (uint64_t done = 0; done < max;) {
      const uint64_t va = src + done;
      if (va < src) return Error::kBadAddress;  // wrapped
      const uint64_t in_page = kPageSize - (va & (kPageSize - 1));
      const uint64_t n = in_page < max - done ? in_page : max - done;
      PAGODA_TRY(fault_in_range(va, 1, mm::Access::kRead));
      Result<uint64_t> got = touches_mapping(va, n)  // not mirrored: walk the user table
                                 ? as_.copy_in_str(dst + done, VirtAddr(va), n)
                                 : kernel_.copy_in_str(as_, dst + done, va, n);
      if (got.ok()) return done + *got;
      if (got.error() != Error::kTooBig) return got.error();
      done += n;
    }
    return Error::kTooBig;
  }
}

bool ProcessMemory::touches_mapping(uint64_t va, uint64_t len) const {
  if (len == 0) return false;
  const uint64_t last = len - 1 > UINT64_MAX - va ? UINT64_MAX : va + (len - 1);
  for (const Region& r : regions_) {
    if (r.kind != RegionKind::kFileMap && r.kind != RegionKind::kAnonymous) continue;
    if (r.start.value() <= last && va < r.end()) return true;
  }
  return false;
}

Status ProcessMemory::prefault_mapped(uint64_t va, uint64_t len, bool write) const {
  if (!touches_mapping(va, len)) return {};
  return mapping_fault_in_range(*this, va, len, write);
}

uint64_t copy_in_calls() {
  return __atomic_load_n(&g_copy_in_calls, __ATOMIC_RELAXED);
}
uint64_t copy_in_str_calls() {
  return __atomic_load_n(&g_copy_in_str_calls, __ATOMIC_RELAXED);
}

}  // namespace pagoda
