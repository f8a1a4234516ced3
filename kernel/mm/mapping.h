// The portable half of mmap/munmap (issue 12): checking what user space asked for, choosing where
// a mapping goes, how many bytes of a file page exist, and MappingList<Backing, N>, the per-process
// list of mappings (what a file mapping is: its file, offset, permissions and sharing), which cuts
// a page-aligned part out of a mapping (start, end or middle) keeping the offsets right. No kernel
// state: the kernel instantiates it with Inode*, the host tests with a fake handle.
//
// A mapping is also a region (RegionKind::kFileMap or kAnonymous) in the process's RegionList, so
// that the fault path and sbrk see it; this list holds what a Region has no room for.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/perm.h"
#include "kernel/mm/region.h"

namespace pagoda::mm {

// The ABI's values (kernel/fcntl.h: PROT_*, MAP_*), as the kernel receives them.
inline constexpr int kProtRead = 1;
inline constexpr int kProtWrite = 2;
inline constexpr int kProtExec = 4;
inline constexpr int kMapShared = 1;
inline constexpr int kMapPrivate = 2;
inline constexpr int kMapAnonymous = 0x20;

// Room kept for the heap below the lowest mapping the kernel chooses (a lazy sbrk of 1 GiB).
inline constexpr uint64_t kHeapReserve = uint64_t{1} << 30;

enum class MapSharing : uint8_t { kShared, kPrivate };

// An mmap request that passed check_map_request: sizes page-rounded, flags decoded.
struct MapRequest {
  uint64_t hint = 0;        // page-aligned; 0: the kernel chooses
  uint64_t size = 0;        // page-rounded, > 0
  uint64_t offset = 0;      // page-aligned file offset (0 for anonymous memory)
  Perm perm = Perm::kNone;  // a subset of kRead | kWrite | kExec
  MapSharing sharing = MapSharing::kPrivate;
  bool anonymous = false;
};

// The argument checks of mmap(addr, len, prot, flags, fd, off), nothing about the file: kInvalid
// for len 0, prot 0 or unknown prot bits, flags with not exactly one of MAP_SHARED and MAP_PRIVATE
// or unknown bits; kMisaligned for an unaligned addr or off; kOutOfRange if the page-rounded
// length or addr + length wraps or reaches max_va, or a file's off + length passes 2^32 (inode
// offsets are 32 bits).
constexpr Result<MapRequest> check_map_request(uint64_t addr, uint64_t len, int prot, int flags,
                                               uint64_t off, uint64_t max_va) {
  if (len == 0) return Error::kInvalid;
  if (prot == 0 || (prot & ~(kProtRead | kProtWrite | kProtExec)) != 0) return Error::kInvalid;
  if ((flags & ~(kMapShared | kMapPrivate | kMapAnonymous)) != 0) return Error::kInvalid;
  const int sharing = flags & (kMapShared | kMapPrivate);
  if (sharing != kMapShared && sharing != kMapPrivate) return Error::kInvalid;
  if (!page_aligned(addr)) return Error::kMisaligned;
  if (len > max_va) return Error::kOutOfRange;
  const uint64_t size = page_round_up(len);
  if (size > max_va || (addr != 0 && (addr >= max_va || size > max_va - addr))) {
    return Error::kOutOfRange;
  }
  MapRequest req;
  req.anonymous = (flags & kMapAnonymous) != 0;
  if (!req.anonymous) {
    if (!page_aligned(off)) return Error::kMisaligned;
    if (off > (uint64_t{1} << 32) || size > (uint64_t{1} << 32) - off) return Error::kOutOfRange;
    req.offset = off;
  }
  req.hint = addr;
  req.size = size;
  req.perm = static_cast<Perm>(prot);  // PROT_READ/WRITE/EXEC are Perm's kRead/kWrite/kExec
  req.sharing = sharing == kMapShared ? MapSharing::kShared : MapSharing::kPrivate;
  return req;
}

static_assert(static_cast<int>(Perm::kRead) == kProtRead &&
              static_cast<int>(Perm::kWrite) == kProtWrite &&
              static_cast<int>(Perm::kExec) == kProtExec);

// Where a mapping of `size` bytes goes, in [floor, top) and clear of every region: the hint if
// the whole range fits there, else the highest free range below top (mappings grow downwards from
// just below the trapframe, away from the heap). kNoSpace if nothing fits.
template <size_t N>
Result<VirtAddr> choose_address(const RegionList<N>& regions, uint64_t size, uint64_t hint,
                                uint64_t floor, uint64_t top) {
  if (size == 0 || !page_aligned(size) || !page_aligned(floor) || !page_aligned(top)) {
    return Error::kInvalid;
  }
  if (floor >= top || size > top - floor) return Error::kNoSpace;
  auto clear = [&](uint64_t start) {
    for (const Region& r : regions) {
      if (r.start.value() < start + size && start < r.end()) return false;
    }
    return true;
  };
  if (hint != 0 && hint >= floor && hint <= top - size && clear(hint)) return VirtAddr(hint);
  uint64_t ceiling = top;  // the free range being looked at ends here
  for (size_t i = regions.size(); i-- > 0;) {
    const Region& r = regions[i];
    if (r.start.value() >= ceiling) continue;  // wholly above
    const uint64_t bottom = r.end() > floor ? r.end() : floor;
    if (bottom < ceiling && ceiling - bottom >= size) return VirtAddr(ceiling - size);
    ceiling = r.start.value();
    if (ceiling <= floor) return Error::kNoSpace;
  }
  if (ceiling - floor >= size) return VirtAddr(ceiling - size);
  return Error::kNoSpace;
}

// How many bytes of the page at file offset `off` the file holds (the rest of the page reads as
// zero, and is never written back, so a mapping never grows its file).
constexpr uint64_t file_bytes_at(uint64_t off, uint64_t file_size) {
  if (off >= file_size) return 0;
  return file_size - off < kPageSize ? file_size - off : kPageSize;
}

template <class Backing>
struct Mapping {
  VirtAddr start;
  uint64_t size = 0;
  uint64_t offset = 0;  // file offset of start
  Perm perm = Perm::kNone;
  MapSharing sharing = MapSharing::kPrivate;
  Backing backing{};  // the file; Backing{} for anonymous memory

