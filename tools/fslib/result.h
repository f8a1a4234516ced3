// Host-side results for the file-system tools: a value or a readable error message. The kernel's
// Result<T> (kernel/lib/result.h) holds only trivially destructible values and an error enum; the
// tools want vectors and messages that name the file or block at fault.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace pagoda::fslib {

// The error half of a result: a one-line message.
struct Failure {
  std::string message;
};

inline Failure fail(std::string message) {
  return Failure{std::move(message)};
}

// Success or a Failure.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Failure f) : error_(std::move(f.message)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool ok_ = true;
};

// Either a T or a Failure.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Failure f) : error_(std::move(f.message)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

}  // namespace pagoda::fslib

// Return the failure of a Status or Result from the enclosing function.
#define FSLIB_TRY(expr)                                                                      \
  do {                                                                                       \
    auto fslib_try_result_ = (expr);                                                         \
    if (!fslib_try_result_.ok()) return ::pagoda::fslib::Failure{fslib_try_result_.error()}; \
  } while (0)
