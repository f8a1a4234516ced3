// mmap and munmap: the per-process mappings, their page faults, fork's copy, write-back and the
// system calls. See mmap.h; the arithmetic is kernel/mm/mapping.h.
#include "kernel/proc/mmap.h"
#include "kernel/proc/mapping_fault.h"

#include "kernel/arch/trap_hooks.h"
#include "kernel/features.h"
#include "kernel/fs.h"
#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/inode_table.h"
#include "kernel/fs/log.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/lib/panic.h"
#include "kernel/param.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/process_memory.h"
#include "kernel/proc/syscall.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {
namespace {

using mm::kPageSize;
using mm::MapSharing;
using mm::Perm;
using mm::Region;
using mm::RegionKind;
using mm::VirtAddr;

// Each process's mappings, by process-table slot. Private to the process (the parent fills a new
// child's before the child runs), so no lock.
constinit Mappings g_mappings[NPROC];

Mappings& mappings_for(const Proc* p) {
  return g_mappings[proc_slot(p)];
}

// Frames that more than one process maps (MAP_SHARED pages after fork), with how many do; a frame
// not listed has one owner. Until COW's per-frame reference counts land, the one such table.
class SharedFrames {
 public:
  constexpr SharedFrames() = default;

  // One more process maps pa. kNoSpace if the table is full.
  Status share(mm::PhysAddr pa) {
    SpinLockGuard guard(lock_);
    Entry* free_slot = nullptr;
    for (Entry& e : entries_) {
      if (e.count > 0 && e.pa == pa) {
        ++e.count;
        return {};
      }
      if (e.count == 0 && free_slot == nullptr) free_slot = &e;
    }
    if (free_slot == nullptr) return Error::kNoSpace;
    free_slot->pa = pa;
    free_slot->count = 2;
    return {};
  }

  // One process stops mapping pa: true if it was the last (the caller frees the frame).
  bool release(mm::PhysAddr pa) {
    SpinLockGuard guard(lock_);
    for (Entry& e : entries_) {
      if (e.count > 0 && e.pa == pa) {
        if (--e.count == 1) e.count = 0;  // one owner left: no longer listed
        return false;
      }
    }
    return true;
  }

 private:
  struct Entry {
    mm::PhysAddr pa;
    uint32_t count = 0;  // 0: a free slot; else >= 2
  };
  static constexpr size_t kCapacity = 1024;

