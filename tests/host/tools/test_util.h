// Helpers for the tools' tests: the per-format fixture, a scratch directory, files, running the
// binaries, and a reader of raw image bytes written from kernel/fs.h and the format's block size
// and magic alone (not fslib), so the mkfs tests do not share fslib's bugs.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "kernel/fs.h"
#include "kernel/fs/format.h"
#include "tools/fslib/inode_type.h"
#include "tools/fslib/superblock.h"

namespace pagoda::tools_test {

namespace fs = std::filesystem;

// Every tools test runs once per on-disk format (TEST_P; PAGODA_FOR_EACH_FORMAT instantiates).
class FormatTest : public ::testing::TestWithParam<const FsFormat*> {
 protected:
  static const FsFormat& fmt() { return *GetParam(); }
  static uint32_t bs() { return fmt().block_size; }
  static uint32_t maxfile() { return fmt().max_file_blocks(); }
  static fslib::Geometry defaults() { return fslib::Geometry::defaults(fmt()); }
  static fslib::Geometry geometry(uint32_t size, uint32_t ninodes, uint32_t nlog = LOGSIZE) {
    return {.format = &fmt(), .size = size, .ninodes = ninodes, .nlog = nlog};
  }
  // mkfs's flag for this format.
  static std::string format_flag() { return std::string("--format=") + fmt().name; }
  // Metadata blocks xv6 mkfs lays out for a geometry: boot, super, log, inodes, bitmap.
  static uint32_t metadata_blocks(uint32_t size, uint32_t ninodes, uint32_t nlog = LOGSIZE) {
    return 2 + nlog + ninodes / fmt().inodes_per_block() + 1 + size / fmt().bits_per_block() + 1;
  }
};

inline std::string format_test_name(const ::testing::TestParamInfo<const FsFormat*>& info) {
  std::string name = info.param->name;
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

#define PAGODA_FOR_EACH_FORMAT(suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Formats, suite, ::testing::ValuesIn(::pagoda::kFsFormats), \
                           ::pagoda::tools_test::format_test_name)

// A private directory removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pagoda-tools-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

inline void write_file(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct RunResult {
  int status = -1;  // exit status, -1 if it did not exit normally
  std::string out;  // stdout
};

// Runs argv[0] with the arguments (no shell), stdout captured, stderr discarded.
inline RunResult run(const std::vector<std::string>& args) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    std::FILE* devnull = std::fopen("/dev/null", "w");
    if (devnull) ::dup2(fileno(devnull), 2);
    ::close(pipefd[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  RunResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  return r;
}

// Reads an xv6 image straight from its bytes, following kernel/fs.h and two facts of the format:
// the block size, and whether the superblock starts with a magic number (else magic reads 0).
class RawImage {
 public:
  RawImage(std::vector<uint8_t> bytes, const FsFormat& f)
      : bytes_(std::move(bytes)), bsize_(f.block_size) {
    uint32_t w[8] = {};
    for (uint32_t i = 0; i < (f.has_magic ? 8u : 7u); i++)
      w[(f.has_magic ? 0 : 1) + i] = word(1, i);
    sb_ = superblock{w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
  }
  const superblock& sb() const { return sb_; }
  size_t blocks() const { return bytes_.size() / bsize_; }
  uint32_t block_size() const { return bsize_; }

  uint32_t word(uint32_t block, uint32_t index) const {
    uint32_t v;
    std::memcpy(&v, &bytes_.at(size_t{block} * bsize_ + index * 4), 4);
    return v;
  }
  dinode inode(uint32_t inum) const {
    const uint32_t ipb = bsize_ / sizeof(dinode);
    dinode d;
    size_t off = size_t{inum / ipb + sb_.inodestart} * bsize_ + (inum % ipb) * sizeof(dinode);
    std::memcpy(&d, &bytes_.at(off), sizeof d);
    return d;
  }
  bool bit(uint32_t b) const {
    const uint32_t bpb = bsize_ * 8;
    size_t off = size_t{b / bpb + sb_.bmapstart} * bsize_ + (b % bpb) / 8;
    return (bytes_.at(off) >> (b % 8)) & 1;
  }
  // Disk block of file block i.
  uint32_t bmap(const dinode& d, uint32_t i) const {
    return i < NDIRECT ? d.addrs[i] : word(d.addrs[NDIRECT], i - NDIRECT);
  }
  std::vector<uint8_t> contents(uint32_t inum) const {
    dinode d = inode(inum);
    std::vector<uint8_t> out;
    for (uint32_t i = 0; out.size() < d.size; i++) {
      size_t n = std::min<size_t>(bsize_, d.size - out.size());
      const uint8_t* p = &bytes_.at(size_t{bmap(d, i)} * bsize_);
      out.insert(out.end(), p, p + n);
    }
    return out;
  }
  // (name, inum) of each used entry.
  std::vector<std::pair<std::string, uint32_t>> entries(uint32_t dir) const {
    std::vector<uint8_t> c = contents(dir);
    std::vector<std::pair<std::string, uint32_t>> out;
    for (size_t off = 0; off + sizeof(dirent) <= c.size(); off += sizeof(dirent)) {
      dirent de;
      std::memcpy(&de, &c[off], sizeof de);
      if (de.inum != 0) out.emplace_back(std::string(de.name, strnlen(de.name, DIRSIZ)), de.inum);
    }
    return out;
  }

 private:
  std::vector<uint8_t> bytes_;
  uint32_t bsize_;
  superblock sb_{};
};

}  // namespace pagoda::tools_test
