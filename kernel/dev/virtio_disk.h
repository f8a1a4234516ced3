// The virtio-blk driver (virtio-mmio modern transport at VIRTIO0, IRQ 1). xv6: virtio_disk.c
#pragma once

#include <cstdint>

#include "kernel/dev/disk.h"

namespace pagoda {

// DiskBuffer and DiskOp: kernel/dev/disk.h, whose disk_* functions this driver implements.

void virtio_disk_init();  // hart 0, before the first process; panics if no disk (a setup bug)
void virtio_disk_intr();  // IRQ 1, called by the kernel core's device-interrupt dispatch
uint64_t virtio_disk_capacity();  // the disk size in BSIZE blocks (after init)

// Reads or writes b->data from/to block b->blockno and sleeps until the device is done.
// The caller holds the buffer (the cache's Buf::lock). Several callers may have requests in flight
// at once.
void virtio_disk_rw(DiskBuffer* b, DiskOp op);

// The same for n locked buffers at once: all requests are in flight together (the log's commit
// writes its blocks this way); returns when every one is done.
void virtio_disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op);

}  // namespace pagoda
