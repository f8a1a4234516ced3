// fstests: file-system semantics through the system calls: create/read/write/unlink/link/mkdir and
// directory removal, files up to the maximum size, many files in a directory, concurrent writers,
// and running out of disk blocks or inodes (a clean failure, then everything reusable).
// Usage: fstests [subtest...]
#include "kernel/fs.h"
#include "user/tests/testlib.h"

namespace {

using namespace utest;

constexpr uint64 kMaxFileBytes = MAXFILE * BSIZE;
alignas(8) uchar g_buf[8192];
alignas(8) uchar g_buf2[8192];

int create(const char* path) {
  int fd = open(path, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create ", path);
  return fd;
}

void write_all(int fd, const void* data, int n) {
  CHECK_EQ(write(fd, data, n), n);
}

// Writes `n` pattern bytes (seed) to a new file.
void make_file(const char* path, int n, uint64 seed) {
  int fd = create(path);
  fill_pattern(g_buf, n, seed);
  write_all(fd, g_buf, n);
  close(fd);
}

void expect_file(const char* path, int n, uint64 seed) {
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "open ", path);
  CHECK_EQ(read(fd, g_buf2, sizeof g_buf2), n);
  CHECK_EQ(verify_pattern(g_buf2, n, seed), -1L);
  CHECK_EQ(read(fd, g_buf2, 1), 0);
  close(fd);
}

uint64 file_size(int fd) {
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0);
  return st.size;
}

void create_write_read() {
  int fd = create("/xf_basic");
  fill_pattern(g_buf, 5000, 1);
  for (int off = 0; off < 5000; off += 1000) write_all(fd, g_buf + off, 1000);
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.type, static_cast<short>(T_FILE));
  CHECK_EQ(st.nlink, static_cast<short>(1));
  CHECK_EQ(st.size, 5000ul);
  CHECK_EQ(read(fd, g_buf2, 10), 0);  // at the end
  close(fd);
  fd = open("/xf_basic", O_RDONLY);
  CHECK(fd >= 0);
  int got = 0, r;
  while ((r = read(fd, g_buf2 + got, 777)) > 0) got += r;
  CHECK_EQ(r, 0);
  CHECK_EQ(got, 5000);
  CHECK_EQ(verify_pattern(g_buf2, 5000, 1), -1L);
  close(fd);
  CHECK_EQ(unlink("/xf_basic"), 0);
  CHECK_EQ(open("/xf_basic", O_RDONLY), -1);
  CHECK_EQ(unlink("/xf_basic"), -1);
}

void open_modes() {
  make_file("/xf_modes", 100, 2);
  int fd = open("/xf_modes", O_RDONLY);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, g_buf, 1), -1);
  close(fd);
  fd = open("/xf_modes", O_WRONLY);
  CHECK(fd >= 0);
  CHECK_EQ(read(fd, g_buf, 1), -1);
  close(fd);
  fd = open("/xf_modes", O_CREATE | O_RDWR);  // exists: opened, not truncated
  CHECK(fd >= 0);
  CHECK_EQ(file_size(fd), 100ul);
  close(fd);
  fd = open("/xf_modes", O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  CHECK_EQ(file_size(fd), 0ul);
  close(fd);
  CHECK_EQ(open("/xf_nonexistent", O_RDONLY), -1);
  CHECK_EQ(open("/xf_nonexistent", O_RDWR), -1);
  CHECK_EQ(unlink("/xf_modes"), 0);
}