  SpinLock lock_{"mmap_shared"};  // protects entries_
  Entry entries_[kCapacity] = {};
};

constinit SharedFrames g_shared;

// One transaction's worth of a write-back: as filewrite bounds its writes (inode, indirect
// block, two bitmap blocks; none are needed here, since write-back never allocates).
constexpr uint64_t kMaxWritePerOp = ((MAXOPBLOCKS - 1 - 1 - 2) / 2) * BSIZE;

void release_frame(mm::PhysAddr pa) {
  if (g_shared.release(pa)) kernel_memory().free_page(pa);
}

// The PTE permissions of a mapping's page: user, always readable (RISC-V has no write-only
// leaf; on x86 every page is readable), executable if asked, writable only once written.
Perm page_perm(const MappingEntry& m, bool writable) {
  Perm perm = Perm::kUser | Perm::kRead;
  if (mm::has(m.perm, Perm::kExec)) perm |= Perm::kExec;
  if (writable) perm |= Perm::kWrite;
  return perm;
}

bool access_allowed(const MappingEntry& m, MapAccess access) {
  switch (access) {
    case MapAccess::kRead:
      return m.perm != Perm::kNone;  // write or exec imply read (page_perm)
    case MapAccess::kWrite:
      return mm::has(m.perm, Perm::kWrite);
    case MapAccess::kExec:
      return mm::has(m.perm, Perm::kExec);
  }
  return false;
}

// Reads the file's bytes of the page at file offset off into frame (zeroed already). Sleeps.
Status read_file_page(Inode* ip, uint64_t off, void* frame) {
  ilock(ip);
  const uint64_t n = mm::file_bytes_at(off, ip->size);
  int got = 0;
  if (n > 0) {
    got = readi(ip, false, reinterpret_cast<uint64_t>(frame), static_cast<uint32_t>(off),
                static_cast<uint32_t>(n));
  }
  iunlock(ip);
  return got < 0 ? Status(Error::kIo) : Status();
}

// Writes the page's bytes that lie inside the file (as long as it is now) back at off, one
// bounded transaction at a time. Never grows the file. Sleeps.
void write_back_page(Inode* ip, uint64_t off, const char* data) {
  for (uint64_t done = 0;;) {
    FsTransaction tx;
    ilock(ip);
    const uint64_t n = mm::file_bytes_at(off, ip->size);
    if (done >= n) {
      iunlock(ip);
      return;
    }
    const uint64_t chunk = n - done < kMaxWritePerOp ? n - done : kMaxWritePerOp;
    const int wrote = writei(ip, false, reinterpret_cast<uint64_t>(data + done),
                             static_cast<uint32_t>(off + done), static_cast<uint32_t>(chunk));
    iunlock(ip);
    if (wrote != static_cast<int>(chunk)) return;  // a damaged inode: nothing more to do
    done += chunk;
  }
}

// The present leaf for the user page va0 of p, or nullptr.
UserAddressSpace::Pte* present_pte(Proc* p, VirtAddr va0) {
  UserAddressSpace::Pte* pte = p->memory.mapping_space().table().walk(va0);
  return pte != nullptr && pte->valid() ? pte : nullptr;
}

// The next page after a to look at in p's table: past the whole last-level table if a has none,
// so that a huge mapping touched in a few places costs a few steps per table, not per page.
uint64_t next_page(Proc* p, uint64_t a) {
  constexpr uint64_t kTableSpan = UserAddressSpace::Table::kEntries * kPageSize;
  if (p->memory.mapping_space().table().walk(VirtAddr(a)) != nullptr) return a + kPageSize;
  return (a & ~(kTableSpan - 1)) + kTableSpan;
}

// Writes back the dirty pages of [va, va + size) of m if it is a shared file mapping (sleeps),
// then unmaps and releases every present page there.
void drop_pages(Proc* p, const MappingEntry& m, VirtAddr va, uint64_t size) {
  if (m.shared() && !m.anonymous() && mm::has(m.perm, Perm::kWrite)) {
    for (uint64_t a = va.value(); a < va.value() + size; a = next_page(p, a)) {
      const UserAddressSpace::Pte* pte = present_pte(p, VirtAddr(a));
      if (pte == nullptr || !pte->writable()) continue;  // never written: clean
      const char* data = static_cast<const char*>(kernel_memory().ptr(pte->phys()));
      write_back_page(m.backing, m.file_offset(VirtAddr(a)), data);
    }
  }
  auto& table = p->memory.mapping_space().table();
  for (uint64_t a = va.value(); a < va.value() + size; a = next_page(p, a)) {
    const UserAddressSpace::Pte* pte = present_pte(p, VirtAddr(a));
    if (pte == nullptr) continue;  // never touched
    const mm::PhysAddr pa = pte->phys();
    PAGODA_MUST(table.unmap(VirtAddr(a), 1, mm::FreeFrames::kNo));
    release_frame(pa);
  }
  table.prune_empty_tables(va, size);  // the tables the faults made go too
  arch::flush_tlb();                   // x86 runs the kernel on the process's own directory
}

void put_inode(Inode* ip) {
  FsTransaction tx;  // the last reference to an unlinked file frees it
  iput(ip);
}

// Undoes a partial mappings_copy: the child's mapping pages go back.
void unmap_child_pages(Proc* child, const Mappings& list) {
  auto& table = child->memory.mapping_space().table();
  for (const MappingEntry& m : list) {
    for (uint64_t a = m.start.value(); a < m.end(); a = next_page(child, a)) {
      const UserAddressSpace::Pte* pte = present_pte(child, VirtAddr(a));
      if (pte == nullptr) continue;
      const mm::PhysAddr pa = pte->phys();
      PAGODA_MUST(table.unmap(VirtAddr(a), 1, mm::FreeFrames::kNo));
      release_frame(pa);
    }
  }
}

// The region kind of a mapping.
RegionKind kind_of(const MappingEntry& m) {
  return m.anonymous() ? RegionKind::kAnonymous : RegionKind::kFileMap;
}

}  // namespace

const Mappings& mappings_of(const Proc* p) {
  return mappings_for(p);
}

Result<bool> mapping_fault(Proc* p, VirtAddr va, MapAccess access) {
  if constexpr (!features::kMmap) return false;
  const MappingEntry* m = mappings_for(p).find(va);
  if (m == nullptr) return false;
  if (!access_allowed(*m, access)) return Error::kBadAddress;
  const VirtAddr va0 = va.page_round_down();
  const bool write = access == MapAccess::kWrite;
  if (UserAddressSpace::Pte* pte = present_pte(p, va0)) {
    // Present: the first store to a clean page makes it writable (and so dirty).
    if (write && !pte->writable()) {
      *pte = pte->with_perm(pte->perm() | Perm::kWrite);
      arch::flush_tlb();
    }
    return true;
  }
  const mm::PhysAddr frame = PAGODA_TRY(kernel_memory().alloc_zeroed_page());
  void* data = kernel_memory().ptr(frame);
  if (!m->anonymous()) {
    // Reading the file sleeps: never with a spin lock held (interrupts off).
    Status read = arch::intr_get() ? read_file_page(m->backing, m->file_offset(va0), data)
                                   : Status(Error::kBadAddress);
    if (!read.ok()) {
      kernel_memory().free_page(frame);
      return read.error();
    }
    // The read slept: the mapping is still there (only this process changes it).
  }
  const Status mapped =
      p->memory.mapping_space().table().map(va0, kPageSize, frame, page_perm(*m, write));
  if (!mapped.ok()) {
    kernel_memory().free_page(frame);
    return mapped.error();
  }
  return true;
}

