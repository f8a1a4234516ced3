/* vmbench: times the VM system's hot paths in guest time (issue 7).
 *
 * Every figure is clock ticks per operation. RISC-V: the `time` CSR (QEMU virt: 10 MHz, so one tick
 * is 100 ns of virtual time; under `-icount shift=0` one instruction is 1 ns, so a tick is ~100
 * instructions). x86: the TSC (under -icount shift=0, 1 per instruction). Only the xv6 user API plus
 * `rdtime`/`rdtsc` is used, so the same file builds for xv6-riscv; the kernel must let user mode read
 * `time` (mcounteren.TM and scounteren.TM, priv. spec 3.1.11/4.1.5).
 *
 *   vmbench            every benchmark
 *   vmbench -q         every benchmark, an eighth of the iterations (a smoke test)
 *   vmbench NAME...    only the named benchmarks
 *
 * Per benchmark it prints a human line `NAME: TICKS_PER_OP` and a machine-readable line
 *   BENCH name=NAME ticks_per_op=T iters=K ticks=TOTAL
 * (or `BENCH name=NAME error=WHY`), and `BENCH done` at the end. Output is built into a line and
 * written with one write(), so that xv6's byte-at-a-time printf does not matter.
 *
 * The file benchmarks run with an "idle filler" (two children ping-ponging a byte) so that disk waits
 * cost instructions rather than -icount sleep=off jumps to the next timer tick; see bench/README.md.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define PAGE 4096
#define SUPERPAGE (2 * 1024 * 1024) /* an Sv39 level-1 leaf */
#define GROW_BYTES (4 * 1024 * 1024)  /* the 4 MiB of growth (sbrk, fork of a big process) */
#define PIPE_BYTES (4 * 1024 * 1024)  /* the big pipe transfer */
#define PIPE_CHUNK 512                /* its write size */
#define FILE_BYTES (200 * 1024)       /* the file written and read back */
#define FILE_CHUNK 4096
#define COPYIN_CHUNK 4096             /* write size of the copyin-heavy pipe benchmark */
#define EXEC_CHAIN 8                  /* execs per fork in the exec benchmark */
#define TMPFILE "vmbench.tmp"
#define MAPFILE "vmbench.map"      /* the file read once by read() and by mmap */
#define NOP "/nop"

/* The benchmark clock. RISC-V: the `time` CSR (QEMU virt: 10 MHz). x86: the TSC, which QEMU derives
   from its virtual clock: under -icount shift=0 one count per guest instruction (clock_insn_loop
   below measures it; bench/README.md). */
#if defined(__i386__)
#define CLOCK_NAME "TSC counts per operation (with -icount shift=0: 1 per instruction)"
static inline uint64 rdtime(void) {
  uint32 lo, hi;
  __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64)hi << 32) | lo;
}
#else
#define CLOCK_NAME "time CSR ticks per operation (QEMU virt: 10 MHz, 1 tick = 100 ns)"
static inline uint64 rdtime(void) {
  uint64 t;
  __asm__ __volatile__("rdtime %0" : "=r"(t));
  return t;
}
#endif

/* ---- output ------------------------------------------------------------------------------ */

static char line[256];
static int line_len;

static void put_str(const char* s) {
  while (*s && line_len < (int)sizeof(line) - 1)
    line[line_len++] = *s++;
}

static void put_u64(uint64 v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n > 0 && line_len < (int)sizeof(line) - 1)
    line[line_len++] = digits[--n];
}

/* ticks / ops with two decimals: ticks per op is often a few ticks (getpid), so keep the fraction. */
static void put_ratio(uint64 ticks, uint64 ops) {
  uint64 hundredths = (ticks * 100 + ops / 2) / ops;
  put_u64(hundredths / 100);
  put_str(".");
  if (hundredths % 100 < 10)
    put_str("0");
  put_u64(hundredths % 100);
}

static void end_line(void) {
  line[line_len++] = '\n';
  write(1, line, line_len);
  line_len = 0;
}