void offsets_shared_and_not() {
  make_file("/xf_off", 100, 3);
  int a = open("/xf_off", O_RDONLY);
  int b = open("/xf_off", O_RDONLY);
  int c = dup(a);
  CHECK(a >= 0 && b >= 0 && c >= 0);
  CHECK_EQ(read(a, g_buf2, 10), 10);
  CHECK_EQ(read(c, g_buf2 + 10, 10), 10);  // dup shares the offset
  CHECK_EQ(read(b, g_buf2 + 20, 10), 10);  // a separate open does not
  fill_pattern(g_buf, 100, 3);
  CHECK(memcmp(g_buf2, g_buf, 20) == 0);
  CHECK(memcmp(g_buf2 + 20, g_buf, 10) == 0);
  int pid = fork();
  if (pid == 0) {
    read(a, g_buf2, 30);  // moves the shared offset to 50
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(read(c, g_buf2, 100), 50);
  close(a);
  close(b);
  close(c);
  unlink("/xf_off");
}

void unlink_open_file() {
  int fd = create("/xf_unl");
  write_all(fd, "hello", 5);
  CHECK_EQ(unlink("/xf_unl"), 0);
  CHECK_EQ(open("/xf_unl", O_RDONLY), -1);
  write_all(fd, " world", 6);  // the inode lives while it is open
  CHECK_EQ(file_size(fd), 11ul);
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.nlink, static_cast<short>(0));
  int fd2 = create("/xf_unl");  // a new, empty file under the old name
  CHECK_EQ(file_size(fd2), 0ul);
  close(fd2);
  close(fd);
  CHECK_EQ(unlink("/xf_unl"), 0);
}

void link_semantics() {
  make_file("/xf_la", 300, 4);
  CHECK_EQ(link("/xf_la", "/xf_lb"), 0);
  struct stat sa, sb;
  CHECK_EQ(stat("/xf_la", &sa), 0);
  CHECK_EQ(stat("/xf_lb", &sb), 0);
  CHECK_EQ(sa.ino, sb.ino);
  CHECK_EQ(sa.nlink, static_cast<short>(2));
  CHECK_EQ(link("/xf_la", "/xf_lb"), -1);       // name exists
  CHECK_EQ(link("/xf_none", "/xf_lc"), -1);     // source missing
  CHECK_EQ(link("/xf_la", "/xf_nodir/x"), -1);  // target directory missing
  CHECK_EQ(mkdir("/xf_ldir"), 0);
  CHECK_EQ(link("/xf_ldir", "/xf_ldir2"), -1);  // no links to directories
  CHECK_EQ(link("/xf_la", "/xf_ldir/inner"), 0);
  CHECK_EQ(unlink("/xf_la"), 0);
  expect_file("/xf_lb", 300, 4);
  expect_file("/xf_ldir/inner", 300, 4);
  CHECK_EQ(stat("/xf_lb", &sb), 0);
  CHECK_EQ(sb.nlink, static_cast<short>(2));
  CHECK_EQ(unlink("/xf_ldir/inner"), 0);
  CHECK_EQ(stat("/xf_lb", &sb), 0);
  CHECK_EQ(sb.nlink, static_cast<short>(1));
  CHECK_EQ(unlink("/xf_lb"), 0);
  CHECK_EQ(unlink("/xf_ldir"), 0);
  CHECK_EQ(stat("/xf_ldir2", &sb), -1);
}

