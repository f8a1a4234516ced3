// fscrash: the writer and the checker for tests/qemu/test_crash.py (power cut during heavy
// writing).
//
//   fscrash write        writes fc0, fc1, ... for ever. After each file is completely written and
//                        closed it prints "done fcN"; then it unlinks fc(N-16) and prints "gone
//                        ...".
//   fscrash check ARGS   +NAME: the file must hold exactly its content; -NAME: it must not exist.
//                        Prints "check ok" or a "BAD ..." line per problem and "check failed".
//   fscrash fill         fills the disk, checks that the calls that run out of blocks or inodes
//                        fail cleanly, frees everything, and checks nothing leaked: "fill ok".
//   fscrash badargs      bad fds, pointers, paths and modes get -1 and leave no trace: "badargs
//   ok".
// (The last two are here because they need the same file-system plumbing as the crash writer.)
//
// A file's size and bytes are derived from its name alone, so the checker needs no other state.
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "user/lib/fd.h"
#include "user/user.h"

namespace {

constexpr int kKeep = 16;         // files kept before the oldest is unlinked
constexpr int kChunk = 700;       // not a divisor of BSIZE, so writes straddle blocks
constexpr uint kMaxSize = 30000;  // beyond the 12 direct blocks

uint name_hash(const char* name) {
  uint h = 2166136261u;  // FNV-1a
  for (const char* p = name; *p; p++) h = (h ^ static_cast<uchar>(*p)) * 16777619u;
  return h;
}

uint file_size(const char* name) {
  return 100 + name_hash(name) % kMaxSize;
}

char byte_at(const char* name, uint k) {
  return static_cast<char>((name_hash(name) >> 8) + k * 7 + (k >> 9));
}

void make_name(char* buf, int i) {
  // "fc" + decimal i
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + i % 10);
    i /= 10;
  } while (i > 0);
  buf[0] = 'f';
  buf[1] = 'c';
  int j = 2;
  while (n > 0) buf[j++] = digits[--n];
  buf[j] = '\0';
}

char buf[kChunk];

bool write_file(const char* name) {
  ulib::Fd fd = ulib::Fd::open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if (!fd.valid()) return false;
  uint size = file_size(name);
  for (uint off = 0; off < size; off += kChunk) {
    uint n = size - off < kChunk ? size - off : kChunk;
    for (uint k = 0; k < n; k++) buf[k] = byte_at(name, off + k);
    if (write(fd.get(), buf, static_cast<int>(n)) != static_cast<int>(n)) return false;
  }
  return true;
}

int run_writer() {
  char name[16];
  char old[16];
  for (int i = 0;; i++) {
    make_name(name, i);
    if (!write_file(name)) {
      printf("fscrash: cannot write %s\n", name);
      return 1;
    }
    printf("done %s\n", name);
    if (i >= kKeep) {
      make_name(old, i - kKeep);
      if (unlink(old) < 0) {
        printf("fscrash: cannot unlink %s\n", old);
        return 1;
      }
      printf("gone %s\n", old);
    }
  }
}

// Empty string if intact, else what is wrong.
const char* check_intact(const char* name) {
  ulib::Fd fd = ulib::Fd::open(name, O_RDONLY);
  if (!fd.valid()) return "missing";
  uint size = file_size(name);
  uint off = 0;
  for (;;) {
    int n = read(fd.get(), buf, kChunk);
    if (n < 0) return "read error";
    if (n == 0) break;
    for (int k = 0; k < n; k++) {
      if (off + static_cast<uint>(k) >= size) return "too long";
      if (buf[k] != byte_at(name, off + static_cast<uint>(k))) return "wrong content";
    }
    off += static_cast<uint>(n);
  }
  return off == size ? "" : "too short";
}

int run_checker(int argc, char** argv) {
  int bad = 0;
  for (int i = 2; i < argc; i++) {
    const char* name = argv[i] + 1;
    if (argv[i][0] == '+') {
      const char* what = check_intact(name);
      if (*what) {
        printf("BAD %s: %s\n", name, what);
        bad++;
      }
    } else if (argv[i][0] == '-') {
      ulib::Fd fd = ulib::Fd::open(name, O_RDONLY);
      if (fd.valid()) {
        printf("BAD %s: unlinked but still there\n", name);
        bad++;
      }
    } else {
      printf("fscrash: bad argument %s\n", argv[i]);
      bad++;
    }
  }
  printf(bad == 0 ? "check ok\n" : "check failed\n");
  return bad == 0 ? 0 : 1;
}

