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

// The blob's structure and strings blocks, checked to lie inside it.
struct Blocks {
  const uint8_t* base;
  uint64_t struct_off, struct_end;
  uint64_t strings_off, strings_size;
};

Result<Blocks> blocks(const void* blob, uint64_t max_size) {
  const auto* base = static_cast<const uint8_t*>(blob);
  if (max_size < 40 || be32(base) != kMagic) return Error::kInvalid;
  const uint64_t total = be32(base + 4);
  const uint64_t off = be32(base + 8);       // off_dt_struct
  const uint64_t strings = be32(base + 12);  // off_dt_strings
  const uint64_t strings_size = be32(base + 32);
  const uint64_t size = be32(base + 36);  // size_dt_struct
  if (total > max_size || off > total || size > total - off) return Error::kInvalid;
  if (strings > total || strings_size > total - strings) return Error::kInvalid;
  return Blocks{base, off, off + size, strings, strings_size};
}

// Whether the string at nameoff in the strings block is `want`.
bool prop_name_is(const Blocks& b, uint64_t nameoff, const char* want) {
  if (nameoff >= b.strings_size) return false;
  const uint8_t* name = b.base + b.strings_off + nameoff;
  const uint64_t room = b.strings_size - nameoff;
  uint64_t i = 0;
  for (; want[i] != '\0'; ++i)
    if (i >= room || name[i] != static_cast<uint8_t>(want[i])) return false;
  return i < room && name[i] == 0;
}

// A big-endian number of `cells` 32-bit cells (1 or 2).
uint64_t cells_value(const uint8_t* p, uint32_t cells) {
  return cells == 1 ? be32(p) : (uint64_t{be32(p)} << 32) | be32(p + 4);
}

}  // namespace

Result<MemoryRange> memory_range(const void* blob, uint64_t max_size, uint64_t containing) {
  const Blocks b = PAGODA_TRY(blocks(blob, max_size));
  const uint8_t* base = b.base;
  uint64_t off = b.struct_off;
  const uint64_t end = b.struct_end;

  int depth = 0;
  uint32_t address_cells = 2, size_cells = 1;  // spec 2.3.5 defaults, the root may override
  // The depth-2 node being read: its name says memory, its device_type says memory, its reg.
  bool named_memory = false;
  int device_type = -1;  // -1 absent, 0 something else, 1 "memory"
  const uint8_t* reg = nullptr;
  uint64_t reg_len = 0;
  bool found = false;
  MemoryRange range;

  while (off + 4 <= end) {
    const uint32_t token = be32(base + off);
    off += 4;
    if (token == kBeginNode) {
      uint64_t len = 0;
      while (off + len < end && base[off + len] != 0) ++len;
      if (off + len >= end) return Error::kInvalid;
      depth += 1;
      if (depth == 2) {
        named_memory =
            name_is(base + off, len, "memory") || name_starts(base + off, len, "memory@");
        device_type = -1;
        reg = nullptr;
        reg_len = 0;
      }
      off += (len + 1 + 3) & ~uint64_t{3};
    } else if (token == kEndNode) {
      if (depth == 0) return Error::kInvalid;
      if (depth == 2 && reg != nullptr &&
          (device_type == 1 || (device_type == -1 && named_memory))) {
        const uint64_t entry = 4 * uint64_t{address_cells + size_cells};
        if (reg_len % entry != 0) return Error::kInvalid;
        for (uint64_t at = 0; at < reg_len; at += entry) {
          const uint64_t start = cells_value(reg + at, address_cells);
          const uint64_t size = cells_value(reg + at + 4 * address_cells, size_cells);
          if (size > UINT64_MAX - start) return Error::kInvalid;
          if (!found && size > 0 && containing >= start && containing - start < size) {
            range = MemoryRange{start, size};
            found = true;
          }
        }
      }
      depth -= 1;
    } else if (token == kProp) {
      if (off + 8 > end) return Error::kInvalid;
      const uint64_t len = be32(base + off);
      const uint64_t nameoff = be32(base + off + 4);
      off += 8;
      if (len > end - off) return Error::kInvalid;
      const uint8_t* value = base + off;
      if (depth == 1 &&
          (prop_name_is(b, nameoff, "#address-cells") || prop_name_is(b, nameoff, "#size-cells"))) {
        if (len != 4) return Error::kInvalid;
        const uint32_t cells = be32(value);
        if (cells != 1 && cells != 2) return Error::kInvalid;
        (prop_name_is(b, nameoff, "#size-cells") ? size_cells : address_cells) = cells;
      } else if (depth == 2 && prop_name_is(b, nameoff, "device_type")) {
        device_type = name_is(value, len, "memory") ||
                              (len == 7 && name_is(value, 6, "memory") && value[6] == 0)
                          ? 1
                          : 0;
      } else if (depth == 2 && prop_name_is(b, nameoff, "reg")) {
        reg = value;
        reg_len = len;
      }
      off += (len + 3) & ~uint64_t{3};
    } else if (token == kNop) {
      continue;
    } else if (token == kEnd) {
      if (depth != 0) return Error::kInvalid;
      if (!found) return Error::kNotFound;
      return range;
    } else {
      return Error::kInvalid;
    }
  }
  return Error::kInvalid;
}

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