/* ---- benchmark plumbing -------------------------------------------------------------------- */

struct result {
  uint64 ticks; /* total time CSR ticks of the timed part */
  uint64 ops;   /* operations in it */
};

/* A benchmark runs `iters` operations (after an untimed warm-up) and returns 0, or why it failed. */
typedef const char* (*bench_fn)(int iters, struct result* r);

static char buf[FILE_CHUNK];      /* write source; FILE_CHUNK >= COPYIN_CHUNK >= PIPE_CHUNK */
static char readbuf[FILE_CHUNK];  /* read destination */

/* Waits for child `pid`; it must have exited 0. */
static const char* reap(int pid) {
  int status = -1;
  if (wait(&status) != pid)
    return "wait returned another pid";
  if (status != 0)
    return "child exited non-zero";
  return 0;
}

/* Touches every page of [p, p + len) so an allocate-on-demand kernel must really map it. */
static void touch(char* p, int len) {
  volatile char* v = p;
  for (int off = 0; off < len; off += PAGE)
    v[off] = 1;
}

/* ---- the benchmarks ------------------------------------------------------------------------ */

static const char* bench_getpid(int iters, struct result* r) {
  getpid();
  uint64 t0 = rdtime();
  for (int i = 0; i < iters; i++)
    getpid();
  r->ticks = rdtime() - t0;
  r->ops = iters;
  return 0;
}

/* The clock against the instruction count: one op = 1000 guest instructions of a two-instruction
   countdown loop (decrement, branch if not zero), so ticks_per_op says what one clock tick is.
   Under -icount shift=0 an instruction is 1 ns of virtual time: RISC-V's 10 MHz `time` gives 10.00,
   a TSC that counts nanoseconds 1000.00. */
#define CALIBRATE_LOOPS 500 /* two instructions each: 1000 per op */