// The page-fault path's call-out (kernel/proc/mapping_fault.h): ProcessMemory::handle_fault has
// found a kFileMap or kAnonymous region at va. Only the running process's memory faults.
Result<bool> mapping_fault(ProcessMemory& memory, const mm::Region& region, VirtAddr va,
                           mm::Access access) {
  (void)region;
  Proc* p = myproc();
  if (p == nullptr || &p->memory != &memory) return false;
  const MapAccess how = access == mm::Access::kWrite  ? MapAccess::kWrite
                        : access == mm::Access::kExec ? MapAccess::kExec
                                                      : MapAccess::kRead;
  return mapping_fault(p, va, how);
}

Status mapping_fault_in_range(const ProcessMemory& memory, uint64_t va, uint64_t len, bool write) {
  Proc* p = myproc();
  if (p == nullptr || &p->memory != &memory || len == 0) return {};
  if (va >= arch::kUserTop || len > arch::kUserTop - va) return Error::kBadAddress;
  const MapAccess access = write ? MapAccess::kWrite : MapAccess::kRead;
  for (uint64_t a = mm::page_round_down(va); a < va + len; a += kPageSize) {
    const Result<bool> served = mapping_fault(p, VirtAddr(a), access);
    if (!served.ok()) return Error::kBadAddress;
  }
  return {};
}

Status mappings_prepare_fork(Proc* parent) {
  if constexpr (!features::kMmap) return {};
  for (const MappingEntry& m : mappings_for(parent)) {
    if (!m.shared()) continue;
    uint64_t end = m.end();
    if (!m.anonymous()) {
      // The file's pages; those past its end are shared only if already present.
      ilock(m.backing);
      const uint64_t file_size = m.backing->size;
      iunlock(m.backing);
      const uint64_t in_file = file_size > m.offset ? mm::page_round_up(file_size - m.offset) : 0;
      if (in_file < m.size) end = m.start.value() + in_file;
    }
    for (uint64_t a = m.start.value(); a < end; a += kPageSize) {
      PAGODA_TRY(mapping_fault(parent, VirtAddr(a), MapAccess::kRead));
    }
  }
  return {};
}

Status mappings_copy(Proc* parent, Proc* child) {
  if constexpr (!features::kMmap) return {};
  const Mappings& list = mappings_for(parent);
  auto& child_table = child->memory.mapping_space().table();
  for (const MappingEntry& m : list) {
    for (uint64_t a = m.start.value(); a < m.end(); a = next_page(parent, a)) {
      const UserAddressSpace::Pte* pte = present_pte(parent, VirtAddr(a));
      if (pte == nullptr) continue;
      Status status;
      if (m.shared()) {
        status = g_shared.share(pte->phys());
        if (status.ok()) {
          status = child_table.map(VirtAddr(a), kPageSize, pte->phys(), pte->perm());
          if (!status.ok()) (void)g_shared.release(pte->phys());  // parent still maps it
        }
      } else {
        Result<mm::PhysAddr> frame = kernel_memory().alloc_page();
        status = frame.ok() ? Status() : Status(frame.error());
        if (status.ok()) {
          __builtin_memcpy(kernel_memory().ptr(*frame), kernel_memory().ptr(pte->phys()),
                           kPageSize);
          status = child_table.map(VirtAddr(a), kPageSize, *frame, pte->perm());
          if (!status.ok()) kernel_memory().free_page(*frame);
        }
      }
      if (!status.ok()) {
        unmap_child_pages(child, list);
        return status;
      }
    }
  }
  // Nothing can fail from here: the child's list, and its references.
  mappings_for(child) = list;
  for (const MappingEntry& m : list) {
    if (!m.anonymous()) idup(m.backing);
  }
  return {};
}

