#include "tools/fsck/checker.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "kernel/fs.h"
#include "tools/fslib/bitmap.h"
#include "tools/fslib/dir.h"
#include "tools/fslib/inode.h"
#include "tools/fslib/inode_type.h"
#include "tools/fslib/log.h"
#include "tools/fslib/superblock.h"

namespace pagoda::fsck {

namespace {

using fslib::BlockPointer;
using fslib::DirEntry;
using fslib::Image;
using fslib::InodeReader;
using fslib::InodeTable;
using fslib::SuperBlock;

std::string str(uint64_t v) {
  return std::to_string(v);
}

// Who holds a pointer to a block.
struct Claim {
  uint32_t inum;
  BlockPointer pointer;
};

// What the directory pass learns about one directory.
struct DirInfo {
  std::vector<uint32_t> children;  // inodes named by entries other than "." and ".."
  std::optional<uint32_t> dotdot;  // what ".." names
};

// One pass over the image; each check_* method adds its findings to the report.
class Checker {
 public:
  Checker(Image image, Report& report)
      : image_(std::move(image)),
        sb_(image_.format(), superblock{}),
        bs_(image_.format().block_size),
        max_blocks_(image_.format().max_file_blocks()),
        report_(report) {}

  void run() {
    if (!check_superblock()) return;
    replay_log();
    scan_inodes();
    check_bitmap();
    scan_directories();
    check_tree();
    check_link_counts();
  }

 private:
  void problem(std::string line) { report_.problems.push_back(std::move(line)); }

  // Whether the rest of the checks can trust the layout.
  bool check_superblock() {
    if (image_.trailing_bytes() != 0)
      problem("image: " + str(image_.trailing_bytes()) + " bytes after the last whole block");
    if (image_.block_count() < 2) {
      problem("superblock: image of " + str(image_.block_count()) + " blocks has no superblock");
      return false;
    }
    sb_ = SuperBlock::read(image_);
    std::vector<std::string> bad = sb_.problems(image_.block_count());
    for (std::string& line : bad) problem(std::move(line));
    if (!bad.empty()) return false;
    inodes_.emplace(image_, sb_);
    reader_.emplace(image_, sb_);
    uint32_t n = sb_.ninodes();
    type_.assign(n, 0);
    links_.assign(n, 0);
    dirs_.assign(n, DirInfo{});
    parent_.assign(n, std::nullopt);
    reachable_.assign(n, false);
    claims_.assign(sb_.size(), std::nullopt);
    return true;
  }

  // A committed but uninstalled transaction is normal after a crash: check what mounting yields.
  void replay_log() {
    fslib::Log log(image_, sb_);
    auto homes = log.pending();
    if (!homes) {
      problem(homes.error().message);
      return;
    }
    if (homes->empty()) return;
    report_.notes.push_back("log has " + str(homes->size()) + " blocks to replay");
    log.replay(*homes);
  }

  void scan_inodes() {
    for (uint32_t inum = 0; inum < sb_.ninodes(); inum++) {
      dinode d = inodes_->get(inum);
      if (d.type == 0) continue;
      std::string who = "inode " + str(inum);
      if (inum == 0) {
        problem(who + ": allocated (type " + std::to_string(d.type) +
                ") but inode 0 is never used");
        continue;
      }
      if (d.type != T_DIR && d.type != T_FILE && d.type != T_DEVICE) {
        problem(who + ": bad type " + std::to_string(d.type));
        continue;
      }
      type_[inum] = d.type;
      for (const BlockPointer& p : reader_->pointers(d)) {
        if (!reader_->is_data_block(p.block)) {
          problem(who + ": " + p.describe() + " = " + str(p.block) +
                  " is outside the data blocks [" + str(sb_.data_start()) + ", " + str(sb_.size()) +
                  ")");
          continue;
        }
        std::optional<Claim>& owner = claims_[p.block];
        if (owner)
          problem("block " + str(p.block) + ": claimed twice, by inode " + str(owner->inum) + " " +
                  owner->pointer.describe() + " and inode " + str(inum) + " " + p.describe());
        else
          owner = Claim{inum, p};
      }
      uint64_t nblocks = (uint64_t{d.size} + bs_ - 1) / bs_;
      if (nblocks > max_blocks_) {
        problem(who + ": size " + str(d.size) + " exceeds MAXFILE (" +
                str(image_.format().max_file_bytes()) + " bytes)");
        nblocks = max_blocks_;
      }
      std::vector<uint32_t> map = reader_->block_map(d, static_cast<uint32_t>(nblocks));
      for (uint32_t i = 0; i < map.size(); i++)
        if (map[i] == 0) {
          problem(who + ": size " + str(d.size) + " but file block " + str(i) +
                  " has no disk block");
          break;
        }
    }
  }

  // Every block below the data area is metadata and in use; a data block is in use exactly when
  // an inode points to it.
  void check_bitmap() {
    fslib::Bitmap bitmap(image_, sb_);
    for (uint32_t b = 0; b < sb_.size(); b++) {
      bool used = b < sb_.data_start() || claims_[b].has_value();
      bool marked = bitmap.in_use(b);
      if (used && !marked) {
        std::string what =
            b < sb_.data_start() ? "metadata" : "used by inode " + str(claims_[b]->inum);
        problem("block " + str(b) + ": " + what + " but free in the bitmap");
      } else if (!used && marked) {
        problem("block " + str(b) + ": marked in use in the bitmap but no inode uses it");
      }
    }
  }