static void countdown(uint32 n) {
#if defined(__i386__)
  __asm__ __volatile__("1: dec %0\n\tjnz 1b" : "+r"(n));
#else
  __asm__ __volatile__("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
#endif
}

static const char* bench_clock(int iters, struct result* r) {
  countdown(CALIBRATE_LOOPS);
  uint64 t0 = rdtime();
  countdown((uint32)iters * CALIBRATE_LOOPS);
  r->ticks = rdtime() - t0;
  r->ops = iters;
  return 0;
}

static const char* fork_exit_wait(void) {
  int pid = fork();
  if (pid < 0)
    return "fork failed";
  if (pid == 0)
    exit(0);
  return reap(pid);
}

static const char* time_forks(int iters, struct result* r) {
  const char* err = fork_exit_wait();
  if (err)
    return err;
  uint64 t0 = rdtime();
  for (int i = 0; i < iters; i++) {
    if ((err = fork_exit_wait()) != 0)
      return err;
  }
  r->ticks = rdtime() - t0;
  r->ops = iters;
  return 0;
}

static const char* bench_fork(int iters, struct result* r) { return time_forks(iters, r); }

/* fork+exit+wait after the parent grew by 4 MiB and touched it: fork must copy (or share) it all. */
static const char* bench_fork_4mib(int iters, struct result* r) {
  char* p = sbrk(GROW_BYTES);
  if (p == (char*)-1)
    return "sbrk(+4 MiB) failed";
  touch(p, GROW_BYTES);
  const char* err = time_forks(iters, r);
  if (sbrk(-GROW_BYTES) == (char*)-1 && !err)
    err = "sbrk(-4 MiB) failed";
  return err;
}

/* fork, then `nop` execs itself `chain` more times: 1 + chain execs, then exit 0. */
static const char* spawn_nop(int chain) {
  int pid = fork();
  if (pid < 0)
    return "fork failed";
  if (pid == 0) {
    char num[12];
    char digits[12];
    int len = 0, i = 0;
    do {
      digits[len++] = (char)('0' + chain % 10);
      chain /= 10;
    } while (chain > 0);
    while (len > 0)
      num[i++] = digits[--len];
    num[i] = 0;
    char* args[] = {NOP, num, 0};
    exec(NOP, args);
    exit(1);
  }
  const char* err = reap(pid);
  return err ? "exec of " NOP " failed" : 0;
}

/* Per exec: (time of fork + (1 + N) execs) - (time of fork + 1 exec), divided by N. */
static const char* bench_exec(int iters, struct result* r) {
  const char* err = spawn_nop(EXEC_CHAIN);
  if (err)
    return err;
  uint64 t0 = rdtime();
  for (int i = 0; i < iters; i++) {
    if ((err = spawn_nop(EXEC_CHAIN)) != 0)
      return err;
  }
  uint64 chained = rdtime() - t0;
  t0 = rdtime();
  for (int i = 0; i < iters; i++) {
    if ((err = spawn_nop(0)) != 0)
      return err;
  }
  uint64 single = rdtime() - t0;
  r->ticks = chained > single ? chained - single : 0;
  r->ops = (uint64)iters * EXEC_CHAIN;
  return 0;
}

static const char* grow_touch_shrink(void) {
  char* p = sbrk(GROW_BYTES);
  if (p == (char*)-1)
    return "sbrk(+4 MiB) failed";
  touch(p, GROW_BYTES);
  if (sbrk(-GROW_BYTES) == (char*)-1)
    return "sbrk(-4 MiB) failed";
  return 0;
}

static const char* bench_sbrk_4mib(int iters, struct result* r) {
  const char* err = grow_touch_shrink();
  if (err)
    return err;
  uint64 t0 = rdtime();
  for (int i = 0; i < iters; i++) {
    if ((err = grow_touch_shrink()) != 0)
      return err;
  }
  r->ticks = rdtime() - t0;
  r->ops = iters;
  return 0;
}

/* Demand paging (issue 12). A lazy sbrk of 1 GiB, 64 pages touched across it, and the shrink: on a
   kernel without lazy sbrk sbrklazy is eager, and 1 GiB does not fit in RAM (an error, not a figure). */
#define LAZY_BYTES (1 << 30)
#define LAZY_TOUCHED 64

static const char* lazy_round(void) {
  char* p = sbrklazy(LAZY_BYTES);
  if (p == (char*)-1)
    return "sbrklazy(+1 GiB) failed (no lazy sbrk)";
  volatile char* v = p;
  for (int i = 0; i < LAZY_TOUCHED; i++)
    v[(long)i * (LAZY_BYTES / LAZY_TOUCHED)] = 1;
  if (sbrk(-LAZY_BYTES) == (char*)-1)
    return "sbrk(-1 GiB) failed";
  return 0;
}

static const char* bench_lazy_1gib(int iters, struct result* r) {
  const char* err = lazy_round();
  if (err)
    return err;
  uint64 t0 = rdtime();
  for (int i = 0; i < iters; i++) {
    if ((err = lazy_round()) != 0)
      return err;
  }
  r->ticks = rdtime() - t0;
  r->ops = iters;
  return 0;
}

/* The cost of one page fault that maps a zeroed page: 4 MiB grown lazily, each page touched once
   (a fault each), then shrunk; per page. Compare sbrk_touch_4mib / 1024 (eager). */
static const char* bench_fault_page(int iters, struct result* r) {
  uint64 ticks = 0;
  for (int i = 0; i <= iters; i++) {
    char* p = sbrklazy(GROW_BYTES);
    if (p == (char*)-1)
      return "sbrklazy(+4 MiB) failed";
    uint64 t0 = rdtime();
    touch(p, GROW_BYTES);
    uint64 t1 = rdtime();
    if (i > 0)
      ticks += t1 - t0; /* the first round is the warm-up */
    if (sbrk(-GROW_BYTES) == (char*)-1)
      return "sbrk(-4 MiB) failed";
  }
  r->ticks = ticks;
  r->ops = (uint64)iters * (GROW_BYTES / PAGE);
  return 0;
}

/* The same from a 2 MiB-aligned break (issue 12): the 4 MiB are two aligned 2 MiB ranges, each one
   superpage leaf on a kernel with superpages, 512 pages each on one without (pgtbl2020, x86). */
static const char* bench_sbrk_4mib_aligned(int iters, struct result* r) {
  unsigned long cur = (unsigned long)sbrk(0); /* long: pointer-sized on both ISAs */
  unsigned long up = (cur + SUPERPAGE - 1) & ~(unsigned long)(SUPERPAGE - 1);
  if (up != cur && sbrk((int)(up - cur)) == (char*)-1)
    return "sbrk(align to 2 MiB) failed";
  const char* err = bench_sbrk_4mib(iters, r);
  if (up != cur)
    sbrk(-(int)(up - cur));
  return err;
}

/* Starts a child that reads the pipe to EOF and exits 0 iff it read exactly `expect` bytes. */
static int start_reader(int fds[2], uint64 expect) {
  if (pipe(fds) < 0)
    return -1;
  int pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[1]);
    uint64 total = 0;
    int n;
    while ((n = read(fds[0], readbuf, sizeof(readbuf))) > 0)
      total += n;
    exit(n == 0 && total == expect ? 0 : 1);
  }
  close(fds[0]);
  return pid;
}

