// malloc and free of the xv6 user API: a first-fit allocator over an address-ordered free list that
// grows the heap with sbrk and merges neighbouring free blocks (xv6: user/umalloc.c, after K&R).
#include "kernel/types.h"
#include "user/user.h"

namespace {

// Every block starts with a header; sizes are counted in header-sized units, which keeps every
// payload 16-byte aligned as the RISC-V psABI expects of malloc.
struct alignas(16) Header {
  Header* next;  // next free block at a higher address (free blocks only)
  uint64 units;  // size of the block including this header
};
static_assert(sizeof(Header) == 16);

constexpr uint64 kUnit = sizeof(Header);
constexpr uint64 kMinGrowUnits = 1024;                   // ask sbrk for at least 16 KiB at a time
constexpr uint64 kMaxGrowBytes = 0x7fffffff & ~0xfffUL;  // sbrk takes an int

class Heap {
 public:
  void* allocate(uint64 bytes) {
    if (bytes == 0) return nullptr;
    uint64 units = (bytes + kUnit - 1) / kUnit + 1;
    if (void* p = take(units)) return p;
    if (!grow(units)) return nullptr;
    return take(units);
  }

  void release(void* p) {
    if (p == nullptr) return;
    insert(static_cast<Header*>(p) - 1);
  }

 private:
  // First fit: carve the request off the end of the first block big enough, so the free block's
  // list position stays as it is.
  void* take(uint64 units) {
    Header** link = &free_;
    for (Header* b = free_; b != nullptr; link = &b->next, b = b->next) {
      if (b->units < units) continue;
      if (b->units == units) {
        *link = b->next;
      } else {
        b->units -= units;
        b += b->units;
        b->units = units;
      }
      b->next = nullptr;
      return b + 1;
    }
    return nullptr;
  }

  bool grow(uint64 units) {
    if (units < kMinGrowUnits) units = kMinGrowUnits;
    if (units > kMaxGrowBytes / kUnit) return false;
    // The break is page-aligned unless the program moved it itself: then pad up to alignment.
    char* brk = sbrk(0);
    if (brk == reinterpret_cast<char*>(-1)) return false;
    uint64 pad = (0 - reinterpret_cast<uint64>(brk)) & (kUnit - 1);
    char* p = sbrk(static_cast<int>(pad + units * kUnit));
    if (p == reinterpret_cast<char*>(-1)) return false;
    auto* block = reinterpret_cast<Header*>(p + pad);
    block->units = units;
    insert(block);
    return true;
  }

  // Put a block into the address-ordered list, merging it with the free blocks it touches.
  void insert(Header* block) {
    Header* prev = nullptr;
    Header* next = free_;
    while (next != nullptr && next < block) {
      prev = next;
      next = next->next;
    }
    // A block overlapping a free one is being freed twice (or was never allocated): leave the
    // list intact rather than corrupt it.
    if (next == block || (next != nullptr && block + block->units > next) ||
        (prev != nullptr && prev + prev->units > block)) {
      return;
    }
    block->next = next;
    if (next != nullptr && block + block->units == next) {
      block->units += next->units;
      block->next = next->next;
    }
    if (prev == nullptr) {
      free_ = block;
    } else if (prev + prev->units == block) {
      prev->units += block->units;
      prev->next = block->next;
    } else {
      prev->next = block;
    }
  }

  Header* free_ = nullptr;
};

constinit Heap heap;

}  // namespace

void* malloc(uint bytes) {
  return heap.allocate(bytes);
}

void free(void* p) {
  heap.release(p);
}