// ---- fill ------------------------------------------------------------------------------------

constexpr int kFillChunk = 3000;                       // not block aligned: short writes show
constexpr uint kFillFileMax = (MAXFILE - 20) * BSIZE;  // stay clear of the size limit
int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    printf("FAIL %s\n", what);
    failures++;
  }
}

void fill_name(char* buf, char prefix, int i) {
  make_name(buf, i);
  buf[0] = prefix;  // "xcN"
}

// Writes files until the disk is full; returns the bytes written. Checks that the short write
// returned exactly what landed in the file.
uint fill_blocks(int* nfiles) {
  static char chunk[kFillChunk];
  memset(chunk, 'z', sizeof(chunk));
  uint total = 0;
  for (int i = 0;; i++) {
    char name[16];
    fill_name(name, 'b', i);
    ulib::Fd fd = ulib::Fd::open(name, O_CREATE | O_WRONLY);
    if (!fd.valid()) {  // the directory could not grow, or no inode: the disk is full
      *nfiles = i;
      return total;
    }
    uint size = 0;
    bool full = false;
    while (size + kFillChunk <= kFillFileMax) {
      int n = write(fd.get(), chunk, kFillChunk);
      if (n > 0) size += static_cast<uint>(n);
      if (n != kFillChunk) {
        expect(n < kFillChunk, "a write returns at most what it was asked");
        full = true;
        break;
      }
    }
    struct stat st;
    expect(fstat(fd.get(), &st) == 0 && st.size == size, "file size = bytes the writes reported");
    total += size;
    if (full) {
      expect(write(fd.get(), chunk, kFillChunk) <= 0, "writing to a full disk fails");
      // Calls that need a block fail cleanly while the disk is full.
      int md = mkdir("fulldir");
      if (md == 0) {
        unlink("fulldir");
      } else {
        ulib::Fd probe = ulib::Fd::open("fulldir", O_RDONLY);
        expect(!probe.valid(), "a failed mkdir leaves no name behind");
      }
      *nfiles = i + 1;
      return total;
    }
  }
}

void unlink_all(char prefix, int n) {
  for (int i = 0; i < n; i++) {
    char name[16];
    fill_name(name, prefix, i);
    expect(unlink(name) == 0, "unlink of a fill file");
  }
}

// Creates empty files in a fresh directory until no inode is left; returns how many.
int fill_inodes() {
  if (mkdir("idir") < 0 || chdir("idir") < 0) {
    expect(false, "mkdir idir");
    return 0;
  }
  int n = 0;
  for (;; n++) {
    char name[16];
    fill_name(name, 'i', n);
    int fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0) break;
    close(fd);
  }
  expect(mkdir("nodir") < 0, "mkdir without a free inode fails");
  unlink_all('i', n);
  expect(chdir("..") == 0, "chdir ..");
  expect(unlink("idir") == 0, "unlink idir");
  return n;
}

int run_fill() {
  int inodes0 = fill_inodes();
  int nfiles1 = 0;
  uint bytes1 = fill_blocks(&nfiles1);
  unlink_all('b', nfiles1);
  int inodes1 = fill_inodes();
  int nfiles2 = 0;
  uint bytes2 = fill_blocks(&nfiles2);
  unlink_all('b', nfiles2);
  printf("fill: %d inodes, then %d; %d bytes in %d files, then %d bytes in %d files\n", inodes0,
         inodes1, bytes1, nfiles1, bytes2, nfiles2);
  expect(inodes0 > 0 && inodes0 == inodes1, "no inode leaked");
  expect(bytes1 > 0 && bytes1 == bytes2, "no block leaked");
  printf(failures == 0 ? "fill ok\n" : "fill failed\n");
  return failures == 0 ? 0 : 1;
}

// ---- badargs ----------------------------------------------------------------------------------

