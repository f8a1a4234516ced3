#include "tools/fslib/superblock.h"

#include <cstdio>

namespace pagoda::fslib {

namespace {

uint64_t div_round_up(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#x", v);
  return buf;
}

}  // namespace

Result<SuperBlock, Failure> SuperBlock::plan(const Geometry& g) {
  const FsFormat& f = *g.format;
  if (g.ninodes < 2 || g.ninodes > kMaxInodes)
    return fail(Error::kInvalid, "inode count " + std::to_string(g.ninodes) + " must be in [2, " +
                                     std::to_string(kMaxInodes) + "]");
  // The header holds at most LOGSIZE block numbers; the log needs a header and one block.
  if (g.nlog < 2 || g.nlog > LOGSIZE + 1)
    return fail(Error::kInvalid, "log size " + std::to_string(g.nlog) + " must be in [2, " +
                                     std::to_string(LOGSIZE + 1) + "]");
  // xv6 mkfs: nbitmap = FSSIZE/(BSIZE*8) + 1, ninodeblocks = NINODES / IPB + 1.
  uint64_t nbitmap = g.size / f.bits_per_block() + 1;
  uint64_t ninodeblocks = g.ninodes / f.inodes_per_block() + 1;
  uint64_t nmeta = 2 + uint64_t{g.nlog} + ninodeblocks + nbitmap;
  // The root directory needs at least one data block.
  if (g.size <= nmeta)
    return fail(Error::kInvalid, "size " + std::to_string(g.size) +
                                     " blocks leaves no data blocks (metadata takes " +
                                     std::to_string(nmeta) + ")");
  superblock sb{};
  sb.magic = f.has_magic ? FSMAGIC : 0;
  sb.size = g.size;
  sb.nblocks = static_cast<uint32_t>(g.size - nmeta);
  sb.ninodes = g.ninodes;
  sb.nlog = g.nlog;
  sb.logstart = 2;
  sb.inodestart = 2 + g.nlog;
  sb.bmapstart = static_cast<uint32_t>(2 + g.nlog + ninodeblocks);
  return SuperBlock(f, sb);
}

std::vector<std::string> SuperBlock::problems(uint64_t image_blocks) const {
  std::vector<std::string> out;
  auto bad = [&](const std::string& what) { out.push_back("superblock: " + what); };
  if (format_->has_magic && raw_.magic != FSMAGIC) {
    bad("bad magic " + hex(raw_.magic) + " (want " + hex(FSMAGIC) + ")");
    return out;  // not a Pagoda/xv6 file system: the other fields mean nothing
  }
  if (raw_.size > image_blocks)
    bad("size " + std::to_string(raw_.size) + " blocks but the image has " +
        std::to_string(image_blocks));
  if (raw_.nblocks >= raw_.size) {
    bad("nblocks " + std::to_string(raw_.nblocks) + " leaves no room for metadata in size " +
        std::to_string(raw_.size));
    return out;
  }
  if (raw_.ninodes < 2 || raw_.ninodes > kMaxInodes)
    bad("ninodes " + std::to_string(raw_.ninodes) + " out of range [2, " +
        std::to_string(kMaxInodes) + "]");
  if (raw_.nlog < 2) bad("nlog " + std::to_string(raw_.nlog) + " is too small for a log");
  if (raw_.logstart < 2)
    bad("logstart " + std::to_string(raw_.logstart) + " overlaps the superblock");
  // Each region must start after the previous one ends (64-bit sums: no wrap-around).
  uint64_t log_end = uint64_t{raw_.logstart} + raw_.nlog;
  uint64_t inode_end =
      uint64_t{raw_.inodestart} + div_round_up(raw_.ninodes, format_->inodes_per_block());
  uint64_t bitmap_end =
      uint64_t{raw_.bmapstart} + div_round_up(raw_.size, format_->bits_per_block());
  if (raw_.inodestart < log_end)
    bad("inodestart " + std::to_string(raw_.inodestart) + " overlaps the log (ends at " +
        std::to_string(log_end) + ")");
  if (raw_.bmapstart < inode_end)
    bad("bmapstart " + std::to_string(raw_.bmapstart) + " overlaps the inodes (end at " +
        std::to_string(inode_end) + ")");
  if (data_start() < bitmap_end)
    bad("data start " + std::to_string(data_start()) +
        " (size - nblocks) overlaps the bitmap (ends at " + std::to_string(bitmap_end) + ")");
  // Without a magic number the layout itself must be mkfs's (kernel/fs/format.h).
  if (out.empty())
    if (const char* gap = layout_problem(*format_, raw_))
      bad(std::string(gap) + " (no magic number: the layout must be mkfs's)");
  return out;
}

const FsFormat* detect_format(const std::vector<uint8_t>& bytes) {
  for (const FsFormat* f : kFsFormats) {
    if (bytes.size() < 2 * uint64_t{f->block_size}) continue;
    superblock raw = decode_superblock(*f, bytes.data() + f->block_size);
    if (f->has_magic ? raw.magic == FSMAGIC
                     : SuperBlock(*f, raw).problems(bytes.size() / f->block_size).empty())
      return f;
  }
  return nullptr;
}

}  // namespace pagoda::fslib