  // Directory contents, reading only the blocks that are data blocks (others were reported).
  std::vector<uint8_t> contents(const dinode& d) const {
    uint32_t nblocks =
        static_cast<uint32_t>(std::min<uint64_t>((uint64_t{d.size} + bs_ - 1) / bs_, max_blocks_));
    uint64_t size = std::min<uint64_t>(d.size, uint64_t{nblocks} * bs_);
    std::vector<uint8_t> out(size, 0);
    std::vector<uint32_t> map = reader_->block_map(d, nblocks);
    for (uint32_t i = 0; i < nblocks; i++) {
      if (!reader_->is_data_block(map[i])) continue;
      fslib::ConstBlock blk = std::as_const(image_).block(map[i]);
      uint64_t off = uint64_t{i} * bs_;
      std::copy_n(blk.begin(), std::min<uint64_t>(bs_, size - off),
                  out.begin() + static_cast<ptrdiff_t>(off));
    }
    return out;
  }

  void scan_directories() {
    for (uint32_t inum = 1; inum < sb_.ninodes(); inum++) {
      if (type_[inum] != T_DIR) continue;
      std::string who = "directory " + str(inum);
      dinode d = inodes_->get(inum);
      if (d.size % sizeof(dirent) != 0)
        problem(who + ": size " + str(d.size) + " is not a multiple of " + str(sizeof(dirent)));
      int dots = 0;
      int dotdots = 0;
      std::set<std::string> seen;  // lookups find only the first of two entries of one name
      for (const DirEntry& e : fslib::parse_directory(contents(d))) {
        std::string entry = who + ": entry '" + e.name + "' (offset " + str(e.offset) + ")";
        if (e.name.empty()) problem(entry + " has an empty name");
        if (!seen.insert(e.name).second && e.name != "." && e.name != "..") {
          problem(entry + " repeats a name already in the directory");
        }
        if (e.inum >= sb_.ninodes()) {
          problem(entry + " names inode " + str(e.inum) + ", beyond ninodes " + str(sb_.ninodes()));
          continue;
        }
        if (type_[e.inum] == 0) {
          problem(entry + " names free inode " + str(e.inum));
          continue;
        }
        if (e.name == ".") {
          dots++;
          if (e.inum != inum) problem(entry + " names inode " + str(e.inum) + ", not itself");
          continue;  // "." is not counted in nlink (xv6 mkdir)
        }
        links_[e.inum]++;
        if (e.name == "..") {
          dotdots++;
          dirs_[inum].dotdot = e.inum;
        } else {
          dirs_[inum].children.push_back(e.inum);
        }
      }
      if (dots != 1)
        problem(who + (dots == 0 ? ": no '.' entry" : ": " + str(dots) + " '.' entries"));
      if (dotdots != 1)
        problem(who + (dotdots == 0 ? ": no '..' entry" : ": " + str(dotdots) + " '..' entries"));
    }
  }

  // Walks the tree from the root: reachability, one parent per directory, ".." names the parent.
  void check_tree() {
    if (sb_.ninodes() <= ROOTINO || type_[ROOTINO] != T_DIR) {
      problem("inode " + str(ROOTINO) + ": the root is not a directory");
      return;
    }
    parent_[ROOTINO] = ROOTINO;  // the root's ".." names itself
    reachable_[ROOTINO] = true;
    std::deque<uint32_t> queue{ROOTINO};
    while (!queue.empty()) {
      uint32_t dir = queue.front();
      queue.pop_front();
      for (uint32_t child : dirs_[dir].children) {
        if (type_[child] == T_DIR) {
          if (parent_[child]) {
            problem("directory " + str(child) + ": has more than one parent (directories " +
                    str(*parent_[child]) + " and " + str(dir) + ")");
            continue;
          }
          parent_[child] = dir;
          queue.push_back(child);
        }
        reachable_[child] = true;
      }
    }
    for (uint32_t inum = 1; inum < sb_.ninodes(); inum++) {
      if (type_[inum] == 0) continue;
      if (!reachable_[inum]) {
        problem("inode " + str(inum) + ": allocated but not reachable from the root");
        continue;
      }
      const std::optional<uint32_t>& dotdot = dirs_[inum].dotdot;
      if (type_[inum] == T_DIR && dotdot && parent_[inum] && *dotdot != *parent_[inum])
        problem("directory " + str(inum) + ": '..' names inode " + str(*dotdot) +
                " but its parent is " + str(*parent_[inum]));
    }
  }

  // nlink counts the directory entries naming an inode, ".." included and "." not (xv6 mkdir:
  // a new directory has nlink 1 and its parent gains one).
  void check_link_counts() {
    for (uint32_t inum = 1; inum < sb_.ninodes(); inum++) {
      if (type_[inum] == 0) continue;
      dinode d = inodes_->get(inum);
      if (d.nlink < 0 || static_cast<uint32_t>(d.nlink) != links_[inum])
        problem("inode " + str(inum) + ": nlink " + std::to_string(d.nlink) + " but " +
                str(links_[inum]) + " directory entries name it");
    }
  }

  Image image_;
  SuperBlock sb_;
  const uint32_t bs_;          // block size
  const uint32_t max_blocks_;  // MAXFILE
  Report& report_;
  std::optional<InodeTable> inodes_;
  std::optional<InodeReader> reader_;
  std::vector<short> type_;      // 0 for free (or unusable) inodes
  std::vector<uint32_t> links_;  // entries naming each inode
  std::vector<DirInfo> dirs_;
  std::vector<std::optional<uint32_t>> parent_;
  std::vector<bool> reachable_;
  std::vector<std::optional<Claim>> claims_;  // first claimant of each block
};

}  // namespace

Report check(Image image) {
  Report report;
  Checker(std::move(image), report).run();
  return report;
}

}  // namespace pagoda::fsck
