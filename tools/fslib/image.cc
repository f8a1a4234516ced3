#include "tools/fslib/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <stdexcept>
#include <utility>

namespace pagoda::fslib {

// Both formats are little-endian (RISC-V and x86); dinodes and dirents are copied as they are.
static_assert(std::endian::native == std::endian::little, "the tools assume a little-endian host");

namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Image::Image(const FsFormat& f, uint32_t nblocks)
    : format_(&f), bytes_(uint64_t{nblocks} * f.block_size, 0) {}

Result<Image, Failure> Image::load(const std::string& path, const FsFormat& f) {
  return from_bytes(PAGODA_TRY(read_bytes(path)), f);
}

Image Image::from_bytes(std::vector<uint8_t> bytes, const FsFormat& f) {
  Image image(f);
  image.bytes_ = std::move(bytes);
  image.trailing_bytes_ = image.bytes_.size() % f.block_size;
  image.bytes_.resize(image.bytes_.size() - image.trailing_bytes_);
  return image;
}

Result<std::vector<uint8_t>, Failure> Image::read_bytes(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail(Error::kIo, errno_text(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(Error::kIo, errno_text(path));
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
    return fail(Error::kInvalid, path + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) / 512 > UINT32_MAX)
    return fail(Error::kTooBig, path + ": too large for 32-bit block numbers");

  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Error::kIo, errno_text(path));
    if (n == 0) return fail(Error::kIo, path + ": file shrank while reading");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

BasicStatus<Failure> Image::save(const std::string& path) const {
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkstemp(tmp.data()));
  if (fd.get() < 0) return fail(Error::kIo, errno_text(tmp));
  auto give_up = [&](const std::string& message) {
    ::unlink(tmp.c_str());
    return fail(Error::kIo, message);
  };
  size_t done = 0;
  while (done < bytes_.size()) {
    ssize_t n = ::write(fd.get(), bytes_.data() + done, bytes_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return give_up(errno_text(tmp));
    done += static_cast<size_t>(n);
  }
  // mkstemp creates 0600; an image is an ordinary file.
  if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0) return give_up(errno_text(tmp));
  if (::close(fd.release()) != 0) return give_up(errno_text(tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return give_up(errno_text(path));
  return {};
}

Block Image::block(uint32_t b) {
  return Block(checked(b, 0, block_size()), block_size());
}

ConstBlock Image::block(uint32_t b) const {
  return ConstBlock(checked(b, 0, block_size()), block_size());
}

uint8_t* Image::checked(uint32_t b, uint32_t offset, size_t len) {
  return const_cast<uint8_t*>(static_cast<const Image*>(this)->checked(b, offset, len));
}

const uint8_t* Image::checked(uint32_t b, uint32_t offset, size_t len) const {
  if (!contains(b) || offset + len > block_size())
    throw std::out_of_range("block " + std::to_string(b) + " offset " + std::to_string(offset) +
                            " outside the image");
  return bytes_.data() + uint64_t{b} * block_size() + offset;
}

}  // namespace pagoda::fslib