void directories() {
  CHECK_EQ(mkdir("/xf_d"), 0);
  CHECK_EQ(mkdir("/xf_d"), -1);
  CHECK_EQ(mkdir("/xf_nod/sub"), -1);
  struct stat st;
  CHECK_EQ(stat("/xf_d", &st), 0);
  CHECK_EQ(st.type, static_cast<short>(T_DIR));
  CHECK_EQ(open("/xf_d", O_RDWR), -1);  // directories are not writable as files
  CHECK_EQ(open("/xf_d", O_WRONLY), -1);
  int fd = open("/xf_d", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ(chdir("/xf_d"), 0);
  make_file("rel", 10, 5);
  CHECK_EQ(mkdir("sub"), 0);
  CHECK_EQ(chdir("sub"), 0);
  expect_file("../rel", 10, 5);
  expect_file("/xf_d/rel", 10, 5);
  CHECK_EQ(chdir("../.."), 0);
  expect_file("xf_d/./sub/../rel", 10, 5);
  // Not removable while not empty; "." and ".." never.
  CHECK_EQ(unlink("/xf_d"), -1);
  CHECK_EQ(unlink("/xf_d/sub/."), -1);
  CHECK_EQ(unlink("/xf_d/sub/.."), -1);
  CHECK_EQ(unlink("/xf_d/sub"), 0);
  CHECK_EQ(unlink("/xf_d/rel"), 0);
  CHECK_EQ(unlink("/xf_d"), 0);
  CHECK_EQ(chdir("/xf_d"), -1);
  // A file is not a directory.
  make_file("/xf_file", 10, 6);
  CHECK_EQ(open("/xf_file/x", O_CREATE | O_RDWR), -1);
  CHECK_EQ(mkdir("/xf_file/x"), -1);
  CHECK_EQ(chdir("/xf_file"), -1);
  CHECK_EQ(unlink("/xf_file/x"), -1);
  CHECK_EQ(unlink("/xf_file"), 0);
  CHECK_EQ(unlink("/"), -1);
  CHECK_EQ(unlink("/."), -1);
  CHECK_EQ(unlink("/.."), -1);
  CHECK_EQ(mkdir("/"), -1);
}

void removed_cwd() {
  // A process whose working directory is removed can no longer create files there: a file linked
  // into a directory that is already gone could never be reached or freed (xv6 allows it).
  CHECK_EQ(mkdir("/xf_gone"), 0);
  int pid = fork();
  if (pid == 0) {
    if (chdir("/xf_gone") != 0) exit(2);
    if (unlink("/xf_gone") != 0) exit(3);
    int fd = open("x", O_CREATE | O_RDWR);
    if (fd >= 0) {
      unlink("x");  // undo it, so later subtests see a clean disk
      say(g_current, ": open(\"x\", O_CREATE) in a removed working directory returned ", fd);
      exit(4);
    }
    if (mkdir("y") == 0) {
      unlink("y");
      say(g_current, ": mkdir(\"y\") in a removed working directory succeeded");
      exit(5);
    }
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  struct stat st;
  CHECK_EQ(stat("/xf_gone", &st), -1);
}

void removed_cwd_parent() {
  // The ".." entry of a removed directory still names its old parent, which may be removed and
  // freed too; looking ".." up there must fail, not reach the freed inode (the kernel panicked in
  // ilock, "inode N has no type", or reached whatever reused the inode number).
  CHECK_EQ(mkdir("/xf_up"), 0);
  CHECK_EQ(mkdir("/xf_up/down"), 0);
  int pid = fork();
  if (pid == 0) {
    if (chdir("/xf_up/down") != 0) exit(2);
    if (unlink("/xf_up/down") != 0) exit(3);
    if (unlink("/xf_up") != 0) exit(4);
    if (chdir("..") == 0) {
      say(g_current, ": chdir(\"..\") from a removed directory whose parent is gone succeeded");
      exit(5);
    }
    int fd = open("../x", O_CREATE | O_RDWR);
    if (fd >= 0) {
      say(g_current, ": open(\"../x\", O_CREATE) in a freed directory returned ", fd);
      exit(6);
    }
    exit(0);
  }
  CHECK_EQ(wait_for(pid), 0);
  struct stat st;
  CHECK_EQ(stat("/xf_up", &st), -1);
}

void long_names() {
  // DIRSIZ (14) bytes is the longest name that is stored whole.
  make_file("/abcdefghijklmn", 20, 7);
  expect_file("/abcdefghijklmn", 20, 7);
  CHECK_EQ(unlink("/abcdefghijklmn"), 0);
}

void read_directory() {
  int fd = open("/", O_RDONLY);
  CHECK(fd >= 0);
  struct dirent de;
  bool dot = false, dotdot = false, readme = false;
  while (read(fd, &de, sizeof de) == static_cast<int>(sizeof de)) {
    if (de.inum == 0) continue;
    char name[DIRSIZ + 1] = {};
    memcpy(name, de.name, DIRSIZ);
    dot |= strcmp(name, ".") == 0 && de.inum == ROOTINO;
    dotdot |= strcmp(name, "..") == 0 && de.inum == ROOTINO;
    readme |= strcmp(name, "README") == 0;
  }
  CHECK(dot && dotdot && readme, dot, dotdot, readme);
  close(fd);
}

void console_device() {
  CHECK_EQ(mknod("/xf_cons", 1, 0), 0);  // major 1: the console
  struct stat st;
  CHECK_EQ(stat("/xf_cons", &st), 0);
  CHECK_EQ(st.type, static_cast<short>(T_DEVICE));
  int fd = open("/xf_cons", O_WRONLY);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "(console via mknod)\n", 20), 20);
  close(fd);
  CHECK_EQ(mknod("/xf_cons", 1, 0), -1);
  CHECK_EQ(unlink("/xf_cons"), 0);
}

