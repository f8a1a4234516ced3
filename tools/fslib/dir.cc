#include "tools/fslib/dir.h"

#include <cstring>

namespace pagoda::fslib {

std::vector<DirEntry> parse_directory(std::span<const uint8_t> contents) {
  std::vector<DirEntry> out;
  for (size_t off = 0; off + sizeof(dirent) <= contents.size(); off += sizeof(dirent)) {
    dirent de;
    std::memcpy(&de, contents.data() + off, sizeof de);
    if (de.inum == 0) continue;
    out.push_back(
        {static_cast<uint32_t>(off), de.inum, std::string(de.name, strnlen(de.name, DIRSIZ))});
  }
  return out;
}

dirent make_dirent(uint32_t inum, std::string_view name) {
  dirent de{};
  de.inum = static_cast<ushort>(inum);
  std::memcpy(de.name, name.data(), std::min<size_t>(name.size(), DIRSIZ));
  return de;
}

bool valid_entry_name(std::string_view name) {
  return !name.empty() && name.size() <= DIRSIZ && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace pagoda::fslib
