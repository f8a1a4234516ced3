// The disk the file system lives on, whichever driver serves it: virtio-blk on RISC-V
// (virtio_disk.cc), PIO IDE on x86 (ide_disk.cc). The build links one of them.
#pragma once

#include <cstdint>

namespace pagoda {

struct DiskBuffer;  // kernel/dev/disk_buffer.h
enum class DiskOp : bool { kRead, kWrite };

void disk_init();          // boot CPU, before the first process; panics if there is no disk
void disk_intr();          // the disk's interrupt, from the kernel's device dispatch
uint64_t disk_capacity();  // the disk size in BSIZE blocks (after init)
// Reads or writes b->data from/to block b->blockno and sleeps until the device is done. The caller
// holds the buffer (the cache's Buf::lock).
void disk_rw(DiskBuffer* b, DiskOp op);
// The same for n locked buffers at once; returns when every one is done.
void disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op);

}  // namespace pagoda