/* Writes `count` chunks of `chunk` bytes to a fresh pipe with a reader; times writes + drain. */
static const char* pipe_transfer(int count, int chunk, uint64* ticks) {
  int fds[2];
  int pid = start_reader(fds, (uint64)count * chunk);
  if (pid < 0)
    return "pipe or fork failed";
  const char* err = 0;
  uint64 t0 = rdtime();
  for (int i = 0; i < count && !err; i++) {
    if (write(fds[1], buf, chunk) != chunk)
      err = "short pipe write";
  }
  close(fds[1]);
  const char* reaped = reap(pid);
  *ticks = rdtime() - t0;
  if (!err && reaped)
    err = "pipe reader saw the wrong byte count";
  return err;
}

/* One op = 4 MiB through a pipe in 512-byte writes (xv6's pipe buffer size), reader in a child. */
static const char* bench_pipe_4mib(int iters, struct result* r) {
  uint64 ticks;
  const char* err = pipe_transfer(PIPE_BYTES / PIPE_CHUNK / 64, PIPE_CHUNK, &ticks); /* 64 KiB */
  if (err)
    return err;
  r->ticks = 0;
  for (int i = 0; i < iters; i++) {
    if ((err = pipe_transfer(PIPE_BYTES / PIPE_CHUNK, PIPE_CHUNK, &ticks)) != 0)
      return err;
    r->ticks += ticks;
  }
  r->ops = iters;
  return 0;
}

/* One op = write(pipe, 4 KiB): the kernel copies the buffer in from user space (copyin-heavy). */
static const char* bench_copyin_write(int iters, struct result* r) {
  uint64 ticks;
  const char* err = pipe_transfer(4, COPYIN_CHUNK, &ticks);
  if (err)
    return err;
  if ((err = pipe_transfer(iters, COPYIN_CHUNK, &ticks)) != 0)
    return err;
  r->ticks = ticks;
  r->ops = iters;
  return 0;
}

/* The idle filler. Under -icount with sleep=off, a hart that idles (wfi) while the disk works makes
   QEMU jump virtual time to the next timer deadline (the 100 ms tick), again and again until the host
   finishes the request, so a disk wait would count timer ticks, not work. While the file benchmarks
   run, two children pass a byte back and forth through two pipes: the hart never idles, a disk wait
   costs the instructions the filler runs meanwhile, and the benchmark process, once the disk wakes it,
   runs at the filler's next sleep (the scheduler goes round the process table). */
static int filler[2];

static void filler_loop(int in, int out, int first) {
  char c = 'f';
  if (first && write(out, &c, 1) != 1)
    exit(1);
  while (read(in, &c, 1) == 1) {
    if (write(out, &c, 1) != 1)
      break;
  }
  exit(0);
}

