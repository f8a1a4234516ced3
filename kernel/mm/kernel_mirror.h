// KernelMirror<Format, Memory, Mmu>: the portable half of a per-process kernel page table (xv6
// page-table lab, parts 2 and 3; xv6 lab: proc->kpagetable). It owns a page table that the
// architecture fills with the kernel's own mappings above limit(), and below limit() keeps a
// read-only mirror (no U) of one AddressSpace's user pages, as that space's MappingObserver, so
// that the kernel can read user memory directly (copyin_new, copyinstr_new) while this table is
// the one the MMU translates through.
//
// Mmu is what the mirror needs from the hardware, as static functions (the kernel's passes
// straight to the CPU; host tests pass a fake that walks the loaded table in FakeMemory):
//   Mmu::is_current(PhysAddr root) -> bool   this tree is the one loaded on this CPU
//   Mmu::flush()                             drop this CPU's cached translations
//   Mmu::direct(uint64_t va) -> const void*  where the kernel reads the byte at va through the
//                                            loaded tree (valid to the end of va's page)
//
// Move-only, like the PageTable it owns; a moved-from mirror is empty. The owner of the
// AddressSpace it observes must re-point the observer after a move (attach()).
#pragma once

#include <concepts>
#include <cstdint>
#include <utility>

#include "kernel/lib/panic.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/mapping_observer.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/page_table.h"
#include "kernel/mm/perm.h"

namespace pagoda::mm {

template <class M>
concept MirrorMmu = requires(PhysAddr root, uint64_t va) {
  { M::is_current(root) } -> std::same_as<bool>;
  { M::flush() } -> std::same_as<void>;
  { M::direct(va) } -> std::same_as<const void*>;
};

template <class Format, PhysMemory Memory, MirrorMmu Mmu>
class KernelMirror final : public MappingObserver {
 public:
  using Table = PageTable<Format, Memory>;
  using Space = AddressSpace<Format, Memory>;

  constexpr KernelMirror() = default;
  KernelMirror(const KernelMirror&) = delete;
  KernelMirror& operator=(const KernelMirror&) = delete;
  KernelMirror(KernelMirror&& other)
      : table_(std::move(other.table_)), limit_(other.limit_), cap_(other.cap_) {
    other.limit_ = 0;
  }
  KernelMirror& operator=(KernelMirror&& other) {
    if (this != &other) {
      table_ = std::move(other.table_);  // only into an empty mirror (PageTable checks)
      limit_ = other.limit_;
      cap_ = other.cap_;
      other.limit_ = 0;
    }
    return *this;
  }
  ~KernelMirror() = default;

  // Whether user memory must end at the mirror's limit (the 2020 lab's design: kAtLimit), or may
  // go on above it (kNone, issue 12): pages there are simply not mirrored, and copies that reach
  // them take the software walk (readable() is false for them).
  enum class UserCap : bool { kNone, kAtLimit };

  // An empty table that will mirror user pages below `limit` (page-aligned, below MAXVA). The
  // caller adds the kernel's mappings above it through table().
  static Result<KernelMirror> create(Memory& mem, uint64_t limit,
                                     UserCap cap = UserCap::kAtLimit) {
    if (!page_aligned(limit) || limit > Format::kMaxVa) return Error::kInvalid;
    KernelMirror mirror;
    mirror.table_ = PAGODA_TRY(Table::create(mem));
    mirror.limit_ = limit;
    mirror.cap_ = cap;
    return mirror;
  }

  bool valid() const { return table_.valid(); }
  Table& table() { return table_; }
  const Table& table() const { return table_; }
  uint64_t limit() const { return limit_; }
  bool loaded() const { return table_.valid() && Mmu::is_current(table_.root()); }

  // Makes this mirror the observer of `as` and keeps `as` below the mirror's limit. Call while
  // `as` is empty, or again after either of them moved (the mirror then already matches).
  void attach(Space& as) {
    if (cap_ == UserCap::kAtLimit) as.set_limit(limit_);
    as.set_observer(this);
  }

  // xv6 lab: kvmfree. Frees this table's own table pages; borrowed subtrees and every mapped frame
  // stay (they are the kernel's and the user space's). The table must not be loaded.
  void destroy() {
    if (!table_.valid()) return;
    if (loaded()) panic("KernelMirror::destroy: the table is loaded");
    table_.destroy_tables();
    limit_ = 0;
  }

  // MappingObserver: mirror the pages read-only without U, whatever the user may do with them.
  Status on_map(VirtAddr va, uint64_t size, PhysAddr first, Perm perm) override {
    (void)perm;
    if (va.value() >= limit_ || size > limit_ - va.value()) {
      if (cap_ == UserCap::kAtLimit) return Error::kOutOfRange;
      if (va.value() >= limit_) return {};  // above the mirror: not mirrored
      size = limit_ - va.value();
    }
    PAGODA_TRY(table_.map(va, size, first, Perm::kRead));
    if (loaded()) Mmu::flush();
    return {};
  }
  void on_unmap(VirtAddr va, uint64_t size) override {
    if (va.value() >= limit_) return;  // only with UserCap::kNone: never mirrored
    if (size > limit_ - va.value()) size = limit_ - va.value();
    if (!table_.unmap(va, size / kPageSize, FreeFrames::kNo).ok()) {
      panic("KernelMirror: unmirror of 0x%lx (+0x%lx): not mirrored",
            static_cast<unsigned long>(va.value()), static_cast<unsigned long>(size));
    }
    // A mirror reaching far up (to the usyscall page) would otherwise keep the tables of every
    // sparse range ever touched, e.g. a lazy 1 GiB heap after it shrinks.
    table_.prune_empty_tables(va, size);
    // The frames are freed right after this returns: no stale translation may survive.
    if (loaded()) Mmu::flush();
  }

