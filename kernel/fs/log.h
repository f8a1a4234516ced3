// The write-ahead log: every file-system system call is one transaction, atomic across crashes.
// Concurrent calls are grouped into one commit. xv6: log.c
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

struct superblock;  // kernel/fs.h

namespace pagoda {

struct Buf;

void begin_op();         // start of a file-system call; may sleep until the log has room
void end_op();           // end of it; the last one out commits
void log_write(Buf* b);  // instead of bwrite inside a transaction: record b, keep it cached
// xv6: initlog. Checks the header and replays a committed log; kInvalid (reported on the console,
// nothing written) for a header that cannot be right.
[[nodiscard]] Status log_init(uint32_t dev, const superblock& sb);

// begin_op/end_op for one scope.
class FsTransaction {
 public:
  FsTransaction() { begin_op(); }
  ~FsTransaction() { end_op(); }
  FsTransaction(const FsTransaction&) = delete;
  FsTransaction& operator=(const FsTransaction&) = delete;
};

}  // namespace pagoda
