// Directory contents: a sequence of 16-byte dirents; inum 0 marks a free slot.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/fs.h"

namespace pagoda::fslib {

struct DirEntry {
  uint32_t offset;  // byte offset in the directory
  uint32_t inum;
  std::string name;  // up to DIRSIZ bytes; not NUL-terminated on disk when exactly DIRSIZ
};

// The used entries (inum != 0) of a directory's contents; a trailing partial entry is ignored.
std::vector<DirEntry> parse_directory(std::span<const uint8_t> contents);

// An on-disk entry; name must be at most DIRSIZ bytes (checked by the caller).
dirent make_dirent(uint32_t inum, std::string_view name);

// Whether `name` can be stored in a directory entry: 1..DIRSIZ bytes, no '/' or NUL.
bool valid_entry_name(std::string_view name);

}  // namespace pagoda::fslib