static void stop_filler(void) {
  for (int i = 0; i < 2; i++) {
    if (filler[i] > 0) {
      kill(filler[i]);
      wait(0);
      filler[i] = 0;
    }
  }
}

static const char* start_filler(void) {
  int a[2], b[2];
  if (pipe(a) < 0)
    return "pipe failed";
  if (pipe(b) < 0) {
    close(a[0]);
    close(a[1]);
    return "pipe failed";
  }
  for (int i = 0; i < 2; i++) {
    filler[i] = fork();
    if (filler[i] == 0) {
      /* child 0 reads a, writes b; child 1 reads b, writes a and sends the first byte */
      int in = i == 0 ? a[0] : b[0], out = i == 0 ? b[1] : a[1];
      close(i == 0 ? a[1] : b[1]);
      close(i == 0 ? b[0] : a[0]);
      filler_loop(in, out, i == 1);
    }
  }
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);
  if (filler[0] < 0 || filler[1] < 0) {
    stop_filler();
    return "fork failed";
  }
  return 0;
}

/* Writes TMPFILE (FILE_BYTES, chunks stamped with `seed`), then reads it back and checks it. */
static const char* file_round(int seed, uint64* write_ticks, uint64* read_ticks) {
  for (int i = 0; i < FILE_CHUNK; i++)
    buf[i] = (char)(seed + i);

  uint64 t0 = rdtime();
  int fd = open(TMPFILE, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0)
    return "open(O_CREATE) failed";
  for (int off = 0; off < FILE_BYTES; off += FILE_CHUNK) {
    buf[0] = (char)(off / FILE_CHUNK);
    if (write(fd, buf, FILE_CHUNK) != FILE_CHUNK) {
      close(fd);
      unlink(TMPFILE);
      return "short file write (disk full?)";
    }
  }
  close(fd);
  uint64 t1 = rdtime();

  const char* err = 0;
  fd = open(TMPFILE, O_RDONLY);
  if (fd < 0) {
    unlink(TMPFILE);
    return "open(O_RDONLY) failed";
  }
  int total = 0, n;
  while ((n = read(fd, readbuf, FILE_CHUNK)) > 0) {
    /* Chunks are read whole from a regular file; check the stamp and one pattern byte. */
    if (n != FILE_CHUNK || readbuf[0] != (char)(total / FILE_CHUNK) ||
        readbuf[FILE_CHUNK - 1] != (char)(seed + FILE_CHUNK - 1))
      err = "file read back wrong data";
    total += n;
  }
  close(fd);
  uint64 t2 = rdtime();
  unlink(TMPFILE);

  if (!err && total != FILE_BYTES)
    err = "file read back the wrong length";
  *write_ticks = t1 - t0;
  *read_ticks = t2 - t1;
  return err;
}

static uint64 file_read_ticks;  /* the read half of the last file_write_200kib run */
static uint64 file_read_ops;

static const char* file_rounds(int iters, struct result* r) {
  uint64 wt, rt;
  const char* err = file_round(0, &wt, &rt);
  if (err)
    return err;
  r->ticks = 0;
  file_read_ticks = 0;
  for (int i = 0; i < iters; i++) {
    if ((err = file_round(i + 1, &wt, &rt)) != 0)
      return err;
    r->ticks += wt;
    file_read_ticks += rt;
  }
  r->ops = iters;
  file_read_ops = iters;
  return 0;
}

/* xv6-x86's file system holds files of at most 12 + 128 blocks of 512 bytes (70 KiB). */
#if defined(__i386__)
#define NO_BIG_FILES "not on x86 (files hold at most 70 KiB)"
#endif

/* One op = create and write a 200 KiB file; its read-back is reported as file_read_200kib. */
static const char* bench_file_write(int iters, struct result* r) {
#ifdef NO_BIG_FILES
  (void)iters;
  (void)r;
  return NO_BIG_FILES;
#endif
  const char* err = start_filler();
  if (err)
    return err;
  err = file_rounds(iters, r);
  stop_filler();
  return err;
}

