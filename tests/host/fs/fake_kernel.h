// A fake kernel core and disk for running kernel/fs on the host: one process, user memory in an
// arena, system-call arguments set by the test, and a disk in memory that logs each block written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/fslib/image.h"

namespace pagoda::fstest {

// User memory: addresses kUserBase .. kUserBase + kUserSize; everything else is a bad address.
constexpr uint64_t kUserBase = 0x10000;
constexpr uint64_t kUserSize = 1 << 20;
uint8_t* user_ptr(uint64_t uaddr);  // host pointer for a valid user address

// Arguments of the next system call (a0..a5).
void set_args(std::initializer_list<uint64_t> args);

struct DiskWrite {
  uint32_t blockno;
  std::vector<uint8_t> data;
};

// The disk: an image, and every block write since it was attached.
void attach_disk(fslib::Image image);
fslib::Image& disk();
const std::vector<DiskWrite>& disk_writes();
uint64_t disk_reads();

// Every kprintf since the last clear, one string per call.
std::vector<std::string>& console();

}  // namespace pagoda::fstest
