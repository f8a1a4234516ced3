// A process's memory: its address space, regions and kernel table. See process_memory.h.
#include "kernel/proc/process_memory.h"

#include <utility>

#include "kernel/features.h"
#include "kernel/lib/panic.h"

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

// What grow() maps for perm (xv6 uvmalloc adds PTE_R and PTE_U the same way).
constexpr Perm mapped_perm(Perm perm) {
  return perm | Perm::kRead | Perm::kUser;
}

}  // namespace

ProcessMemory::ProcessMemory(ProcessMemory&& other)
    : as_(std::move(other.as_)), kernel_(std::move(other.kernel_)), regions_(other.regions_) {
  other.regions_.clear();
  kernel_.attach(as_);
}

ProcessMemory& ProcessMemory::operator=(ProcessMemory&& other) {
  if (this != &other) {
    as_ = std::move(other.as_);
    kernel_ = std::move(other.kernel_);
    regions_ = other.regions_;
    other.regions_.clear();
    kernel_.attach(as_);
  }
  return *this;
}

Status ProcessMemory::open(mm::PhysAddr trapframe, uint64_t kstack) {
  if (valid()) panic("ProcessMemory::open: already open");
  as_ = PAGODA_TRY(UserAddressSpace::create(kernel_memory(), arch::trampoline_frame(), trapframe));
  as_.set_limit(arch::kUserTop);  // x86: user memory ends at KERNBASE
  const Status opened = kernel_.open(as_, kstack);
  if (!opened.ok()) {
    as_.destroy();
    return opened;
  }
  return {};
}

void ProcessMemory::destroy() {
  as_.destroy();      // tells the mirror (per-process design) that every user page goes
  kernel_.destroy();  // then the kernel table's own pages
  regions_.clear();
}

Status ProcessMemory::grow_region(uint64_t new_size, Perm perm, RegionKind kind) {
  const uint64_t from = mm::page_round_up(as_.size());
  const uint64_t to = mm::page_round_up(new_size);
  if (new_size <= as_.size() || to <= from) return as_.grow(new_size, perm);  // no new page
  // The heap grows in place; anything else is a region of its own.
  const Region* last = regions_.empty() ? nullptr : &regions_[regions_.size() - 1];
  const bool extend = kind == RegionKind::kHeap && last != nullptr &&
                      last->kind == RegionKind::kHeap && last->end() == from;
  if (!extend) {
    PAGODA_TRY(regions_.insert(Region{VirtAddr(from), to - from, mapped_perm(perm), kind}));
  }
  // Superpages (issue 12): an eager sbrk maps each aligned 2 MiB with one leaf when it can.
  const Status grown = kind == RegionKind::kHeap && features::kSuperpages
                           ? as_.grow_superpages(new_size, perm)
                           : as_.grow(new_size, perm);
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

Status ProcessMemory::copy_to(ProcessMemory& child) const {
  PAGODA_TRY(as_.copy_to(child.as_));
  child.regions_ = regions_;
  return {};
}

Status ProcessMemory::grow_by(int64_t n) {
  const uint64_t size = as_.size();
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
    as_.shrink(size - dec);
    PAGODA_MUST(regions_.truncate(VirtAddr(mm::page_round_up(size - dec))));
  }
  return {};
}

Status ProcessMemory::copy_in(void* dst, uint64_t src, uint64_t len) const {
  __atomic_fetch_add(&g_copy_in_calls, 1, __ATOMIC_RELAXED);
  return kernel_.copy_in(as_, dst, src, len);
}

Result<uint64_t> ProcessMemory::copy_in_str(char* dst, uint64_t src, uint64_t max) const {
  __atomic_fetch_add(&g_copy_in_str_calls, 1, __ATOMIC_RELAXED);
  return kernel_.copy_in_str(as_, dst, src, max);
}

uint64_t copy_in_calls() {
  return __atomic_load_n(&g_copy_in_calls, __ATOMIC_RELAXED);
}
uint64_t copy_in_str_calls() {
  return __atomic_load_n(&g_copy_in_str_calls, __ATOMIC_RELAXED);
}

}  // namespace pagoda