void mappings_drop_all(Proc* p) {
  if constexpr (!features::kMmap) return;
  Mappings& list = mappings_for(p);
  while (!list.empty()) {
    const MappingEntry m = list[list.size() - 1];
    drop_pages(p, m, m.start, m.size);
    PAGODA_MUST(list.cut(m.start, m.size));
    PAGODA_MUST(p->memory.mapping_regions().remove(m.start, m.size));
    if (!m.anonymous()) put_inode(m.backing);
  }
}

int64_t sys_mmap() {
  if constexpr (!features::kMmap) return -1;
  Proc* p = myproc();
  const uint64_t addr = arg_addr(0);
  const uint64_t len = arg_addr(1);
  const int prot = arg_int(2);
  const int flags = arg_int(3);
  const int fd = arg_int(4);
  // off_t is a signed long: on x86 a 32-bit word, sign-extended so a negative offset stays one.
  uint64_t off = arg_raw(5);
  if constexpr (arch::kUserWordSize == 4) {
    off = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(off)));
  }
  Result<mm::MapRequest> checked = mm::check_map_request(addr, len, prot, flags, off, kMappingTop);
  if (!checked.ok()) return -1;
  const mm::MapRequest& req = *checked;

  Inode* ip = nullptr;
  if (!req.anonymous) {
    if (fd < 0 || fd >= NOFILE || p->ofile[fd] == nullptr) return -1;
    const File* f = p->ofile[fd];
    if (f->type != FileType::kInode) return -1;  // no pipes or devices
    // Pages are read from the file; shared stores are written back to it.
    if (!f->readable) return -1;
    if (req.sharing == MapSharing::kShared && mm::has(req.perm, Perm::kWrite) && !f->writable) {
      return -1;
    }
    ip = f->ip;
    ilock(ip);
    const bool regular = ip->type == InodeType::kFile;
    iunlock(ip);
    if (!regular) return -1;
  }

  Mappings& list = mappings_for(p);
  ProcessMemory::Regions& regions = p->memory.mapping_regions();
  if (list.full() || regions.size() == ProcessMemory::kMaxRegions) return -1;
  // Above the heap: a hint anywhere there, the kernel's choice 1 GiB higher (lazy heap room).
  const uint64_t heap_end = mm::page_round_up(p->memory.size());
  Result<VirtAddr> start = Error::kNoSpace;
  if (req.hint != 0) {
    start = mm::choose_address(regions, req.size, req.hint, heap_end, kMappingTop);
    if (start.ok() && start->value() != req.hint) start = Error::kNoSpace;
  }
  if (!start.ok()) {
    if (heap_end > kMappingTop || kMappingTop - heap_end < mm::kHeapReserve) return -1;
    start = mm::choose_address(regions, req.size, 0, heap_end + mm::kHeapReserve, kMappingTop);
  }
  if (!start.ok()) return -1;

  MappingEntry m;
  m.start = *start;
  m.size = req.size;
  m.offset = req.offset;
  m.perm = req.perm;
  m.sharing = req.sharing;
  m.backing = ip;
  if (!regions.insert(Region{m.start, m.size, page_perm(m, true), kind_of(m)}).ok()) return -1;
  if (!list.insert(m).ok()) {
    PAGODA_MUST(regions.remove(m.start, m.size));
    return -1;
  }
  if (ip != nullptr) idup(ip);  // the mapping outlives close() and unlink()
  return static_cast<int64_t>(m.start.value());
}

int64_t sys_munmap() {
  if constexpr (!features::kMmap) return -1;
  Proc* p = myproc();
  const uint64_t addr = arg_addr(0);
  const uint64_t len = arg_addr(1);
  if (len == 0 || !mm::page_aligned(addr) || addr >= kMappingTop || len > kMappingTop - addr) {
    return -1;
  }
  const uint64_t size = mm::page_round_up(len);
  Mappings& list = mappings_for(p);
  const MappingEntry* found = list.containing(VirtAddr(addr), size);
  if (found == nullptr) return -1;  // not inside one mapping
  const MappingEntry m = *found;
  const bool middle = addr > m.start.value() && addr + size < m.end();
  if (middle && (list.full() || p->memory.mapping_regions().size() == ProcessMemory::kMaxRegions)) {
    return -1;  // the split needs a slot in both lists
  }
  drop_pages(p, m, VirtAddr(addr), size);
  const mm::CutKind cut = *list.cut(VirtAddr(addr), size);
  PAGODA_MUST(p->memory.mapping_regions().remove(VirtAddr(addr), size));
  if (!m.anonymous()) {
    if (cut == mm::CutKind::kSplit) idup(m.backing);  // each part holds one reference
    if (cut == mm::CutKind::kRemoved) put_inode(m.backing);
  }
  return 0;
}

}  // namespace pagoda
