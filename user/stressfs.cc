// stressfs: several processes write and read back files at the same time, to stress the file
// system's locking and log (xv6: user/stressfs.c). Also checks what it reads, and removes the
// files.
#include "kernel/fcntl.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

constexpr int kWorkers = 5;  // this process and four children
constexpr int kBlocks = 20;
constexpr int kBlockSize = 512;

char data[kBlockSize];

bool write_file(const char* path, char fill) {
  memset(data, fill, sizeof(data));
  ulib::Fd fd = ulib::Fd::open(path, O_CREATE | O_RDWR | O_TRUNC);
  if (!fd.valid()) return false;
  for (int i = 0; i < kBlocks; i++) {
    if (write(fd.get(), data, kBlockSize) != kBlockSize) return false;
  }
  return true;
}

bool read_file(const char* path, char fill) {
  ulib::Fd fd = ulib::Fd::open(path, O_RDONLY);
  if (!fd.valid()) return false;
  for (int i = 0; i < kBlocks; i++) {
    if (read(fd.get(), data, kBlockSize) != kBlockSize) return false;
    for (char c : data) {
      if (c != fill) return false;
    }
  }
  char extra;
  return read(fd.get(), &extra, 1) == 0;
}

}  // namespace

int main() {
  printf("stressfs starting\n");
  int worker = 0;
  while (worker < kWorkers - 1 && fork() == 0) worker++;  // a chain: each child forks the next

  char path[] = "stressfs0";
  path[8] = static_cast<char>('0' + worker);
  char fill = static_cast<char>('a' + worker);
  printf("write %d\n", worker);
  bool ok = write_file(path, fill);
  printf("read %d\n", worker);
  ok = ok && read_file(path, fill);
  unlink(path);
  if (!ok) printf("stressfs: %s: FAILED\n", path);

  int child_status = 0;
  if (worker < kWorkers - 1 && wait(&child_status) < 0) child_status = 1;
  int status = (ok && child_status == 0) ? 0 : 1;
  if (worker == 0) printf(status == 0 ? "stressfs ok\n" : "stressfs failed\n");
  return status;
}