int run_badargs() {
  // Addresses no user process maps: the top of Sv39 user space (trampoline/trapframe) and
  // far beyond the heap.
  char* const bad = reinterpret_cast<char*>(0x3fffffe000UL);
  char* const wild = reinterpret_cast<char*>(0x1000000000UL);

  int first = open("README", O_RDONLY);
  expect(first >= 0, "open README");
  close(first);

  {
    ulib::Fd f = ulib::Fd::open("badfile", O_CREATE | O_RDWR);
    expect(f.valid(), "create badfile");
    expect(write(f.get(), "abc", 3) == 3, "write 3 bytes");
    expect(write(f.get(), bad, 10) == -1, "write from a kernel address fails");
    expect(write(f.get(), wild, 10) == -1, "write from an unmapped address fails");
    struct stat st;
    expect(fstat(f.get(), &st) == 0 && st.size == 3, "failed writes changed nothing");
    expect(fstat(f.get(), reinterpret_cast<struct stat*>(bad)) == -1, "fstat to a bad address");
    expect(write(f.get(), "x", -1) == -1, "write of a negative count");
  }
  {
    ulib::Fd f = ulib::Fd::open("badfile", O_RDONLY);
    expect(read(f.get(), bad, 3) == -1, "read into a kernel address fails");
    expect(read(f.get(), wild, 3) == -1, "read into an unmapped address fails");
    char c[4];
    expect(read(f.get(), c, -5) == -1, "read of a negative count");
    expect(write(f.get(), "x", 1) == -1, "write to a read-only fd");
  }
  {
    ulib::Fd f = ulib::Fd::open("badfile", O_WRONLY);
    char c;
    expect(read(f.get(), &c, 1) == -1, "read from a write-only fd");
  }
  char c;
  expect(read(-1, &c, 1) == -1 && read(NOFILE, &c, 1) == -1 && read(12, &c, 1) == -1,
         "bad fds read");
  expect(close(-1) == -1 && close(NOFILE) == -1 && close(13) == -1, "bad fds close");
  expect(dup(-1) == -1 && dup(NOFILE + 5) == -1, "bad fds dup");
  expect(open(bad, O_RDONLY) == -1 && open(wild, O_CREATE | O_RDWR) == -1,
         "open of a bad path pointer");
  expect(pipe(reinterpret_cast<int*>(bad)) == -1, "pipe to a bad address");
  expect(mkdir(bad) == -1 && unlink(wild) == -1 && chdir(bad) == -1, "bad path pointers");
  expect(link("badfile", bad) == -1 && link(bad, "x") == -1, "link with bad pointers");
  expect(mknod("baddev", 99, 0) == -1 && mknod("baddev", -1, 0) == -1, "mknod with a bad major");
  expect(open("/", O_WRONLY) == -1 && open("/", O_RDWR) == -1, "a directory opened for writing");
  expect(unlink("/") == -1 && unlink(".") == -1 && unlink("..") == -1, "unlink of / . ..");
  expect(open("nosuch/file", O_CREATE | O_RDWR) == -1, "create in a missing directory");
  expect(open("badfile/x", O_CREATE | O_RDWR) == -1, "create under a file");
  expect(mkdir("badfile") == -1, "mkdir over a file");
  expect(link("badfile", "badfile") == -1, "link to an existing name");
  expect(link("/", "rootlink") == -1, "link to a directory");
  static char longpath[MAXPATH + 10];
  memset(longpath, 'a', sizeof(longpath) - 1);
  expect(open(longpath, O_CREATE | O_RDWR) == -1, "a path longer than MAXPATH");
  expect(unlink("badfile") == 0, "unlink badfile");

  // Nothing above kept a descriptor or a file-table slot.
  int again = open("README", O_RDONLY);
  expect(again == first, "no descriptor leaked");
  close(again);
  int fds[NOFILE];
  int n = 0;
  while (n < NOFILE && (fds[n] = open("README", O_RDONLY)) >= 0) n++;
  expect(n == NOFILE - first, "every other descriptor is free");
  for (int i = 0; i < n; i++) close(fds[i]);

  printf(failures == 0 ? "badargs ok\n" : "badargs failed\n");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "fill") == 0) return run_fill();
  if (argc >= 2 && strcmp(argv[1], "badargs") == 0) return run_badargs();
  if (argc >= 2 && strcmp(argv[1], "write") == 0) return run_writer();
  if (argc >= 2 && strcmp(argv[1], "check") == 0) return run_checker(argc, argv);
  printf("usage: fscrash write | check +NAME... -NAME... | fill | badargs\n");
  return 2;
}
