// fsck: check an xv6-format image without changing it.
//   fsck [--format=xv6-riscv|xv6-x86] IMAGE
// Without --format the format is detected: xv6-riscv if block 1 (1024-byte blocks) starts with
// FSMAGIC, else xv6-x86 if block 1 (512-byte blocks) holds a superblock of sound geometry.
// Prints one line per inconsistency on stdout (a pending log is applied in memory first and
// noted). Exit status: 0 clean, 1 inconsistent, 2 usage or I/O error.
//
// What it checks, in order:
//   superblock   magic (xv6-riscv), regions in order and inside the image, and for xv6-x86 (no
//                magic) the regions adjacent as mkfs lays them out; if not, nothing else is checked
//   log          header count and home blocks in range; a committed log is replayed in memory
//   inodes       type, size <= MAXFILE, no missing block under the size, every pointer (direct,
//                indirect, indirect entries) inside the data area, no block claimed twice
//   bitmap       metadata and claimed blocks marked in use, every other block free
//   directories  size a multiple of 16, exactly one "." (naming itself) and one "..", entries
//                name allocated inodes inside the table
//   tree         everything allocated reachable from the root, one parent per directory,
//                ".." naming that parent (the root's naming itself)
//   link counts  nlink == directory entries naming the inode, ".." counted and "." not (xv6 mkdir)
#include <cstdio>
#include <string_view>

#include "tools/fsck/checker.h"
#include "tools/fslib/image.h"
#include "tools/fslib/superblock.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: fsck [--format=xv6-riscv|xv6-x86] IMAGE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using pagoda::FsFormat;
  constexpr std::string_view kFormatFlag = "--format=";
  const FsFormat* format = nullptr;  // detect
  int arg = 1;
  if (arg < argc && std::string_view(argv[arg]).starts_with(kFormatFlag)) {
    std::string_view name = std::string_view(argv[arg]).substr(kFormatFlag.size());
    for (const FsFormat* f : pagoda::kFsFormats)
      if (name == f->name) format = f;
    if (format == nullptr) {
      std::fprintf(stderr, "fsck: --format: unknown format '%s'\n", std::string(name).c_str());
      return usage();
    }
    arg++;
  }
  if (argc != arg + 1 || argv[arg][0] == '-') return usage();
  const char* path = argv[arg];
  auto bytes = pagoda::fslib::Image::read_bytes(path);
  if (!bytes) {
    std::fprintf(stderr, "fsck: %s\n", bytes.error().message.c_str());
    return 2;
  }
  bool detected = format == nullptr;
  if (detected) format = pagoda::fslib::detect_format(*bytes);
  if (format == nullptr) {
    // Neither format fits: say why for each.
    std::printf("no file system of a known format:\n");
    for (const FsFormat* f : pagoda::kFsFormats) {
      pagoda::fsck::Report r = pagoda::fsck::check(pagoda::fslib::Image::from_bytes(*bytes, *f));
      for (const std::string& line : r.problems) std::printf("%s: %s\n", f->name, line.c_str());
    }
    std::fprintf(stderr, "fsck: %s: no xv6-riscv or xv6-x86 superblock\n", path);
    return 1;
  }
  if (detected) std::fprintf(stderr, "fsck: %s: format %s (detected)\n", path, format->name);
  pagoda::fsck::Report report =
      pagoda::fsck::check(pagoda::fslib::Image::from_bytes(std::move(*bytes), *format));
  for (const std::string& note : report.notes) std::printf("%s\n", note.c_str());
  for (const std::string& line : report.problems) std::printf("%s\n", line.c_str());
  if (report.clean()) {
    std::fprintf(stderr, "fsck: %s: clean\n", path);
    return 0;
  }
  std::fprintf(stderr, "fsck: %s: %zu inconsistencies\n", path, report.problems.size());
  return 1;
}
