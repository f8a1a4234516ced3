// Flattened device tree walk (Devicetree Specification v0.4, 5.4 "Structure block").
#include "kernel/lib/fdt.h"

namespace pagoda::fdt {
namespace {

constexpr uint32_t kBeginNode = 1;
constexpr uint32_t kEndNode = 2;
constexpr uint32_t kProp = 3;
constexpr uint32_t kNop = 4;
constexpr uint32_t kEnd = 9;

// The blob is big-endian.
uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

bool name_is(const uint8_t* name, uint64_t len, const char* want) {
  uint64_t i = 0;
  for (; want[i] != '\0'; ++i)
    if (i >= len || name[i] != static_cast<uint8_t>(want[i])) return false;
  return i == len;
}

bool name_starts(const uint8_t* name, uint64_t len, const char* prefix) {
  for (uint64_t i = 0; prefix[i] != '\0'; ++i)
    if (i >= len || name[i] != static_cast<uint8_t>(prefix[i])) return false;
  return true;
}

}  // namespace

Result<uint32_t> count_cpus(const void* blob, uint64_t max_size) {
  const auto* base = static_cast<const uint8_t*>(blob);
  if (max_size < 40 || be32(base) != kMagic) return Error::kInvalid;
  uint64_t total = be32(base + 4);
  uint64_t off = be32(base + 8);    // off_dt_struct
  uint64_t size = be32(base + 36);  // size_dt_struct
  if (total > max_size || off > total || size > total - off) return Error::kInvalid;
  const uint64_t end = off + size;

  int depth = 0;
  bool in_cpus = false;  // inside "/cpus" (depth 2)
  uint32_t cpus = 0;
  while (off + 4 <= end) {
    uint32_t token = be32(base + off);
    off += 4;
    if (token == kBeginNode) {
      uint64_t len = 0;
      while (off + len < end && base[off + len] != 0) ++len;
      if (off + len >= end) return Error::kInvalid;
      const uint8_t* name = base + off;
      depth += 1;
      if (depth == 2 && name_is(name, len, "cpus")) in_cpus = true;
      if (depth == 3 && in_cpus && name_starts(name, len, "cpu@")) ++cpus;
      off += (len + 1 + 3) & ~uint64_t{3};
    } else if (token == kEndNode) {
      if (depth == 0) return Error::kInvalid;
      if (depth == 2) in_cpus = false;
      depth -= 1;
    } else if (token == kProp) {
      if (off + 8 > end) return Error::kInvalid;
      uint64_t len = be32(base + off);
      off += 8;
      if (len > end - off) return Error::kInvalid;
      off += (len + 3) & ~uint64_t{3};
    } else if (token == kNop) {
      continue;
    } else if (token == kEnd) {
      return depth == 0 ? Result<uint32_t>(cpus) : Result<uint32_t>(Error::kInvalid);
    } else {
      return Error::kInvalid;
    }
  }
  return Error::kInvalid;
}

}  // namespace pagoda::fdt