void max_size_file() {
  int fd = create("/xf_big");
  for (uint64 off = 0; off < kMaxFileBytes; off += 4096) {
    int n = static_cast<int>(kMaxFileBytes - off < 4096 ? kMaxFileBytes - off : 4096);
    fill_pattern(g_buf, n, off / 4096);
    CHECK(write(fd, g_buf, n) == n, "write at ", off);
  }
  CHECK_EQ(file_size(fd), kMaxFileBytes);
  int r = write(fd, "x", 1);  // past MAXFILE blocks
  CHECK(r == -1 || r == 0, "write past the maximum returned ", r);
  CHECK_EQ(file_size(fd), kMaxFileBytes);
  close(fd);
  fd = open("/xf_big", O_RDONLY);
  CHECK(fd >= 0);
  for (uint64 off = 0; off < kMaxFileBytes; off += 4096) {
    int n = static_cast<int>(kMaxFileBytes - off < 4096 ? kMaxFileBytes - off : 4096);
    CHECK_EQ(read(fd, g_buf2, n), n);
    CHECK(verify_pattern(g_buf2, n, off / 4096) == -1, "content at ", off);
  }
  CHECK_EQ(read(fd, g_buf2, 1), 0);
  close(fd);
  // Truncation frees it all; writing it again works.
  fd = open("/xf_big", O_RDWR | O_TRUNC);
  CHECK(fd >= 0);
  CHECK_EQ(file_size(fd), 0ul);
  write_all(fd, "again", 5);
  close(fd);
  CHECK_EQ(unlink("/xf_big"), 0);
}

void name_of(char* out, const char* prefix, int i) {
  int n = 0;
  while (prefix[n] != '\0') {
    out[n] = prefix[n];
    ++n;
  }
  out[n++] = static_cast<char>('0' + i / 100 % 10);
  out[n++] = static_cast<char>('0' + i / 10 % 10);
  out[n++] = static_cast<char>('0' + i % 10);
  out[n] = '\0';
}

void many_files_in_directory() {
  constexpr int kN = 120;  // a directory of several blocks
  CHECK_EQ(mkdir("/xf_many"), 0);
  char name[32];
  for (int i = 0; i < kN; ++i) {
    name_of(name, "/xf_many/f", i);
    int fd = create(name);
    write_all(fd, name, static_cast<int>(strlen(name)));
    close(fd);
  }
  for (int i = kN - 1; i >= 0; --i) {
    name_of(name, "/xf_many/f", i);
    int fd = open(name, O_RDONLY);
    CHECK(fd >= 0, name);
    char got[32] = {};
    CHECK_EQ(read(fd, got, sizeof got), static_cast<int>(strlen(name)));
    CHECK(strcmp(got, name) == 0, name);
    close(fd);
  }
  CHECK_EQ(unlink("/xf_many"), -1);
  for (int i = 0; i < kN; ++i) {
    name_of(name, "/xf_many/f", i);
    CHECK(unlink(name) == 0, name);
  }
  CHECK_EQ(unlink("/xf_many"), 0);
}