  // True if [src, src + len) lies below the user size of `as` and the limit, and every page of it is mirrored
  // (so the stack guard page fails as in the classic copyin, and no direct access can fault).
  // Bytes up to the end of the last page count, as in the classic copyin (which checks pages).
  bool readable(const Space& as, uint64_t src, uint64_t len) const {
    uint64_t bound = page_round_up(as.size());
    if (bound > limit_) bound = limit_;  // above it the table maps the kernel's devices and RAM
    if (src >= bound || len > bound - src) return false;
    for (uint64_t a = page_round_down(src); a < src + len; a += kPageSize) {
      const auto* pte = table_.walk(VirtAddr(a));
      if (pte == nullptr || !pte->valid()) return false;
    }
    return true;
  }

  // xv6 lab: copyin_new. Reads user memory through the mirror; the table must be loaded.
  Status copy_in(const Space& as, void* dst, uint64_t src, uint64_t len) const {
    if (len == 0) return {};
    if (!readable(as, src, len)) return Error::kBadAddress;
    char* out = static_cast<char*>(dst);
    for (uint64_t done = 0; done < len;) {
      const uint64_t n = chunk(src + done, len - done);
      __builtin_memcpy(out + done, Mmu::direct(src + done), n);
      done += n;
    }
    return {};
  }

  // xv6 lab: copyinstr_new. As AddressSpace::copy_in_str, through the mirror; the table must be
  // loaded.
  Result<uint64_t> copy_in_str(const Space& as, char* dst, uint64_t src, uint64_t max) const {
    for (uint64_t done = 0; done < max;) {
      const uint64_t va = src + done;
      const uint64_t n = chunk(va, max - done);
      if (!readable(as, va, 1)) return Error::kBadAddress;
      const char* in = static_cast<const char*>(Mmu::direct(va));
      for (uint64_t i = 0; i < n; ++i) {
        dst[done + i] = in[i];
        if (in[i] == '\0') return done + i;
      }
      done += n;
    }
    return Error::kTooBig;
  }

  // Self-check (^P): whether the mirror holds exactly the user pages of `as` (each to the same
  // frame, read-only, without U) and nothing else below the limit; *mirrored counts its pages.
  bool mirror_matches(const Space& as, uint64_t* mirrored) const {
    *mirrored = 0;
    bool ok = true;
    for (uint64_t va = 0; va < limit_; va += kPageSize) {
      // Skip a stretch (one last-level table's span) that neither tree has a table for: with the
      // mirror reaching up to the trapframe, that is nearly all of it.
      if (va % kSpan == 0 && limit_ - va >= kSpan && !may_hold_pages(table_, va) &&
          !may_hold_pages(as.table(), va)) {
        va += kSpan - kPageSize;
        continue;
      }
      const auto* mine = table_.walk(VirtAddr(va));
      // The user page may sit in a superpage: the mirror has it as a 4 KiB page all the same.
      const auto* user = as.table().find_leaf(VirtAddr(va));
      const bool want = user != nullptr && user->valid() && user->user();
      const bool have = mine != nullptr && mine->valid();
      if (have) ++*mirrored;
      if (want != have) ok = false;
      // Read-only, no U: exactly the permissions the format gives a kRead leaf (on i386 a
      // present page also reads as executable).
      if (have && (mine->perm() != kMirrorPerm ||
                   (want && mine->phys() != as.table().frame_of(VirtAddr(va)).value()))) {
        ok = false;
      }
    }
    return ok;
  }

 private:
  static constexpr Perm kMirrorPerm = Format::Pte::make_leaf(PhysAddr(0), Perm::kRead).perm();

  // The span of one last-level table (2 MiB on Sv39).
  static constexpr uint64_t kSpan = kPageSize << Format::kIndexBits;
  // Whether t may map a page in the kSpan-aligned stretch at va: a last-level table or a
  // superpage leaf there.
  static bool may_hold_pages(const Table& t, uint64_t va) {
    return t.walk(VirtAddr(va)) != nullptr || t.find_leaf(VirtAddr(va)) != nullptr;
  }

  static uint64_t chunk(uint64_t va, uint64_t left) {
    const uint64_t in_page = kPageSize - (va & (kPageSize - 1));
    return in_page < left ? in_page : left;
  }

  Table table_;
  uint64_t limit_ = 0;
  UserCap cap_ = UserCap::kAtLimit;
};

}  // namespace pagoda::mm
