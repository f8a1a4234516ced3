#include "tools/fslib/builder.h"

#include <algorithm>

#include "tools/fslib/bitmap.h"
#include "tools/fslib/dir.h"
#include "tools/fslib/inode.h"
#include "tools/fslib/inode_type.h"

namespace pagoda::fslib {

namespace {

std::span<const uint8_t> bytes_of(const dirent& de) {
  return {reinterpret_cast<const uint8_t*>(&de), sizeof de};
}

}  // namespace

uint64_t FsBuilder::blocks_for(uint64_t bytes) const {
  return (bytes + format().block_size - 1) / format().block_size;
}

Result<FsBuilder, Failure> FsBuilder::create(const Geometry& g) {
  SuperBlock sb = PAGODA_TRY(SuperBlock::plan(g));
  Image image(*g.format, g.size);
  sb.write(image);
  FsBuilder b(std::move(image), sb);
  uint32_t root = b.alloc_inode(T_DIR);
  if (root != ROOTINO) return fail(Error::kCorrupt, "root inode is not ROOTINO");
  b.append_entry(root, root, ".");
  b.append_entry(root, root, "..");
  return b;
}

Result<uint32_t, Failure> FsBuilder::blocks_to_append(uint64_t size, uint64_t len) const {
  uint64_t before = blocks_for(size);
  uint64_t after = blocks_for(size + len);
  if (after > format().max_file_blocks())
    return fail(Error::kTooBig, std::to_string(size + len) + " bytes exceed MAXFILE (" +
                                    std::to_string(format().max_file_blocks()) + " blocks, " +
                                    std::to_string(format().max_file_bytes()) + " bytes)");
  uint32_t indirect = (before <= NDIRECT && after > NDIRECT) ? 1 : 0;
  return static_cast<uint32_t>(after - before) + indirect;
}

BasicStatus<Failure> FsBuilder::check_entry(uint32_t dir, std::string_view name) const {
  if (!valid_entry_name(name))
    return fail(Error::kInvalid, "name '" + std::string(name) + "' must be 1 to " +
                                     std::to_string(DIRSIZ) + " bytes without '/'");
  if (name == "." || name == "..")
    return fail(Error::kInvalid, "name '" + std::string(name) + "' is reserved");
  Image& image = const_cast<Image&>(image_);  // InodeTable only reads here
  InodeTable inodes(image, sb_);
  if (dir >= inodes.count() || inodes.get(dir).type != T_DIR)
    return fail(Error::kNotDirectory, "inode " + std::to_string(dir) + " is not a directory");
  std::vector<uint8_t> contents = PAGODA_TRY(InodeReader(image_, sb_).read_all(inodes.get(dir)));
  for (const DirEntry& e : parse_directory(contents))
    if (e.name == name) return fail(Error::kExists, "duplicate name '" + std::string(name) + "'");
  return {};
}

BasicStatus<Failure> FsBuilder::reserve(uint32_t inodes, uint32_t blocks) const {
  if (inodes > free_inodes())
    return fail(Error::kNoSpace, "out of inodes (the image has " + std::to_string(sb_.ninodes()) +
                                     " inode numbers, root included; use -i)");
  if (blocks > free_blocks())
    return fail(Error::kNoSpace, "out of data blocks (needs " + std::to_string(blocks) + ", " +
                                     std::to_string(free_blocks()) + " of " +
                                     std::to_string(sb_.raw().nblocks) + " left; use -s)");
  return {};
}

Result<uint32_t, Failure> FsBuilder::add_file(uint32_t dir, std::string_view name,
                                              std::span<const uint8_t> contents) {
  PAGODA_TRY(check_entry(dir, name));
  InodeTable inodes(image_, sb_);
  uint32_t entry_blocks = PAGODA_TRY(blocks_to_append(inodes.get(dir).size, sizeof(dirent)));
  uint32_t data_blocks = PAGODA_TRY(blocks_to_append(0, contents.size()));
  PAGODA_TRY(reserve(1, entry_blocks + data_blocks));
  // xv6 mkfs order: inode, directory entry, then the contents.
  uint32_t inum = alloc_inode(T_FILE);
  append_entry(dir, inum, name);
  append(inum, contents);
  return inum;
}

Result<uint32_t, Failure> FsBuilder::add_directory(uint32_t parent, std::string_view name) {
  PAGODA_TRY(check_entry(parent, name));
  InodeTable inodes(image_, sb_);
  uint32_t entry_blocks = PAGODA_TRY(blocks_to_append(inodes.get(parent).size, sizeof(dirent)));
  PAGODA_TRY(reserve(1, entry_blocks + 1));
  uint32_t inum = alloc_inode(T_DIR);
  append_entry(inum, inum, ".");
  append_entry(inum, parent, "..");
  append_entry(parent, inum, name);
  dinode p = inodes.get(parent);
  p.nlink++;  // the child's ".."
  inodes.put(parent, p);
  return inum;
}

BasicStatus<Failure> FsBuilder::link(uint32_t dir, std::string_view name, uint32_t inum) {
  PAGODA_TRY(check_entry(dir, name));
  InodeTable inodes(image_, sb_);
  if (inum == 0 || inum >= next_inode_)
    return fail(Error::kNotFound, "inode " + std::to_string(inum) + " is not allocated");
  uint32_t entry_blocks = PAGODA_TRY(blocks_to_append(inodes.get(dir).size, sizeof(dirent)));
  PAGODA_TRY(reserve(0, entry_blocks));
  append_entry(dir, inum, name);
  dinode d = inodes.get(inum);
  d.nlink++;
  inodes.put(inum, d);
  return {};
}

Image FsBuilder::finish() && {
  InodeTable inodes(image_, sb_);
  dinode root = inodes.get(ROOTINO);
  uint64_t rounded = blocks_for(root.size) * format().block_size;
  // The blocks up to the rounded size already exist (append allocates whole blocks), zero-filled.
  root.size = static_cast<uint32_t>(rounded);
  inodes.put(ROOTINO, root);
  // xv6 mkfs balloc: every block below the first free one is in use, metadata included.
  Bitmap bitmap(image_, sb_);
  for (uint32_t b = 0; b < next_block_; b++) bitmap.mark_used(b);
  return std::move(image_);
}

uint32_t FsBuilder::alloc_inode(short type) {
  uint32_t inum = next_inode_++;
  dinode d{};
  d.type = type;
  d.nlink = 1;
  InodeTable(image_, sb_).put(inum, d);
  return inum;
}

void FsBuilder::append(uint32_t inum, std::span<const uint8_t> data) {
  InodeTable inodes(image_, sb_);
  dinode d = inodes.get(inum);
  size_t done = 0;
  while (done < data.size()) {
    const uint32_t bs = format().block_size;
    uint32_t fbn = d.size / bs;
    uint32_t block;
    if (fbn < NDIRECT) {
      if (d.addrs[fbn] == 0) d.addrs[fbn] = next_block_++;
      block = d.addrs[fbn];
    } else {
      if (d.addrs[NDIRECT] == 0) d.addrs[NDIRECT] = next_block_++;
      uint32_t slot = (fbn - NDIRECT) * sizeof(uint32_t);
      block = image_.read<uint32_t>(d.addrs[NDIRECT], slot);
      if (block == 0) {
        block = next_block_++;
        image_.write(d.addrs[NDIRECT], slot, block);
      }
    }
    uint32_t off = d.size % bs;
    size_t n = std::min<size_t>(bs - off, data.size() - done);
    std::copy_n(data.begin() + static_cast<ptrdiff_t>(done), n, image_.block(block).begin() + off);
    d.size += static_cast<uint32_t>(n);
    done += n;
  }
  inodes.put(inum, d);
}

void FsBuilder::append_entry(uint32_t dir, uint32_t inum, std::string_view name) {
  append(dir, bytes_of(make_dirent(inum, name)));
}

}  // namespace pagoda::fslib