void concurrent_writers_own_files() {
  constexpr int kN = 4;
  int pids[kN];
  for (int i = 0; i < kN; ++i) {
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) {
      char name[16];
      name_of(name, "/xf_cw", i);
      int fd = open(name, O_CREATE | O_RDWR);
      if (fd < 0) exit(2);
      for (int k = 0; k < 10; ++k) {
        fill_pattern(g_buf, 2000, i * 100 + k);
        if (write(fd, g_buf, 2000) != 2000) exit(3);
      }
      exit(0);
    }
  }
  for (int i = 0; i < kN; ++i) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, 0);
  }
  for (int i = 0; i < kN; ++i) {
    char name[16];
    name_of(name, "/xf_cw", i);
    int fd = open(name, O_RDONLY);
    CHECK(fd >= 0);
    for (int k = 0; k < 10; ++k) {
      CHECK_EQ(read(fd, g_buf2, 2000), 2000);
      CHECK_EQ(verify_pattern(g_buf2, 2000, i * 100 + k), -1L);
    }
    close(fd);
    unlink(name);
  }
}

void concurrent_writers_shared_fd() {
  // Writers sharing one descriptor: every record lands whole, none lost or overwritten.
  constexpr int kN = 4, kRecords = 40, kRec = 64;
  int fd = create("/xf_shared");
  for (int i = 0; i < kN; ++i) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      char rec[kRec];
      memset(rec, 'A' + i, kRec);
      for (int k = 0; k < kRecords; ++k)
        if (write(fd, rec, kRec) != kRec) exit(2);
      exit(0);
    }
  }
  for (int i = 0; i < kN; ++i) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, 0);
  }
  CHECK_EQ(file_size(fd), static_cast<uint64>(kN * kRecords * kRec));
  close(fd);
  fd = open("/xf_shared", O_RDONLY);
  int count[kN] = {};
  char rec[kRec];
  for (int r = 0; r < kN * kRecords; ++r) {
    CHECK_EQ(read(fd, rec, kRec), kRec);
    int who = rec[0] - 'A';
    CHECK(who >= 0 && who < kN, "record ", r);
    for (int b = 1; b < kRec; ++b) CHECK(rec[b] == rec[0], "torn record ", r);
    ++count[who];
  }
  for (int i = 0; i < kN; ++i) CHECK_EQ(count[i], kRecords);
  close(fd);
  unlink("/xf_shared");
}

void concurrent_create_unlink() {
  // Processes creating, linking and unlinking the same names at once (xv6: concreate, linkunlink).
  constexpr int kN = 3;
  for (int i = 0; i < kN; ++i) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      Rng rng(1234 + i);
      char a[16], b[16];
      for (int k = 0; k < 150; ++k) {
        name_of(a, "/xf_cc", static_cast<int>(rng.below(8)));
        name_of(b, "/xf_cc", static_cast<int>(rng.below(8)));
        switch (rng.below(4)) {
          case 0: {
            int fd = open(a, O_CREATE | O_RDWR);
            if (fd >= 0) {
              write(fd, "data", 4);
              close(fd);
            }
            break;
          }
          case 1:
            unlink(a);
            break;
          case 2:
            link(a, b);
            break;
          default: {
            int fd = open(a, O_RDONLY);
            if (fd >= 0) {
              char c[8];
              read(fd, c, sizeof c);
              close(fd);
            }
          }
        }
      }
      exit(0);
    }
  }
  for (int i = 0; i < kN; ++i) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, 0);
  }
  char a[16];
  for (int i = 0; i < 8; ++i) {
    name_of(a, "/xf_cc", i);
    struct stat st;
    if (stat(a, &st) == 0) {
      CHECK_EQ(st.type, static_cast<short>(T_FILE));
      CHECK(st.nlink >= 1);
      CHECK_EQ(unlink(a), 0);
    }
  }
}

