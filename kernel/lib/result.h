// Error values and Result<T>: every fallible kernel operation returns one of these, never a
// sentinel. Freestanding; builds for the kernel and on the host.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "kernel/lib/panic.h"

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
  kIo,             // device error, or a host file that cannot be read or written (tools)
  kNotDirectory,   // a path or entry names something that is not a directory
  kCorrupt,        // on-disk structures contradict each other (a file-system image, a log header)
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
    case Error::kNotDirectory:
      return "not a directory";
    case Error::kCorrupt:
      return "corrupt";
  }
  return "unknown error";
}

// Either a T or an E (by default an Error). The kernel's values are trivially destructible
// (addresses, pointers, counts), which keeps Result usable in constexpr code; the host tools also
// hold vectors and images, and an E that carries a message (tools/fslib/failure.h).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
  static constexpr bool kTrivial =
      std::is_trivially_copyable_v<T> && std::is_trivially_copyable_v<E> &&
      std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>;

 public:
  constexpr Result(T value) : value_(std::move(value)), ok_(true) {}   // NOLINT: implicit by design
  constexpr Result(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  constexpr Result(const Result&) requires kTrivial = default;
  constexpr Result(Result&&) requires kTrivial = default;
  constexpr Result& operator=(const Result&) requires kTrivial = default;
  constexpr Result& operator=(Result&&) requires kTrivial = default;
  constexpr ~Result() requires kTrivial = default;

  Result(const Result& other) : ok_(other.ok_) { construct_from(other); }
  Result(Result&& other) : ok_(other.ok_) { construct_from(std::move(other)); }
  Result& operator=(const Result& other) {
    if (this != &other) {
      destroy();
      ok_ = other.ok_;
      construct_from(other);
    }
    return *this;
  }
  Result& operator=(Result&& other) {
    if (this != &other) {
      destroy();
      ok_ = other.ok_;
      construct_from(std::move(other));
    }
    return *this;
  }
  ~Result() { destroy(); }

  // The value and the error share storage: asking a Result for the half it does not hold is a
  // bug, and traps (the kernel's trap handler panics) rather than reading the other half.
  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr const E& error() const& {
    check(!ok_);
    return error_;
  }
  constexpr E&& error() && {
    check(!ok_);
    return std::move(error_);
  }
  constexpr const T& value() const& {
    check(ok_);
    return value_;
  }
  constexpr T& value() & {
    check(ok_);
    return value_;
  }
  constexpr T&& value() && {  // what PAGODA_TRY yields
    check(ok_);
    return std::move(value_);
  }
  constexpr const T& operator*() const& { return value(); }
  constexpr T& operator*() & { return value(); }
  constexpr T&& operator*() && { return std::move(*this).value(); }
  constexpr const T* operator->() const { return &value(); }
  constexpr T* operator->() { return &value(); }

 private:
  static constexpr void check(bool holds) {
    if (!holds) __builtin_trap();
  }

  template <typename Other>
  void construct_from(Other&& other) {
    if (ok_)
      ::new (&value_) T(std::forward<Other>(other).value_);
    else
      ::new (&error_) E(std::forward<Other>(other).error_);
  }
  void destroy() {
    if (ok_)
      value_.~T();
    else
      error_.~E();
  }

  union {
    T value_;
    E error_;
  };
  bool ok_;
};

// Success or an E (by default an Error).
template <typename E = Error>
class [[nodiscard]] BasicStatus {
 public:
  constexpr BasicStatus() = default;
  constexpr BasicStatus(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit
  static constexpr BasicStatus Ok() { return BasicStatus(); }

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr const E& error() const& { return error_; }
  constexpr E&& error() && { return std::move(error_); }
  constexpr void value() const {}  // nothing: lets PAGODA_TRY and PAGODA_MUST take a status

 private:
  E error_{};
  bool ok_ = true;
};

using Status = BasicStatus<>;

}  // namespace pagoda

// Evaluates expr (a Result or a Status) once; if it failed, returns its error from the enclosing
// function, otherwise yields its value (nothing for a Status), as SerenityOS's TRY does:
//   uint32_t block = PAGODA_TRY(balloc(dev));
// A GNU statement expression, which g++ and clang accept in the kernel and on the host.
#define PAGODA_TRY(expr)                                                        \
  __extension__({                                                               \
    auto pagoda_try_result_ = (expr);                                           \
    if (!pagoda_try_result_.ok()) return std::move(pagoda_try_result_).error(); \
    std::move(pagoda_try_result_).value();                                      \
  })

// For a call that cannot fail: yields its value, or panics with the error's name, the expression
// and where it was written. error_name is found for the error's type by argument-dependent lookup.
#define PAGODA_MUST(expr)                                                                     \
  __extension__({                                                                             \
    auto pagoda_must_result_ = (expr);                                                        \
    if (!pagoda_must_result_.ok())                                                            \
      ::pagoda::panic("MUST failed: %s: %s (%s:%d)", error_name(pagoda_must_result_.error()), \
                      #expr, __FILE__, __LINE__);                                             \
    std::move(pagoda_must_result_).value();                                                   \
  })
