// xv6prog: a program made the way xv6-x86 makes its user programs, to show that Pagoda x86 runs
// them unchanged: xv6-x86's user.h prototypes (exit(void), wait(void)), its struct stat and
// dirent, its O_ flags and T_ types, its system-call convention (usys.S here), built with plain
// flags (-m32 -static -fno-pic, linked -N -e main -Ttext 0, no crt0: exec's stack frame is
// main's). It includes no Pagoda header. Each check prints one line; the last is
// "xv6prog: all ok" when every check passed.
typedef unsigned int uint;
typedef unsigned short ushort;

// xv6-x86 stat.h, fs.h (dirent), fcntl.h.
#define T_DIR 1
#define T_FILE 2
#define T_DEV 3
struct stat {
  short type;
  int dev;
  uint ino;
  short nlink;
  uint size;
};
#define DIRSIZ 14
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};
#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_CREATE 0x200

// xv6-x86 user.h.
int fork(void);
int exit(void) __attribute__((noreturn));
int wait(void);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sbrk(int);
int sleep(int);
int uptime(void);

static int failures;

static int length(const char* s) {
  int n = 0;
  while (s[n]) n++;
  return n;
}

static int same(const char* a, const char* b, int n) {
  for (int i = 0; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static void puts1(const char* s) {
  write(1, s, length(s));
}

static void putnum(int v) {
  char buf[12];
  int i = sizeof buf;
  uint u = v < 0 ? -(uint)v : (uint)v;
  do {
    buf[--i] = '0' + u % 10;
    u /= 10;
  } while (u);
  if (v < 0) buf[--i] = '-';
  write(1, buf + i, sizeof buf - i);
}

static void result(const char* what, int ok, int value) {
  puts1("xv6prog: ");
  puts1(what);
  puts1(ok ? " ok " : " FAILED ");
  putnum(value);
  puts1("\n");
  if (!ok) failures++;
}

int main(int argc, char* argv[]) {
  // exec's frame: argc, argv, the strings.
  int args_ok = argc == 3 && same(argv[1], "one", 4) && same(argv[2], "two", 4) && argv[3] == 0;
  result("argv", args_ok, argc);
  result("getpid", getpid() > 0, getpid() > 0);

  // Files, and xv6-x86's struct stat.
  result("mkdir", mkdir("xv6d") == 0, 0);
  int fd = open("xv6d/f", O_CREATE | O_RDWR);
  result("open create", fd >= 0, fd);
  result("write", write(fd, "hello xv6", 9) == 9, 9);
  close(fd);
  fd = open("xv6d/f", O_RDONLY);
  struct stat st;
  st.type = 0;
  st.size = 0;
  st.nlink = 0;
  result("fstat", fstat(fd, &st) == 0, 0);
  result("stat type file", st.type == T_FILE, st.type);
  result("stat nlink", st.nlink == 1, st.nlink);
  result("stat size", st.size == 9, st.size);
  result("stat ino", st.ino > 1, st.ino);
  char buf[16];
  int n = read(fd, buf, sizeof buf);
  result("read back", n == 9 && same(buf, "hello xv6", 9), n);
  close(fd);
  fd = open("xv6d", O_RDONLY);
  st.type = 0;
  fstat(fd, &st);
  result("stat type dir", st.type == T_DIR, st.type);
  close(fd);
  fd = open("console", O_RDWR);
  st.type = 0;
  fstat(fd, &st);
  result("stat type device", fd >= 0 && st.type == T_DEV, st.type);
  close(fd);

  // 16-byte directory entries: this program is in the root directory.
  fd = open(".", O_RDONLY);
  struct dirent de;
  int found = 0;
  while (read(fd, &de, sizeof de) == sizeof de)
    if (de.inum != 0 && same(de.name, "xv6prog", 8)) found = 1;
  close(fd);
  result("dirent", sizeof de == 16 && found, sizeof de);

  // fork, pipe, exit(void), wait(void).
  int p[2];
  result("pipe", pipe(p) == 0, 0);
  int pid = fork();
  if (pid == 0) {
    close(p[0]);
    write(p[1], "ping", 4);
    exit();
  }
  close(p[1]);
  n = read(p[0], buf, sizeof buf);
  result("pipe read", n == 4 && same(buf, "ping", 4), n);
  close(p[0]);
  result("wait", wait() == pid, pid);
  result("wait none left", wait() == -1, -1);

  // sbrk: the old break back, the new memory usable and zeroed.
  char* old = sbrk(8192);
  int zero = 1;
  for (int i = 0; i < 8192; i++) {
    if (old[i] != 0) zero = 0;
    old[i] = (char)i;
  }
  result("sbrk", old != (char*)-1 && zero && sbrk(0) == old + 8192, 8192);
  sbrk(-8192);

  // A child that faults is killed; its parent's wait() still returns it.
  pid = fork();
  if (pid == 0) {
    *(volatile int*)0x80000000 = 1;  // KERNBASE: the kernel's
    exit();
  }
  result("killed child reaped", wait() == pid, pid);

  result("unlink file", unlink("xv6d/f") == 0, 0);
  result("unlink dir", unlink("xv6d") == 0, 0);
  result("gone", open("xv6d/f", O_RDONLY) == -1, -1);

  puts1(failures == 0 ? "xv6prog: all ok\n" : "xv6prog: some checks FAILED\n");
  exit();
}
