// fsck: check an xv6-format image without changing it.
//   fsck IMAGE
// Prints one line per inconsistency on stdout (a pending log is applied in memory first and
// noted). Exit status: 0 clean, 1 inconsistent, 2 usage or I/O error.
//
// What it checks, in order:
//   superblock   magic, regions in order and inside the image (if not, nothing else is checked)
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

#include "tools/fsck/checker.h"
#include "tools/fslib/image.h"

int main(int argc, char** argv) {
  if (argc != 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: fsck IMAGE\n");
    return 2;
  }
  auto image = pagoda::fslib::Image::load(argv[1]);
  if (!image) {
    std::fprintf(stderr, "fsck: %s\n", image.error().message.c_str());
    return 2;
  }
  pagoda::fsck::Report report = pagoda::fsck::check(std::move(*image));
  for (const std::string& note : report.notes) std::printf("%s\n", note.c_str());
  for (const std::string& line : report.problems) std::printf("%s\n", line.c_str());
  if (report.clean()) {
    std::fprintf(stderr, "fsck: %s: clean\n", argv[1]);
    return 0;
  }
  std::fprintf(stderr, "fsck: %s: %zu inconsistencies\n", argv[1], report.problems.size());
  return 1;
}