// Fills the disk with files of up to 200 KiB (less where MAXFILE is smaller: 70 KiB in xv6-x86's
// format, whose write past it must not look like a full disk); returns the bytes that got stored.
uint64 fill_disk(int* nfiles) {
  constexpr uint64 kChunks = kMaxFileBytes / 4096 < 50 ? kMaxFileBytes / 4096 : 50;
  uint64 total = 0;
  char name[16];
  fill_pattern(g_buf, 4096, 9);
  int i = 0;
  for (; i < 100; ++i) {
    name_of(name, "/xf_full", i);
    int fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0) break;
    bool full = false;
    for (uint64 k = 0; k < kChunks && !full; ++k) full = write(fd, g_buf, 4096) != 4096;
    total += file_size(fd);
    close(fd);
    if (full) {
      ++i;
      break;
    }
  }
  *nfiles = i;
  return total;
}

void empty_disk(int nfiles) {
  char name[16];
  for (int i = 0; i < nfiles; ++i) {
    name_of(name, "/xf_full", i);
    CHECK(unlink(name) == 0, name);
  }
}

void disk_full() {
  // Make the root directory big enough for every name first (and free those entries again), so
  // that the two rounds below need exactly the same blocks.
  constexpr int kNames = 32;
  char name[16];
  for (int i = 0; i < kNames; ++i) {
    name_of(name, "/xf_full", i);
    close(create(name));
  }
  empty_disk(kNames);
  int n1 = 0, n2 = 0;
  uint64 t1 = fill_disk(&n1);
  CHECK(t1 > 100 * 1024, "stored only ", t1, " bytes");
  CHECK(n1 <= kNames, "needed ", n1, " files to fill the disk");
  // The full disk still reads; a new empty file may or may not fit (it needs no data block).
  int fd = open("/xf_small", O_CREATE | O_RDWR);
  if (fd >= 0) {
    close(fd);
    CHECK_EQ(unlink("/xf_small"), 0);
  }
  fd = open("/README", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(read(fd, g_buf2, 100) > 0);
  close(fd);
  empty_disk(n1);
  uint64 t2 = fill_disk(&n2);
  empty_disk(n2);
  CHECK(t2 == t1, "round 1 stored ", t1, " bytes, round 2 ", t2, ": blocks leaked");
}

int fill_inodes() {
  char name[24];
  int i = 0;
  for (; i < 400; ++i) {
    name_of(name, "/xf_ino/i", i);
    int fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0) break;
    close(fd);
  }
  return i;
}

void empty_inodes(int n) {
  char name[24];
  for (int i = 0; i < n; ++i) {
    name_of(name, "/xf_ino/i", i);
    CHECK(unlink(name) == 0, name);
  }
}

void out_of_inodes() {
  CHECK_EQ(mkdir("/xf_ino"), 0);
  int n1 = fill_inodes();
  CHECK(n1 > 50 && n1 < 400, "created ", n1, " files");
  CHECK_EQ(mkdir("/xf_ino2"), -1);  // no inode for it either
  empty_inodes(n1);
  int n2 = fill_inodes();
  empty_inodes(n2);
  CHECK(n2 == n1, "round 1 created ", n1, " files, round 2 ", n2, ": inodes leaked");
  CHECK_EQ(unlink("/xf_ino"), 0);
}

// Entries named name in directory dir.
int count_entries(const char* dir, const char* name) {
  int fd = open(dir, O_RDONLY);
  CHECK(fd >= 0, dir);
  struct dirent de;
  int n = 0;
  while (read(fd, &de, sizeof de) == static_cast<int>(sizeof de)) {
    char got[DIRSIZ + 1] = {};
    memcpy(got, de.name, DIRSIZ);
    if (de.inum != 0 && strcmp(got, name) == 0) ++n;
  }
  close(fd);
  return n;
}

