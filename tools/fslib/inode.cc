#include "tools/fslib/inode.h"

#include <algorithm>
#include <stdexcept>

namespace pagoda::fslib {

uint32_t InodeTable::offset(uint32_t inum) const {
  if (inum >= count()) throw std::out_of_range("inode " + std::to_string(inum) + " out of range");
  return (inum % sb_.format().inodes_per_block()) * sizeof(dinode);
}

dinode InodeTable::get(uint32_t inum) const {
  return image_.read<dinode>(sb_.inode_block(inum), offset(inum));
}

void InodeTable::put(uint32_t inum, const dinode& d) {
  image_.write(sb_.inode_block(inum), offset(inum), d);
}

std::string BlockPointer::describe() const {
  switch (kind) {
    case Kind::kDirect:
      return "addrs[" + std::to_string(index) + "]";
    case Kind::kIndirectBlock:
      return "addrs[" + std::to_string(NDIRECT) + "] (indirect block)";
    case Kind::kIndirectEntry:
      return "indirect[" + std::to_string(index) + "]";
  }
  return "?";
}

std::vector<BlockPointer> InodeReader::pointers(const dinode& d) const {
  std::vector<BlockPointer> out;
  for (uint32_t i = 0; i < NDIRECT; i++)
    if (d.addrs[i] != 0) out.push_back({BlockPointer::Kind::kDirect, i, d.addrs[i]});
  uint32_t ind = d.addrs[NDIRECT];
  if (ind == 0) return out;
  out.push_back({BlockPointer::Kind::kIndirectBlock, NDIRECT, ind});
  if (!is_data_block(ind)) return out;
  for (uint32_t i = 0; i < sb_.format().indirect_entries(); i++) {
    uint32_t b = image_.read<uint32_t>(ind, i * sizeof(uint32_t));
    if (b != 0) out.push_back({BlockPointer::Kind::kIndirectEntry, i, b});
  }
  return out;
}

std::vector<uint32_t> InodeReader::block_map(const dinode& d, uint32_t n) const {
  n = std::min(n, sb_.format().max_file_blocks());
  std::vector<uint32_t> map(n, 0);
  for (uint32_t i = 0; i < n && i < NDIRECT; i++) map[i] = d.addrs[i];
  uint32_t ind = d.addrs[NDIRECT];
  if (n > NDIRECT && is_data_block(ind))
    for (uint32_t i = NDIRECT; i < n; i++)
      map[i] = image_.read<uint32_t>(ind, (i - NDIRECT) * sizeof(uint32_t));
  return map;
}

Result<std::vector<uint8_t>, Failure> InodeReader::read_all(const dinode& d) const {
  const uint32_t bs = sb_.format().block_size;
  uint64_t nblocks = (uint64_t{d.size} + bs - 1) / bs;
  if (nblocks > sb_.format().max_file_blocks())
    return fail(Error::kCorrupt, "size " + std::to_string(d.size) + " exceeds MAXFILE blocks");
  std::vector<uint32_t> map = block_map(d, static_cast<uint32_t>(nblocks));
  std::vector<uint8_t> out;
  out.reserve(d.size);
  for (uint32_t i = 0; i < map.size(); i++) {
    if (!is_data_block(map[i]))
      return fail(Error::kCorrupt, "file block " + std::to_string(i) + " is at block " +
                                       std::to_string(map[i]) + ", not a data block");
    ConstBlock blk = image_.block(map[i]);
    size_t len = std::min<size_t>(bs, d.size - out.size());
    out.insert(out.end(), blk.begin(), blk.begin() + static_cast<ptrdiff_t>(len));
  }
  return out;
}

}  // namespace pagoda::fslib
