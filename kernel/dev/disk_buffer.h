// A block as the disk driver sees it: the buffer cache's Buf (kernel/fs/buf.h) extends it, so the
// driver does not depend on the file system.
#pragma once

#include <cstdint>

#include "kernel/fs.h"

namespace pagoda {

struct DiskBuffer {
  constexpr DiskBuffer() = default;

  bool disk = false;  // owned by the disk driver until its request completes
  uint32_t blockno = 0;
  alignas(16) uint8_t data[BSIZE]{};
};

}  // namespace pagoda
