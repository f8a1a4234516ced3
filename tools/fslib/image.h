// A file-system image held in memory as whole blocks. The tools never touch the file on disk
// block by block: mkfs builds the image here and saves it in one go (so a failed run never leaves
// a half-written image), and fsck loads it read-only and works on this copy (so it can replay the
// log without writing).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "kernel/fs/format.h"
#include "tools/fslib/failure.h"

namespace pagoda::fslib {

// One block: format().block_size bytes.
using Block = std::span<uint8_t>;
using ConstBlock = std::span<const uint8_t>;

class Image {
 public:
  // A zero-filled image of `nblocks` blocks of format f.
  Image(const FsFormat& f, uint32_t nblocks);

  // Reads the whole file (opened read-only); read_bytes then from_bytes. A trailing partial
  // block is dropped and its length reported by trailing_bytes().
  static Result<Image, Failure> load(const std::string& path, const FsFormat& f);
  static Result<std::vector<uint8_t>, Failure> read_bytes(const std::string& path);
  static Image from_bytes(std::vector<uint8_t> bytes, const FsFormat& f);

  // Writes the image to `path` through a temporary file in the same directory and a rename, so
  // `path` is either the old file or the complete new image, never a partial one.
  BasicStatus<Failure> save(const std::string& path) const;

  const FsFormat& format() const { return *format_; }
  uint32_t block_size() const { return format_->block_size; }
  uint32_t block_count() const { return static_cast<uint32_t>(bytes_.size() / block_size()); }
  bool contains(uint64_t b) const { return b < block_count(); }
  uint64_t trailing_bytes() const { return trailing_bytes_; }

  // Block b; b must be < block_count() (std::out_of_range otherwise: a bug in the caller).
  Block block(uint32_t b);
  ConstBlock block(uint32_t b) const;

  // A trivially copyable on-disk structure at byte `offset` of block b (unaligned-safe).
  template <typename T>
  T read(uint32_t b, uint32_t offset) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T out;
    std::memcpy(&out, checked(b, offset, sizeof(T)), sizeof(T));
    return out;
  }
  template <typename T>
  void write(uint32_t b, uint32_t offset, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(checked(b, offset, sizeof(T)), &value, sizeof(T));
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  explicit Image(const FsFormat& f) : format_(&f) {}
  uint8_t* checked(uint32_t b, uint32_t offset, size_t len);
  const uint8_t* checked(uint32_t b, uint32_t offset, size_t len) const;

  const FsFormat* format_;
  std::vector<uint8_t> bytes_;
  uint64_t trailing_bytes_ = 0;
};

}  // namespace pagoda::fslib