static const char* bench_file_read(int iters, struct result* r) {
  if (file_read_ops == 0) { /* file_write_200kib was not selected: run it for its read half */
    struct result unused;
    const char* err = bench_file_write(iters, &unused);
    if (err)
      return err;
  }
  r->ticks = file_read_ticks;
  r->ops = file_read_ops;
  return 0;
}

/* ---- a file read once: read() into a buffer vs mmap (issue 12) ---- */

static char filebuf[FILE_BYTES];  /* read()'s destination */

/* MAPFILE, FILE_BYTES of a known pattern; its byte sum in *sum. Untimed. */
static const char* make_map_file(uint64* sum) {
  int fd = open(MAPFILE, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0)
    return "open(O_CREATE) failed";
  *sum = 0;
  for (int off = 0; off < FILE_BYTES; off += FILE_CHUNK) {
    for (int i = 0; i < FILE_CHUNK; i++) {
      buf[i] = (char)(off / FILE_CHUNK + i * 7);
      *sum += (uchar)buf[i];
    }
    if (write(fd, buf, FILE_CHUNK) != FILE_CHUNK) {
      close(fd);
      return "short file write (disk full?)";
    }
  }
  close(fd);
  return 0;
}

static uint64 byte_sum(const volatile char* p, int n) {
  uint64 s = 0;
  for (int i = 0; i < n; i++)
    s += (uchar)p[i];
  return s;
}

/* One op: open, read() the whole file into a buffer, sum every byte, close. */
static const char* read_once(uint64 want) {
  int fd = open(MAPFILE, O_RDONLY);
  if (fd < 0)
    return "open(O_RDONLY) failed";
  int total = 0, n;
  while (total < FILE_BYTES && (n = read(fd, filebuf + total, FILE_BYTES - total)) > 0)
    total += n;
  close(fd);
  if (total != FILE_BYTES || byte_sum(filebuf, FILE_BYTES) != want)
    return "read() saw the wrong data";
  return 0;
}

/* One op: open, mmap the whole file, sum every byte through the mapping (each page is read in at
   its first touch), munmap, close. */
static const char* mmap_once(uint64 want) {
  int fd = open(MAPFILE, O_RDONLY);
  if (fd < 0)
    return "open(O_RDONLY) failed";
  char* p = (char*)mmap(0, FILE_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == (char*)MAP_FAILED)
    return "mmap failed";
  uint64 got = byte_sum(p, FILE_BYTES);
  if (munmap(p, FILE_BYTES) != 0)
    return "munmap failed";
  if (got != want)
    return "mmap saw the wrong data";
  return 0;
}

static uint64 mmap_once_ticks; /* the mmap half of the last file_read_once_200kib run */
static uint64 mmap_once_ops;

/* Alternating rounds of both, after one untimed warm-up of each, with the idle filler running. */
static const char* once_rounds(int iters, struct result* r) {
#ifdef NO_BIG_FILES
  (void)iters;
  (void)r;
  return NO_BIG_FILES;
#endif
  const char* err = start_filler();
  if (err)
    return err;
  uint64 want = 0;
  err = make_map_file(&want);
  if (!err)
    err = read_once(want);
  if (!err)
    err = mmap_once(want);
  r->ticks = 0;
  mmap_once_ticks = 0;
  for (int i = 0; i < iters && !err; i++) {
    uint64 t0 = rdtime();
    err = read_once(want);
    uint64 t1 = rdtime();
    if (!err)
      err = mmap_once(want);
    uint64 t2 = rdtime();
    r->ticks += t1 - t0;
    mmap_once_ticks += t2 - t1;
  }
  unlink(MAPFILE);
  stop_filler();
  if (err)
    return err;
  r->ops = iters;
  mmap_once_ops = iters;
  return 0;
}

/* One op = read a 200 KiB file once with read(); its mmap twin is file_mmap_once_200kib. */
static const char* bench_read_once(int iters, struct result* r) { return once_rounds(iters, r); }