// Issue 15: with every in-memory inode slot (NINODE) held, a lookup that cannot get a slot must
// fail the call, not look like a missing name (link, mkdir and mknod added duplicate entries).
// Children hold open files until an open fails (the table is full); the test holds one more
// file, whose close leaves exactly one slot free.
void full_inode_table() {
  constexpr int kFiles = 80, kPerChild = 10;  // a child has 5 descriptors already
  char name[24];
  for (int i = 0; i < kFiles; ++i) {
    name_of(name, "/xf_t", i);
    close(create(name));
  }
  close(create("/xf_src"));
  close(create("/xf_dup"));
  int hold = open("/xf_t000", O_RDONLY);
  CHECK(hold >= 0);
  int release[2];
  CHECK_EQ(pipe(release), 0);
  int children = 0;
  bool full = false;
  for (int first = 1; first + kPerChild <= kFiles && !full; first += kPerChild) {
    int report[2];
    CHECK_EQ(pipe(report), 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(hold);  // the test's own, to free one slot later
      close(release[1]);
      close(report[0]);
      char full_byte = 0;
      for (int i = first; i < first + kPerChild; ++i) {
        name_of(name, "/xf_t", i);
        if (open(name, O_RDONLY) < 0) {
          full_byte = 1;
          break;
        }
      }
      write(report[1], &full_byte, 1);
      char c;
      read(release[0], &c, 1);  // until the test closes the pipe
      exit(0);
    }
    ++children;
    close(report[1]);
    char full_byte = 0;
    CHECK_EQ(read(report[0], &full_byte, 1), 1);
    close(report[0]);
    full = full_byte != 0;
  }
  CHECK(full, "the inode table never filled (", children, " children)");
  CHECK_EQ(open("/xf_t079", O_RDONLY), -1);  // full indeed (no child opened that one)
  // No slot free: the name's lookup cannot get one.
  CHECK_EQ(mkdir("/xf_src"), -1);
  CHECK_EQ(mknod("/xf_src", 1, 0), -1);
  CHECK_EQ(open("/xf_src", O_CREATE | O_RDWR), -1);
  // One slot free: link's lookup of the old name takes it.
  close(hold);
  CHECK_EQ(link("/xf_src", "/xf_dup"), -1);
  CHECK_EQ(mkdir("/xf_dup"), -1);
  close(release[1]);
  close(release[0]);
  for (int i = 0; i < children; ++i) CHECK(wait(nullptr) > 0);
  CHECK_EQ(count_entries("/", "xf_src"), 1);
  CHECK_EQ(count_entries("/", "xf_dup"), 1);
  struct stat st;
  int fd = open("/xf_src", O_RDONLY);
  CHECK(fd >= 0);
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.nlink, static_cast<short>(1));
  close(fd);
  CHECK_EQ(unlink("/xf_src"), 0);
  CHECK_EQ(unlink("/xf_dup"), 0);
  for (int i = 0; i < kFiles; ++i) {
    name_of(name, "/xf_t", i);
    CHECK(unlink(name) == 0, name);
  }
}

constexpr Test kTests[] = {
    {"create_write_read", create_write_read},
    {"open_modes", open_modes},
    {"offsets_shared_and_not", offsets_shared_and_not},
    {"unlink_open_file", unlink_open_file},
    {"link_semantics", link_semantics},
    {"directories", directories},
    {"removed_cwd", removed_cwd},
    {"removed_cwd_parent", removed_cwd_parent},
    {"long_names", long_names},
    {"read_directory", read_directory},
    {"console_device", console_device},
    {"max_size_file", max_size_file},
    {"many_files_in_directory", many_files_in_directory},
    {"concurrent_writers_own_files", concurrent_writers_own_files},
    {"concurrent_writers_shared_fd", concurrent_writers_shared_fd},
    {"concurrent_create_unlink", concurrent_create_unlink},
    {"disk_full", disk_full, 3000},
    {"out_of_inodes", out_of_inodes},
    {"full_inode_table", full_inode_table},
};

}  // namespace

int main(int argc, char** argv) {
  run_tests("fstests", kTests, argc, argv);
}