  uint64_t end() const { return start.value() + size; }
  bool contains(VirtAddr va) const { return va.value() >= start.value() && va.value() < end(); }
  bool anonymous() const { return backing == Backing{}; }
  bool shared() const { return sharing == MapSharing::kShared; }
  // The file offset of the page holding va (inside the mapping).
  uint64_t file_offset(VirtAddr va) const {
    return offset + (va.page_round_down().value() - start.value());
  }
};

// What cut() did to the mapping it cut from.
enum class CutKind : uint8_t {
  kRemoved,  // it is gone: drop its backing reference
  kShrunk,   // it lost its start or its end
  kSplit,    // it is now two mappings sharing one backing: take another reference
};

template <class Backing, size_t kCapacity>
class MappingList {
 public:
  using Entry = Mapping<Backing>;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == kCapacity; }
  const Entry& operator[](size_t i) const { return entries_[i]; }
  const Entry* begin() const { return entries_; }
  const Entry* end() const { return entries_ + count_; }
  void clear() { count_ = 0; }

  const Entry* find(VirtAddr va) const {
    for (size_t i = 0; i < count_; ++i) {
      if (entries_[i].contains(va)) return &entries_[i];
    }
    return nullptr;
  }

  // Adds m (page-aligned, size > 0, not overlapping): kInvalid, kMisaligned, kAlreadyMapped,
  // kNoSpace when full.
  Status insert(const Entry& m) {
    if (m.size == 0) return Error::kInvalid;
    if (!m.start.page_aligned() || !page_aligned(m.size)) return Error::kMisaligned;
    if (m.size > UINT64_MAX - m.start.value()) return Error::kOutOfRange;
    size_t i = 0;
    while (i < count_ && entries_[i].end() <= m.start.value()) ++i;
    if (i < count_ && entries_[i].start.value() < m.end()) return Error::kAlreadyMapped;
    if (count_ == kCapacity) return Error::kNoSpace;
    for (size_t j = count_; j > i; --j) entries_[j] = entries_[j - 1];
    entries_[i] = m;
    ++count_;
    return {};
  }

  // Whether [va, va + size) lies inside one mapping (the one munmap may cut), and that mapping.
  const Entry* containing(VirtAddr va, uint64_t size) const {
    const Entry* m = find(va);
    if (m == nullptr || size == 0 || size > m->end() - va.value()) return nullptr;
    return m;
  }

  // Removes [va, va + size) (page-aligned, inside one mapping: kNotMapped otherwise): the mapping
  // disappears, shrinks (a cut at the start moves its offset) or splits in two (the upper part's
  // offset follows; kNoSpace, and nothing changes, if that needs a slot the list lacks).
  Result<CutKind> cut(VirtAddr va, uint64_t size) {
    if (!va.page_aligned() || !page_aligned(size)) return Error::kMisaligned;
    const Entry* found = containing(va, size);
    if (found == nullptr) return Error::kNotMapped;
    const size_t i = static_cast<size_t>(found - entries_);
    Entry& m = entries_[i];
    const uint64_t cut_end = va.value() + size;
    const bool keep_left = va.value() > m.start.value();
    const bool keep_right = cut_end < m.end();
    if (keep_left && keep_right) {
      if (count_ == kCapacity || i + 1 >= kCapacity) return Error::kNoSpace;
      Entry right = m;
      right.start = VirtAddr(cut_end);
      right.size = m.end() - cut_end;
      right.offset = m.offset + (cut_end - m.start.value());
      m.size = va.value() - m.start.value();
      for (size_t j = count_; j > i + 1; --j) entries_[j] = entries_[j - 1];
      entries_[i + 1] = right;
      ++count_;
      return CutKind::kSplit;
    }
    if (keep_left) {
      m.size = va.value() - m.start.value();
      return CutKind::kShrunk;
    }
    if (keep_right) {
      m.offset += cut_end - m.start.value();
      m.size = m.end() - cut_end;
      m.start = VirtAddr(cut_end);
      return CutKind::kShrunk;
    }
    for (size_t j = i + 1; j < count_; ++j) entries_[j - 1] = entries_[j];
    --count_;
    return CutKind::kRemoved;
  }

 private:
  Entry entries_[kCapacity] = {};
  size_t count_ = 0;
};

}  // namespace pagoda::mm
