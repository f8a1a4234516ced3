// The error of the file-system tools' results: pagoda::Result<T, Failure> and
// pagoda::BasicStatus<Failure> (kernel/lib/result.h), the kernel's own Result and Error. The kind
// is a pagoda::Error; the message is a line for the user that names the file or block at fault.
#pragma once

#include <string>
#include <utility>

#include "kernel/lib/result.h"

namespace pagoda::fslib {

struct Failure {
  Error code;
  std::string message;
};

inline Failure fail(Error code, std::string message) {
  return Failure{code, std::move(message)};
}

// The same failure with its message prefixed, e.g. by the file it was about.
inline Failure about(std::string what, Failure f) {
  return Failure{f.code, std::move(what) + ": " + f.message};
}

// For PAGODA_MUST, which names the error (found by argument-dependent lookup).
inline const char* error_name(const Failure& f) {
  return f.message.c_str();
}

}  // namespace pagoda::fslib
