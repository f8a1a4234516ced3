// virtio-blk over the virtio-mmio modern transport. xv6: virtio_disk.c
// Each request is a chain of three descriptors (header, data, status byte); any number of chains
// up to kQueueSize / 3 are in flight at once, each requester sleeping on its own buffer until the
// used-ring interrupt says its request is done.
#include "kernel/dev/virtio_disk.h"

#include "kernel/arch/arch.h"
#include "kernel/dev/disk_buffer.h"
#include "kernel/dev/virtio.h"
#include "kernel/fs.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait.h"

namespace pagoda {

namespace {

using namespace virtio;

// memlayout: VIRTIO0 (QEMU virt, first virtio-mmio slot), at its kernel address.
constexpr uint64_t kVirtio0 = arch::kDiskBase;
constexpr int kQueueSize = 32;  // descriptors; a power of two (§2.6)
constexpr int kChainLength = 3;

volatile uint32_t& reg(MmioReg r) {
  return *reinterpret_cast<volatile uint32_t*>(kVirtio0 + static_cast<uint32_t>(r));
}

// What the device reads and writes by DMA is named by physical address: the kernel image and the
// buffers lie in the direct map, kDirectMapOffset above their frames. xv6-x86: V2P
uint64_t phys(const volatile void* p) {
  return reinterpret_cast<uint64_t>(p) - arch::kDirectMapOffset;
}

class VirtioDisk {
 public:
  constexpr VirtioDisk() = default;

  void init();
  void rw(DiskBuffer* b, DiskOp op);
  void rw_many(DiskBuffer* const* bufs, int n, DiskOp op);
  void intr();
  uint64_t capacity_blocks() const { return capacity_blocks_; }

 private:
  int alloc_desc_locked();
  void free_desc_locked(int i);
  void free_chain_locked(int i);
  bool alloc_chain_locked(int (&idx)[kChainLength]);
  void submit_locked(DiskBuffer* b, DiskOp op);
  void wait_locked(DiskBuffer* b);

  // The three parts of the split virtqueue (§2.6: alignments 16, 2 and 4); the device reads and
  // writes them by DMA.
  alignas(4096) VirtqDesc desc_[kQueueSize]{};
  alignas(16) VirtqAvail<kQueueSize> avail_{};
  alignas(16) VirtqUsed<kQueueSize> used_{};

  // Per request, indexed by the first descriptor of its chain.
  struct Request {
    BlkReqHeader header;
    DiskBuffer* buf;
    uint8_t status;
  };
  Request requests_[kQueueSize]{};

