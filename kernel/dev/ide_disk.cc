// PIO IDE driver for the disk on the primary ATA channel's second drive (QEMU -drive index=1),
// interrupt-driven: one request at a time on the wire, the rest queued, each caller sleeping until
// its block is done. Commands: ATA/ATAPI-6 (READ/WRITE MULTIPLE, IDENTIFY DEVICE). A block of
// BSIZE bytes is BSIZE/512 sectors. xv6-x86: ide.c. Implements kernel/dev/disk.h on x86.
#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/dev/disk.h"
#include "kernel/dev/disk_buffer.h"
#include "kernel/fs.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait.h"

namespace pagoda {
namespace {

constexpr uint16_t kData = 0x1f0;  // arch::kDiskBase: the command block registers
constexpr uint16_t kSectorCount = 0x1f2;
constexpr uint16_t kLbaLow = 0x1f3;
constexpr uint16_t kLbaMid = 0x1f4;
constexpr uint16_t kLbaHigh = 0x1f5;
constexpr uint16_t kDriveHead = 0x1f6;
constexpr uint16_t kStatusCommand = 0x1f7;
constexpr uint16_t kControl = 0x3f6;  // device control: 0 enables interrupts (nIEN clear)

constexpr uint8_t kStatusBusy = 0x80;
constexpr uint8_t kStatusReady = 0x40;
constexpr uint8_t kStatusFault = 0x20;
constexpr uint8_t kStatusDrq = 0x08;
constexpr uint8_t kStatusError = 0x01;

constexpr uint8_t kCmdReadMultiple = 0xc4;
constexpr uint8_t kCmdWriteMultiple = 0xc5;
constexpr uint8_t kCmdReadSectors = 0x20;
constexpr uint8_t kCmdWriteSectors = 0x30;
constexpr uint8_t kCmdIdentify = 0xec;

constexpr uint8_t kDrive = 1;       // the second drive (slave)
constexpr uint8_t kLbaMode = 0xe0;  // LBA addressing, bits 7 and 5 set
constexpr uint32_t kSectorSize = 512;
constexpr uint32_t kSectorsPerBlock = BSIZE / kSectorSize;
static_assert(BSIZE % kSectorSize == 0);

static_assert(arch::kDiskBase == kData);

struct Request {
  DiskBuffer* b;
  DiskOp op;
};

// Protects the queue and the controller. Callers sleep on their buffer until b->disk clears.
constinit SpinLock g_lock("ide");
constexpr int kQueue = 64;
constinit Request g_queue[kQueue] = {};
constinit int g_head = 0;
constinit int g_count = 0;
constinit uint64_t g_capacity_blocks = 0;

uint8_t wait_ready() {
  uint8_t s;
  while (((s = arch::port_in8(kStatusCommand)) & (kStatusBusy | kStatusReady)) != kStatusReady) {
  }
  return s;
}

// Issue r on the controller (the queue's head). Caller holds g_lock.
void start_locked(const Request& r) {
  const uint32_t sector = r.b->blockno * kSectorsPerBlock;
  wait_ready();
  arch::port_out8(kControl, 0);
  arch::port_out8(kSectorCount, kSectorsPerBlock);
  arch::port_out8(kLbaLow, sector & 0xff);
  arch::port_out8(kLbaMid, (sector >> 8) & 0xff);
  arch::port_out8(kLbaHigh, (sector >> 16) & 0xff);
  arch::port_out8(kDriveHead, kLbaMode | (kDrive << 4) | ((sector >> 24) & 0x0f));
  if (r.op == DiskOp::kWrite) {
    arch::port_out8(kStatusCommand, kSectorsPerBlock == 1 ? kCmdWriteSectors : kCmdWriteMultiple);
    while ((arch::port_in8(kStatusCommand) & (kStatusBusy | kStatusDrq)) != kStatusDrq) {
    }
    arch::port_out32s(kData, r.b->data, BSIZE / 4);
  } else {
    arch::port_out8(kStatusCommand, kSectorsPerBlock == 1 ? kCmdReadSectors : kCmdReadMultiple);
  }
}

void enqueue_locked(DiskBuffer* b, DiskOp op) {
  if (g_count == kQueue) panic("ide: queue full");
  b->disk = true;
  g_queue[(g_head + g_count) % kQueue] = {b, op};
  g_count += 1;
  if (g_count == 1) start_locked(g_queue[g_head]);
}

}  // namespace

void disk_init() {
  // Select drive 1 and see whether it answers: a missing drive reads status 0 (or 0xff).
  arch::port_out8(kDriveHead, kLbaMode | (kDrive << 4));
  bool present = false;
  for (int i = 0; i < 1000 && !present; ++i) {
    const uint8_t s = arch::port_in8(kStatusCommand);
    present = s != 0 && s != 0xff;
  }
  if (!present) panic("ide: no disk on the primary channel's second drive (-drive ...,index=1)");
  wait_ready();
  arch::port_out8(kStatusCommand, kCmdIdentify);
  uint8_t s;
  while (((s = arch::port_in8(kStatusCommand)) & kStatusBusy) != 0) {
  }
  if ((s & (kStatusError | kStatusDrq)) != kStatusDrq)
    panic("ide: IDENTIFY DEVICE failed (0x%x)", s);
  uint16_t id[256];
  arch::port_in32s(kData, id, sizeof(id) / 4);
  // Words 60-61: the number of sectors addressable with 28-bit LBA.
  const uint32_t sectors = uint32_t{id[60]} | (uint32_t{id[61]} << 16);
  g_capacity_blocks = sectors / kSectorsPerBlock;
}

uint64_t disk_capacity() {
  return g_capacity_blocks;
}

void disk_intr() {
  SpinLockGuard guard(g_lock);
  const uint8_t s = arch::port_in8(kStatusCommand);  // also acknowledges the interrupt
  if (g_count == 0) return;                          // spurious
  Request& r = g_queue[g_head];
  if ((s & (kStatusFault | kStatusError)) != 0)
    panic("ide: block %u failed (status 0x%x)", r.b->blockno, s);
  if (r.op == DiskOp::kRead) {
    if ((s & kStatusDrq) == 0) return;  // not ready yet
    arch::port_in32s(kData, r.b->data, BSIZE / 4);
  }
  r.b->disk = false;
  wakeup(r.b);
  g_head = (g_head + 1) % kQueue;
  g_count -= 1;
  if (g_count > 0) start_locked(g_queue[g_head]);
}

void disk_rw(DiskBuffer* b, DiskOp op) {
  SpinLockGuard guard(g_lock);
  enqueue_locked(b, op);
  while (b->disk) sleep(b, g_lock);
}

void disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op) {
  SpinLockGuard guard(g_lock);
  for (int i = 0; i < n; ++i) enqueue_locked(bufs[i], op);
  for (int i = 0; i < n; ++i) {
    while (bufs[i]->disk) sleep(bufs[i], g_lock);
  }
}

}  // namespace pagoda
