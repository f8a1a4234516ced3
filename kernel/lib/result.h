// Error values and Result<T>: every fallible kernel operation returns one of these, never a
// sentinel. Freestanding; builds for the kernel and on the host.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace pagoda {

enum class Error : uint8_t {
  kNoMemory = 1,   // no free physical page
  kMisaligned,     // an address or size that must be page-aligned is not
  kOutOfRange,     // an address at or beyond the format's MAXVA, or a range that wraps
  kAlreadyMapped,  // map over an existing valid leaf (xv6 panics "remap")
  kNotMapped,      // unmap/translate of an address with no valid leaf
  kBadAddress,     // a user address the caller may not touch (no PTE_U, read-only, ...)
  kLeavesRemain,   // freeing a page-table tree that still maps pages
  kInvalid,        // an argument that makes no sense (bad ELF, bad fd, ...)
  kNotFound,       // no such file or process
  kExists,         // already exists
  kNoSpace,        // no free disk block or inode, or a table is full
  kTooBig,         // larger than allowed (arguments, file size, ...)
  kIo,             // device error
};

// A printable name for an error, for panics and logs.
constexpr const char* error_name(Error e) {
  switch (e) {
    case Error::kNoMemory:
      return "out of memory";
    case Error::kMisaligned:
      return "misaligned";
    case Error::kOutOfRange:
      return "out of range";
    case Error::kAlreadyMapped:
      return "already mapped";
    case Error::kNotMapped:
      return "not mapped";
    case Error::kBadAddress:
      return "bad address";
    case Error::kLeavesRemain:
      return "leaf mappings remain";
    case Error::kInvalid:
      return "invalid argument";
    case Error::kNotFound:
      return "not found";
    case Error::kExists:
      return "exists";
    case Error::kNoSpace:
      return "no space";
    case Error::kTooBig:
      return "too big";
    case Error::kIo:
      return "I/O error";
  }
  return "unknown error";
}

// Either a T or an Error. T must be trivially destructible (kernel values: addresses, pointers,
// counts), which keeps the type usable in constexpr and freestanding code.
template <typename T>
class [[nodiscard]] Result {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  constexpr Result(T value) : value_(static_cast<T&&>(value)), error_(), ok_(true) {}  // NOLINT
  constexpr Result(Error error) : value_(), error_(error), ok_(false) {}               // NOLINT

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr Error error() const { return error_; }
  constexpr const T& value() const& { return value_; }
  constexpr T& value() & { return value_; }
  // From a temporary (`Table t = Table::create(mem).value();`): moves, so T may be move-only.
  constexpr T&& value() && { return static_cast<T&&>(value_); }
  constexpr const T& operator*() const { return value_; }
  constexpr const T* operator->() const { return &value_; }

 private:
  T value_;
  Error error_;
  bool ok_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(Error error) : error_(error), ok_(false) {}  // NOLINT: implicit by design
  static constexpr Status Ok() { return Status(); }

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr Error error() const { return error_; }

 private:
  Error error_{};
  bool ok_ = true;
};

}  // namespace pagoda

// Propagate a failed Status or Result from the enclosing function, as SerenityOS's TRY does.
#define PAGODA_TRY(expr)                                             \
  do {                                                               \
    auto pagoda_try_result_ = (expr);                                \
    if (!pagoda_try_result_.ok()) return pagoda_try_result_.error(); \
  } while (0)
