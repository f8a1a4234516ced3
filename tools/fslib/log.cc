#include "tools/fslib/log.h"

#include <algorithm>
#include <stdexcept>

#include "kernel/fs.h"

namespace pagoda::fslib {

uint32_t Log::capacity() const {
  // xv6 log_write: n < LOGSIZE and n < log.size - 1 (the header takes one block).
  return std::min<uint32_t>(LOGSIZE, sb_.nlog() - 1);
}

Result<std::vector<uint32_t>, Failure> Log::pending() const {
  logheader lh = image_.read<logheader>(sb_.logstart(), 0);
  if (lh.n < 0 || static_cast<uint32_t>(lh.n) > capacity())
    return fail(Error::kCorrupt, "log header: count " + std::to_string(lh.n) + " outside [0, " +
                                     std::to_string(capacity()) + "]");
  uint64_t log_end = uint64_t{sb_.logstart()} + sb_.nlog();
  std::vector<uint32_t> homes;
  for (int i = 0; i < lh.n; i++) {
    uint32_t home = static_cast<uint32_t>(lh.block[i]);
    if (home < log_end || home >= sb_.size())
      return fail(Error::kCorrupt, "log header: block[" + std::to_string(i) +
                                       "] = " + std::to_string(lh.block[i]) + " outside [" +
                                       std::to_string(log_end) + ", " + std::to_string(sb_.size()) +
                                       ")");
    // The kernel's log_write absorbs repeated writes, so a real header names a block once.
    if (std::find(homes.begin(), homes.end(), home) != homes.end())
      return fail(Error::kCorrupt, "log header: block[" + std::to_string(i) +
                                       "] = " + std::to_string(home) + " appears twice");
    homes.push_back(home);
  }
  return homes;
}

void Log::replay(const std::vector<uint32_t>& homes) {
  for (uint32_t i = 0; i < homes.size(); i++) {
    ConstBlock from = std::as_const(image_).block(sb_.logstart() + 1 + i);
    std::copy(from.begin(), from.end(), image_.block(homes[i]).begin());
  }
  image_.write(sb_.logstart(), 0, logheader{});
}

void Log::commit(const std::vector<uint32_t>& homes,
                 const std::vector<std::vector<uint8_t>>& contents) {
  if (homes.size() > capacity() || homes.size() != contents.size())
    throw std::invalid_argument("Log::commit: too many blocks");
  logheader lh{};
  lh.n = static_cast<int>(homes.size());
  for (uint32_t i = 0; i < homes.size(); i++) {
    lh.block[i] = static_cast<int>(homes[i]);
    Block to = image_.block(sb_.logstart() + 1 + i);
    std::fill(to.begin(), to.end(), 0);
    std::copy_n(contents[i].begin(), std::min<size_t>(contents[i].size(), to.size()), to.begin());
  }
  image_.write(sb_.logstart(), 0, lh);
}

}  // namespace pagoda::fslib
