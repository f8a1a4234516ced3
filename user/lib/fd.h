// C++ helper for the programs: an owned file descriptor, closed when it goes out of scope.
// (exit() does not unwind, so a program that exits with an Fd open simply leaves it to the kernel.)
#ifndef PAGODA_USER_LIB_FD_H
#define PAGODA_USER_LIB_FD_H

#include "user/user.h"

namespace ulib {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  static Fd open(const char* path, int flags) { return Fd(::open(path, flags)); }

  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) : fd_(other.release()) {}
  Fd& operator=(Fd&& other) {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~Fd() { reset(); }

  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Writes all of buf to fd, retrying short writes; false if the fd refuses.
inline bool write_all(int fd, const void* buf, int n) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    int w = write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= w;
  }
  return true;
}

}  // namespace ulib

#endif
