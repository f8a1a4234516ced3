// The free-block bitmap: bit b of the map (block bmapstart + b/BPB, byte (b%BPB)/8, bit b%8)
// is 1 when block b is in use. xv6: balloc/bfree.
#pragma once

#include <cstdint>

#include "tools/fslib/image.h"
#include "tools/fslib/superblock.h"

namespace pagoda::fslib {

class Bitmap {
 public:
  // The superblock must be sound (SuperBlock::problems() empty).
  Bitmap(Image& image, const SuperBlock& sb) : image_(image), sb_(sb) {}

  bool in_use(uint32_t b) const { return (byte(b) >> (b % 8)) & 1; }
  void mark_used(uint32_t b) { set(b, true); }
  void mark_free(uint32_t b) { set(b, false); }

 private:
  uint8_t byte(uint32_t b) const {
    return image_.block(sb_.bitmap_block(b))[(b % sb_.format().bits_per_block()) / 8];
  }
  void set(uint32_t b, bool used) {
    uint8_t& byte = image_.block(sb_.bitmap_block(b))[(b % sb_.format().bits_per_block()) / 8];
    const auto mask = static_cast<uint8_t>(1u << (b % 8));
    byte = used ? static_cast<uint8_t>(byte | mask) : static_cast<uint8_t>(byte & ~mask);
  }

  Image& image_;
  SuperBlock sb_;
};

}  // namespace pagoda::fslib
