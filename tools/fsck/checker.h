// The consistency checks of fsck, over an in-memory copy of an image. Each inconsistency is one
// line in the report; the image the checks see is the image after log replay, as the kernel would
// see it after mounting.
#pragma once

#include <string>
#include <vector>

#include "tools/fslib/image.h"

namespace pagoda::fsck {

struct Report {
  std::vector<std::string> problems;  // inconsistencies, one line each; empty for a clean image
  std::vector<std::string> notes;     // not inconsistencies ("log has 3 blocks to replay")
  bool clean() const { return problems.empty(); }
};

// Checks `image` (taken by value: replaying the log changes it). tools/fsck/main.cc lists the
// checks.
Report check(fslib::Image image);

}  // namespace pagoda::fsck