static const char* bench_mmap_once(int iters, struct result* r) {
  if (mmap_once_ops == 0) { /* file_read_once_200kib was not selected: run it for its mmap half */
    struct result unused;
    const char* err = once_rounds(iters, &unused);
    if (err)
      return err;
  }
  r->ticks = mmap_once_ticks;
  r->ops = mmap_once_ops;
  return 0;
}

struct bench {
  const char* name;
  bench_fn fn;
  int iters;
};

/* Iteration counts keep the whole run to 30-90 s of wall time under QEMU TCG with -icount on a
   slow, shared host (80-200 million guest instructions a second); the 4 MiB pipe is most of it. With -icount the
   CPU-bound figures repeat exactly, so a few iterations are enough; more only average over where
   the 100 ms timer interrupt falls. */
static const struct bench benches[] = {
    {"clock_insn_loop", bench_clock, 2000},
    {"getpid", bench_getpid, 20000},
    {"fork_exit_wait", bench_fork, 100},
    {"fork_exit_wait_4mib", bench_fork_4mib, 8},
    {"exec", bench_exec, 16},
    {"sbrk_touch_4mib", bench_sbrk_4mib, 8},
    {"sbrk_touch_4mib_aligned", bench_sbrk_4mib_aligned, 8},
    {"pipe_4mib_512b", bench_pipe_4mib, 1},
    {"file_write_200kib", bench_file_write, 3},
    {"file_read_200kib", bench_file_read, 3},
    {"copyin_write_4kib", bench_copyin_write, 128},
    {"lazy_sbrk_1gib_touch64", bench_lazy_1gib, 8},
    {"page_fault_zero_4kib", bench_fault_page, 4},
    {"file_read_once_200kib", bench_read_once, 3},
    {"file_mmap_once_200kib", bench_mmap_once, 3},
};
#define NBENCH ((int)(sizeof(benches) / sizeof(benches[0])))

/* Appends s as one token (spaces become underscores) for the machine-readable line. */
static void put_token(const char* s) {
  for (; *s && line_len < (int)sizeof(line) - 1; s++)
    line[line_len++] = *s == ' ' ? '_' : *s;
}

static void report(const struct bench* b, const char* err, const struct result* r) {
  if (err) {
    put_str(b->name);
    put_str(": FAILED: ");
    put_str(err);
    end_line();
    put_str("BENCH name=");
    put_str(b->name);
    put_str(" error=");
    put_token(err);
    end_line();
    return;
  }
  put_str(b->name);
  put_str(": ");
  put_ratio(r->ticks, r->ops);
  end_line();
  put_str("BENCH name=");
  put_str(b->name);
  put_str(" ticks_per_op=");
  put_ratio(r->ticks, r->ops);
  put_str(" iters=");
  put_u64(r->ops);
  put_str(" ticks=");
  put_u64(r->ticks);
  end_line();
}

static int selected(int argc, char* argv[], const char* name) {
  int any = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    any = 1;
    if (strcmp(argv[i], name) == 0)
      return 1;
  }
  return !any;
}

int main(int argc, char* argv[]) {
  int divisor = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0) {
      divisor = 8;
      continue;
    }
    int known = 0;
    for (int j = 0; j < NBENCH; j++)
      known |= strcmp(argv[i], benches[j].name) == 0;
    if (!known) {
      put_str("vmbench: unknown benchmark or option ");
      put_str(argv[i]);
      end_line();
    }
  }

  put_str("vmbench: " CLOCK_NAME);
  end_line();
  for (int i = 0; i < NBENCH; i++) {
    const struct bench* b = &benches[i];
    if (!selected(argc, argv, b->name))
      continue;
    int iters = b->iters / divisor > 0 ? b->iters / divisor : 1;
    struct result r = {0, 0};
    const char* err = b->fn(iters, &r);
    if (!err && r.ops == 0)
      err = "no operations timed";
    report(b, err, &r);
  }
  put_str("BENCH done");
  end_line();
  exit(0);
}