  bool free_[kQueueSize]{};       // descriptor is free
  uint16_t used_idx_ = 0;         // how far we have consumed the used ring
  uint64_t capacity_blocks_ = 0;  // the disk size in blocks, set once by init
  SpinLock lock_{"virtio_disk"};  // protects everything above (the rings with the device)
};

constinit VirtioDisk disk;

// §3.1.1 driver initialization and §4.2.3.2 virtqueue configuration for virtio-mmio.
void VirtioDisk::init() {
  if (reg(MmioReg::kMagicValue) != kMagic || reg(MmioReg::kVersion) != kMmioVersionModern ||
      reg(MmioReg::kDeviceId) != kDeviceIdBlock) {
    panic(
        "virtio_disk: no modern virtio-blk device at %p (start QEMU with "
        "-global virtio-mmio.force-legacy=false)",
        reinterpret_cast<void*>(kVirtio0));
  }

  uint32_t st = 0;
  reg(MmioReg::kStatus) = st;  // reset
  while (reg(MmioReg::kStatus) != 0) {
  }
  st |= status::kAcknowledge;
  reg(MmioReg::kStatus) = st;
  st |= status::kDriver;
  reg(MmioReg::kStatus) = st;

  // Feature negotiation (§3.1.1 steps 4-6): we need VERSION_1 and want nothing else, so the
  // device keeps its defaults (no multi-queue, no event index, read-write).
  reg(MmioReg::kDeviceFeaturesSel) = 1;
  uint32_t high = reg(MmioReg::kDeviceFeatures);
  if ((high & (1u << (kFeatureVersion1 - 32))) == 0) panic("virtio_disk: device lacks VERSION_1");
  reg(MmioReg::kDriverFeaturesSel) = 0;
  reg(MmioReg::kDriverFeatures) = 0;
  reg(MmioReg::kDriverFeaturesSel) = 1;
  reg(MmioReg::kDriverFeatures) = 1u << (kFeatureVersion1 - 32);
  st |= status::kFeaturesOk;
  reg(MmioReg::kStatus) = st;
  if ((reg(MmioReg::kStatus) & status::kFeaturesOk) == 0) panic("virtio_disk: FEATURES_OK refused");

  // Queue 0 (§4.2.3.2).
  reg(MmioReg::kQueueSel) = 0;
  if (reg(MmioReg::kQueueReady) != 0) panic("virtio_disk: queue 0 already in use");
  uint32_t max = reg(MmioReg::kQueueNumMax);
  if (max == 0) panic("virtio_disk: no queue 0");
  if (max < kQueueSize) panic("virtio_disk: queue 0 too short (%u)", max);
  reg(MmioReg::kQueueNum) = kQueueSize;
  reg(MmioReg::kQueueDescLow) = static_cast<uint32_t>(phys(desc_));
  reg(MmioReg::kQueueDescHigh) = static_cast<uint32_t>(phys(desc_) >> 32);
  reg(MmioReg::kQueueDriverLow) = static_cast<uint32_t>(phys(&avail_));
  reg(MmioReg::kQueueDriverHigh) = static_cast<uint32_t>(phys(&avail_) >> 32);
  reg(MmioReg::kQueueDeviceLow) = static_cast<uint32_t>(phys(&used_));
  reg(MmioReg::kQueueDeviceHigh) = static_cast<uint32_t>(phys(&used_) >> 32);
  for (bool& f : free_) f = true;
  reg(MmioReg::kQueueReady) = 1;

  st |= status::kDriverOk;
  reg(MmioReg::kStatus) = st;

  // §5.2.4: capacity (le64, 512-byte sectors) is the first field of the config space. Read it
  // until the config generation is stable (§4.2.2: a 64-bit field takes two 32-bit reads).
  uint32_t gen;
  uint64_t sectors;
  do {
    gen = reg(MmioReg::kConfigGeneration);
    uint64_t lo = reg(MmioReg::kConfig);
    uint64_t hi = *reinterpret_cast<volatile uint32_t*>(
        kVirtio0 + static_cast<uint32_t>(MmioReg::kConfig) + 4);
    sectors = lo | (hi << 32);
  } while (gen != reg(MmioReg::kConfigGeneration));
  capacity_blocks_ = sectors / (BSIZE / kSectorSize);
}

int VirtioDisk::alloc_desc_locked() {
  for (int i = 0; i < kQueueSize; i++) {
    if (free_[i]) {
      free_[i] = false;
      return i;
    }
  }
  return -1;
}

void VirtioDisk::free_desc_locked(int i) {
  if (i < 0 || i >= kQueueSize || free_[i]) panic("virtio_disk: bad free of descriptor %d", i);
  desc_[i] = VirtqDesc{};
  free_[i] = true;
  wakeup(&free_[0]);
}

void VirtioDisk::free_chain_locked(int i) {
  for (;;) {
    uint16_t flags = desc_[i].flags;
    uint16_t next = desc_[i].next;
    free_desc_locked(i);
    if ((flags & kDescNext) == 0) break;
    i = next;
  }
}

bool VirtioDisk::alloc_chain_locked(int (&idx)[kChainLength]) {
  for (int i = 0; i < kChainLength; i++) {
    idx[i] = alloc_desc_locked();
    if (idx[i] < 0) {
      for (int j = 0; j < i; j++) free_desc_locked(idx[j]);
      return false;
    }
  }
  return true;
}

// Puts one request on the available ring and tells the device; sleeps only for descriptors.
void VirtioDisk::submit_locked(DiskBuffer* b, DiskOp op) {
  // The file system checks block numbers against its superblock, and the superblock against the
  // capacity (fs_mount_root), so a block past the end is a kernel bug.
  if (b->blockno >= capacity_blocks_) panic("virtio_disk: block %u beyond the disk", b->blockno);
  int idx[kChainLength];
  while (!alloc_chain_locked(idx)) sleep(&free_[0], lock_);

  // §5.2.6: header (device-readable), data, status byte (device-writable).
  Request& req = requests_[idx[0]];
  req.header.type = op == DiskOp::kWrite ? kBlkTypeOut : kBlkTypeIn;
  req.header.reserved = 0;
  req.header.sector = static_cast<uint64_t>(b->blockno) * (BSIZE / kSectorSize);
  req.status = 0xff;  // the device writes 0 on success
  req.buf = b;

  desc_[idx[0]] = {phys(&req.header), sizeof(BlkReqHeader), kDescNext,
                   static_cast<uint16_t>(idx[1])};
  desc_[idx[1]] = {phys(b->data), BSIZE,
                   static_cast<uint16_t>((op == DiskOp::kRead ? kDescWrite : 0) | kDescNext),
                   static_cast<uint16_t>(idx[2])};
  desc_[idx[2]] = {phys(&req.status), 1, kDescWrite, 0};

  b->disk = true;

  // §2.6.13: put the head in the available ring, then publish the new index, then notify.
  auto* avail = reinterpret_cast<volatile VirtqAvail<kQueueSize>*>(&avail_);
  avail->ring[avail->idx % kQueueSize] = static_cast<uint16_t>(idx[0]);
  __sync_synchronize();
  avail->idx = static_cast<uint16_t>(avail->idx + 1);
  __sync_synchronize();
  reg(MmioReg::kQueueNotify) = 0;
}

void VirtioDisk::wait_locked(DiskBuffer* b) {
  while (*static_cast<volatile bool*>(&b->disk)) sleep(b, lock_);
}

void VirtioDisk::rw(DiskBuffer* b, DiskOp op) {
  SpinLockGuard guard(lock_);
  submit_locked(b, op);
  wait_locked(b);
}

void VirtioDisk::rw_many(DiskBuffer* const* bufs, int n, DiskOp op) {
  SpinLockGuard guard(lock_);
  for (int i = 0; i < n; i++) submit_locked(bufs[i], op);
  for (int i = 0; i < n; i++) wait_locked(bufs[i]);
}

// §2.6.14: the device has put finished chains in the used ring. The chains are freed here, not
// by the sleeping requesters, so a requester waiting for descriptors never waits on itself.
void VirtioDisk::intr() {
  SpinLockGuard guard(lock_);

  // Acknowledge first, so a completion that arrives while we drain the ring raises a new interrupt.
  reg(MmioReg::kInterruptAck) =
      reg(MmioReg::kInterruptStatus) & (kInterruptUsedBuffer | kInterruptConfigChange);
  __sync_synchronize();

  auto* used = reinterpret_cast<volatile VirtqUsed<kQueueSize>*>(&used_);
  while (used_idx_ != used->idx) {
    __sync_synchronize();
    uint32_t id = used->ring[used_idx_ % kQueueSize].id;
    used_idx_++;
    if (id >= kQueueSize || requests_[id].buf == nullptr)
      panic("virtio_disk: bogus used id %u", id);
    Request& req = requests_[id];
    DiskBuffer* b = req.buf;
    if (*static_cast<volatile uint8_t*>(&req.status) != kBlkStatusOk) {
      panic("virtio_disk: request for block %u failed (status %d)", b->blockno, req.status);
    }
    req.buf = nullptr;
    free_chain_locked(static_cast<int>(id));
    b->disk = false;  // the device is done with the buffer
    wakeup(b);
  }
}

}  // namespace

void virtio_disk_init() {
  disk.init();
}
void virtio_disk_intr() {
  disk.intr();
}
uint64_t virtio_disk_capacity() {
  return disk.capacity_blocks();
}
void virtio_disk_rw(DiskBuffer* b, DiskOp op) {
  disk.rw(b, op);
}
void virtio_disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op) {
  disk.rw_many(bufs, n, op);
}

// The disk interface (kernel/dev/disk.h) on RISC-V.
void disk_init() {
  virtio_disk_init();
}
void disk_intr() {
  virtio_disk_intr();
}
uint64_t disk_capacity() {
  return virtio_disk_capacity();
}
void disk_rw(DiskBuffer* b, DiskOp op) {
  virtio_disk_rw(b, op);
}
void disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op) {
  virtio_disk_rw_many(bufs, n, op);
}

}  // namespace pagoda
