// The on-disk log: a header block at sb.logstart (n, then the home block number of each logged
// block) followed by the logged copies. A non-zero n means a transaction committed but was not yet
// installed; mounting replays it. xv6: log.c read_head/install_trans.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/fslib/failure.h"
#include "tools/fslib/image.h"
#include "tools/fslib/superblock.h"

namespace pagoda::fslib {

class Log {
 public:
  // The superblock must be sound.
  Log(Image& image, const SuperBlock& sb) : image_(image), sb_(sb) {}

  // Home blocks of the committed transaction (empty if none), or why the header is corrupt
  // (count beyond the log, a home block outside [end of log, size)).
  Result<std::vector<uint32_t>, Failure> pending() const;

  // Copies each logged block to its home location and clears the header, in memory.
  void replay(const std::vector<uint32_t>& homes);

  // Writes a committed transaction: copies of `homes` taken from `contents` into the log blocks
  // and the header. For tests that simulate a crash after commit.
  void commit(const std::vector<uint32_t>& homes,
              const std::vector<std::vector<uint8_t>>& contents);

 private:
  uint32_t capacity() const;

  Image& image_;
  SuperBlock sb_;
};

}  // namespace pagoda::fslib
