// Helpers for the tools' tests: a scratch directory, files, running the binaries, and a reader of
// raw image bytes written from kernel/fs.h alone (not fslib), so the mkfs tests do not share
// fslib's bugs.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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
#include "tools/fslib/inode_type.h"

namespace pagoda::tools_test {

namespace fs = std::filesystem;

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

// Reads an xv6 image straight from its bytes, following kernel/fs.h only.
class RawImage {
 public:
  explicit RawImage(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {
    std::memcpy(&sb_, &bytes_.at(BSIZE), sizeof sb_);
  }
  const superblock& sb() const { return sb_; }
  size_t blocks() const { return bytes_.size() / BSIZE; }

  uint32_t word(uint32_t block, uint32_t index) const {
    uint32_t v;
    std::memcpy(&v, &bytes_.at(size_t{block} * BSIZE + index * 4), 4);
    return v;
  }
  dinode inode(uint32_t inum) const {
    dinode d;
    size_t off = size_t{inum / IPB + sb_.inodestart} * BSIZE + (inum % IPB) * sizeof(dinode);
    std::memcpy(&d, &bytes_.at(off), sizeof d);
    return d;
  }
  bool bit(uint32_t b) const {
    size_t off = size_t{b / BPB + sb_.bmapstart} * BSIZE + (b % BPB) / 8;
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
      size_t n = std::min<size_t>(BSIZE, d.size - out.size());
      const uint8_t* p = &bytes_.at(size_t{bmap(d, i)} * BSIZE);
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
  superblock sb_;
};

}  // namespace pagoda::tools_test
