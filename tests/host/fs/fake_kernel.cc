// The fake kernel core (see fake_kernel.h). Single-threaded: a lock that would block, or a sleep,
// can never be woken, so both panic (abort), which the tests see as a crash.
#include "tests/host/fs/fake_kernel.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>

#include "kernel/dev/disk.h"
#include "kernel/fs/buf.h"
#include "kernel/lib/panic.h"
#include "kernel/sync/print.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/syscall.h"
#include "kernel/sync/wait.h"

namespace pagoda {

// kernel/lib/string.h's pagoda:: functions (the mem* ones come from the host libc).
size_t strlen(const char* s) {
  return std::strlen(s);
}
int strncmp(const char* a, const char* b, size_t n) {
  return std::strncmp(a, b, n);
}
char* strncpy(char* dst, const char* src, size_t n) {
  return std::strncpy(dst, src, n);
}
char* safestrcpy(char* dst, const char* src, size_t n) {
  if (n == 0) return dst;
  std::strncpy(dst, src, n - 1);
  dst[n - 1] = '\0';
  return dst;
}

// The spin lock needs the hart (kernel/arch), so it is faked: single-threaded, it only checks its
// state. The sleep lock is the real kernel/sync/sleeplock.cc, over sleep/wakeup/current_pid below.
void push_off() {}
void pop_off() {}

void SpinLock::acquire() {
  if (locked_) panic("acquire %s: already held (would spin for ever)", name_);
  locked_ = 1;
}
void SpinLock::release() {
  if (!locked_) panic("release %s: not held", name_);
  locked_ = 0;
}
bool SpinLock::holding() const {
  return locked_ != 0;
}

namespace {
Proc the_proc;
uint64_t args[6];
uint8_t user_memory[fstest::kUserSize];
std::optional<fslib::Image> the_disk;
std::vector<fstest::DiskWrite> writes;
uint64_t reads = 0;
std::vector<std::string> console_lines;

bool user_range(uint64_t addr, uint64_t len) {
  return addr >= fstest::kUserBase && len <= fstest::kUserSize &&
         addr - fstest::kUserBase <= fstest::kUserSize - len;
}
}  // namespace

// The console: what the kernel printed, kept for the tests to read (the newest 1000 lines).
void kprintf(const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (console_lines.size() >= 1000) console_lines.erase(console_lines.begin());
  console_lines.emplace_back(line);
}

// proc.h's inline myproc() finds the process from the kernel stack it runs on; the host's stack is
// none of those, so it asks "the hart", which here is the one fake process.
Proc g_procs[NPROC];
Proc* myproc_from_hart() {
  return &the_proc;
}
void sleep(const void* chan, SpinLock&) {
  panic("sleep on %p: nobody would wake us", chan);
}
void wakeup(const void*) {}
int current_pid() {
  return 1;
}

Status either_copyout(bool user_dst, uint64_t dst, const void* src, uint64_t len) {
  if (!user_dst) {
    std::memmove(reinterpret_cast<void*>(dst), src, len);
    return Status::Ok();
  }
  if (!user_range(dst, len)) return Error::kBadAddress;
  std::memmove(fstest::user_ptr(dst), src, len);
  return Status::Ok();
}

// The fake process has no mappings (kernel/proc/mmap.cc): nothing to fault in.
Status prefault_user_range(uint64_t, uint64_t, bool) {
  return {};
}

Status either_copyin(void* dst, bool user_src, uint64_t src, uint64_t len) {
  if (!user_src) {
    std::memmove(dst, reinterpret_cast<const void*>(src), len);
    return Status::Ok();
  }
  if (!user_range(src, len)) return Error::kBadAddress;
  std::memmove(dst, fstest::user_ptr(src), len);
  return Status::Ok();
}

uint64_t arg_raw(int n) {
  return args[n];
}
int arg_int(int n) {
  return static_cast<int>(args[n]);
}
uint64_t arg_addr(int n) {
  return args[n];
}
Result<uint64_t> fetch_str(uint64_t addr, char* buf, uint64_t max) {
  for (uint64_t i = 0; i < max; i++) {
    if (!user_range(addr + i, 1)) return Error::kBadAddress;
    buf[i] = static_cast<char>(*fstest::user_ptr(addr + i));
    if (buf[i] == '\0') return i;
  }
  return Error::kTooBig;
}
Result<uint64_t> arg_str(int n, char* buf, uint64_t max) {
  return fetch_str(args[n], buf, max);
}
Status fetch_addr(uint64_t addr, uint64_t* out) {
  if (!user_range(addr, 8)) return Error::kBadAddress;
  std::memcpy(out, fstest::user_ptr(addr), 8);
  return Status::Ok();
}

void disk_init() {}
void disk_intr() {}
uint64_t disk_capacity() {
  return the_disk ? the_disk->block_count() : 0;
}

void disk_rw(DiskBuffer* d, DiskOp op) {
  Buf* b = static_cast<Buf*>(d);  // the cache passes its Bufs
  if (!b->lock.holding()) panic("disk_rw: buffer not locked");
  if (!the_disk || !the_disk->contains(b->blockno))
    panic("disk: block %u out of range", b->blockno);
  auto block = the_disk->block(b->blockno);
  if (op == DiskOp::kRead) {
    std::memcpy(b->data, block.data(), BSIZE);
    reads++;
  } else {
    std::memcpy(block.data(), b->data, BSIZE);
    writes.push_back({b->blockno, std::vector<uint8_t>(b->data, b->data + BSIZE)});
  }
}

void disk_rw_many(DiskBuffer* const* bufs, int n, DiskOp op) {
  for (int i = 0; i < n; i++) disk_rw(bufs[i], op);
}

namespace fstest {

uint8_t* user_ptr(uint64_t uaddr) {
  return user_memory + (uaddr - kUserBase);
}

void set_args(std::initializer_list<uint64_t> list) {
  int i = 0;
  for (uint64_t a : list) args[i++] = a;
  for (; i < 6; i++) args[i] = 0;
}

void attach_disk(fslib::Image image) {
  // The kernel reads BSIZE-byte blocks (its compiled-in format): so must the image.
  if (image.block_size() != BSIZE) panic("disk: image of %u-byte blocks", image.block_size());
  the_disk.emplace(std::move(image));
  writes.clear();
  reads = 0;
}
fslib::Image& disk() {
  return *the_disk;
}
const std::vector<DiskWrite>& disk_writes() {
  return writes;
}
uint64_t disk_reads() {
  return reads;
}
std::vector<std::string>& console() {
  return console_lines;
}

}  // namespace fstest
}  // namespace pagoda
