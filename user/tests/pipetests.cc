// pipetests: pipes: data integrity with many writers, closing either end, large transfers,
// blocking, and running out of pipes or descriptors. Usage: pipetests [subtest...]
#include "user/tests/testlib.h"

namespace {

using namespace utest;

alignas(8) uchar g_buf[8192];

void basic() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
  fill_pattern(g_buf, 300, 1);
  CHECK_EQ(write(p[1], g_buf, 300), 300);
  static uchar got[300];
  CHECK_EQ(read(p[0], got, 300), 300);
  CHECK_EQ(verify_pattern(got, 300, 1), -1L);
  CHECK_EQ(write(p[0], "x", 1), -1);  // wrong ends
  CHECK_EQ(read(p[1], got, 1), -1);
  close(p[0]);
  close(p[1]);
}

void many_writers() {
  // Each writer sends bytes tagged (writer << 5 | sequence & 31); the reader checks that every
  // writer's bytes arrive complete and in order, whatever the interleaving.
  constexpr int kWriters = 5, kBytes = 3000;
  int p[2];
  CHECK_EQ(pipe(p), 0);
  for (int w = 0; w < kWriters; ++w) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      uchar chunk[97];
      int seq = 0;
      while (seq < kBytes) {
        int n = 1 + (seq * 7 + w * 13) % 97;
        if (n > kBytes - seq) n = kBytes - seq;
        for (int i = 0; i < n; ++i) chunk[i] = static_cast<uchar>(w << 5 | ((seq + i) & 31));
        if (write(p[1], chunk, n) != n) exit(2);
        seq += n;
      }
      exit(0);
    }
  }
  close(p[1]);
  int next[kWriters] = {};
  int total = 0, r;
  while ((r = read(p[0], g_buf, 1 + total % 700)) > 0) {
    for (int i = 0; i < r; ++i) {
      int w = g_buf[i] >> 5;
      CHECK(w < kWriters, "bad tag ", g_buf[i]);
      CHECK((g_buf[i] & 31) == (next[w] & 31), "writer ", w, " out of order at ", next[w]);
      ++next[w];
    }
    total += r;
  }
  CHECK_EQ(r, 0);
  CHECK_EQ(total, kWriters * kBytes);
  for (int w = 0; w < kWriters; ++w) CHECK_EQ(next[w], kBytes);
  for (int w = 0; w < kWriters; ++w) {
    int st = 0;
    CHECK(wait(&st) > 0);
    CHECK_EQ(st, 0);
  }
  close(p[0]);
}

void eof_after_last_writer() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int extra = dup(p[1]);
  CHECK(extra >= 0);
  CHECK_EQ(write(p[1], "abc", 3), 3);
  close(p[1]);
  char buf[8];
  CHECK_EQ(read(p[0], buf, sizeof buf), 3);
  // One write end (the dup) is still open: read would block, so check via a child that writes.
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    sleep(2);
    write(extra, "d", 1);
    exit(0);
  }
  close(extra);
  CHECK_EQ(read(p[0], buf, sizeof buf), 1);  // blocks until the child writes
  CHECK_EQ(buf[0], 'd');
  CHECK_EQ(wait_for(pid), 0);
  CHECK_EQ(read(p[0], buf, sizeof buf), 0);  // every write end closed: EOF
  CHECK_EQ(read(p[0], buf, sizeof buf), 0);
  close(p[0]);
}

void write_without_reader() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  close(p[0]);
  CHECK_EQ(write(p[1], "x", 1), -1);
  close(p[1]);
  // A writer blocked on a full pipe is released when the reader goes away.
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    close(p[0]);
    int r = write(p[1], g_buf, sizeof g_buf);
    exit(r == -1 || (r >= 0 && r < static_cast<int>(sizeof g_buf)) ? 0 : 2);
  }
  close(p[1]);
  CHECK_EQ(read(p[0], g_buf, 100), 100);
  sleep(2);
  close(p[0]);
  CHECK_EQ(wait_for(pid), 0);
}

void large_transfer() {
  constexpr int kTotal = 256 * 1024;
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    close(p[0]);
    static uchar out[4096];
    for (int off = 0; off < kTotal; off += 4096) {
      fill_pattern(out, 4096, off / 4096);
      if (write(p[1], out, 4096) != 4096) exit(2);
    }
    exit(0);
  }
  close(p[1]);
  static uchar in[4096];
  int got = 0;
  while (got < kTotal) {
    int want = 4096 - got % 4096;
    int r = read(p[0], in + got % 4096, want);
    CHECK(r > 0, "read returned ", r, " after ", got, " bytes");
    got += r;
    if (got % 4096 == 0)
      CHECK(verify_pattern(in, 4096, got / 4096 - 1) == -1, "block ", got / 4096 - 1);
  }
  char c;
  CHECK_EQ(read(p[0], &c, 1), 0);
  CHECK_EQ(wait_for(pid), 0);
  close(p[0]);
}

void ping_pong() {
  int to_child[2], to_parent[2];
  CHECK_EQ(pipe(to_child), 0);
  CHECK_EQ(pipe(to_parent), 0);
  int pid = fork();
  // Without a child nobody answers: the parent would wait on a pipe whose writer is itself.
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    uint32 v;
    for (int i = 0; i < 200; ++i) {
      if (read(to_child[0], &v, 4) != 4) exit(2);
      ++v;
      if (write(to_parent[1], &v, 4) != 4) exit(3);
    }
    exit(0);
  }
  uint32 v = 0;
  for (int i = 0; i < 200; ++i) {
    CHECK_EQ(write(to_child[1], &v, 4), 4);
    uint32 back = 0;
    CHECK_EQ(read(to_parent[0], &back, 4), 4);
    CHECK_EQ(back, v + 1);
    v = back + 1;
  }
  CHECK_EQ(wait_for(pid), 0);
  close(to_child[0]);
  close(to_child[1]);
  close(to_parent[0]);
  close(to_parent[1]);
}

void open_close_many() {
  // Far more pipes over time than the system holds at once: each must be freed on close.
  int fds = count_open_fds();
  for (int i = 0; i < 300; ++i) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe #", i);
    if (i % 2 == 0) CHECK_EQ(write(p[1], "y", 1), 1);
    close(p[0]);
    close(p[1]);
  }
  CHECK_EQ(count_open_fds(), fds);
}

void exhaust_pipes_system_wide() {
  // Children hold as many pipes as they can until the system runs out (file table or pipe pool);
  // the failing pipe() returns -1, and everything is usable again once they exit.
  constexpr int kChildren = 10;
  int release[2], report[2];
  CHECK_EQ(pipe(release), 0);
  CHECK_EQ(pipe(report), 0);
  for (int c = 0; c < kChildren; ++c) {
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(release[1]);
      close(report[0]);
      char made = 0, failed = 0;
      int p[2];
      while (made < 5) {
        if (pipe(p) != 0) {
          failed = 1;
          break;
        }
        ++made;
      }
      char msg[2] = {made, failed};
      write(report[1], msg, 2);
      // Closed at once, so that the parent's read of the reports ends even if a child is killed
      // before it reports (under allocfail injection a child's first store can be fatal).
      close(report[1]);
      char x;
      read(release[0], &x, 1);  // hold them until the parent lets go
      exit(0);
    }
  }
  close(report[1]);
  int made = 0, failures = 0, reports = 0;
  char msg[2];
  while (read(report[0], msg, 2) == 2) {
    made += msg[0];
    failures += msg[1];
    ++reports;
  }
  CHECK_EQ(reports, kChildren);
  CHECK(failures > 0, "made ", made, " pipes and none failed");
  CHECK(made <= NFILE / 2, "made ", made, " pipes");
  close(release[1]);
  for (int c = 0; c < kChildren; ++c) CHECK(wait(nullptr) > 0);
  close(release[0]);
  close(report[0]);
  int p[2];
  CHECK_EQ(pipe(p), 0);
  close(p[0]);
  close(p[1]);
}

void kill_blocked_writer() {
  int p[2];
  CHECK_EQ(pipe(p), 0);
  int pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    for (;;) write(p[1], g_buf, sizeof g_buf);  // fills the pipe and blocks
  }
  sleep(3);
  CHECK_EQ(kill(pid), 0);
  CHECK_EQ(wait_for(pid), -1);
  close(p[0]);
  close(p[1]);
}

constexpr Test kTests[] = {
    {"basic", basic},
    {"many_writers", many_writers},
    {"eof_after_last_writer", eof_after_last_writer},
    {"write_without_reader", write_without_reader},
    {"large_transfer", large_transfer},
    {"ping_pong", ping_pong},
    {"open_close_many", open_close_many},
    {"exhaust_pipes_system_wide", exhaust_pipes_system_wide},
    {"kill_blocked_writer", kill_blocked_writer},
};

}  // namespace

int main(int argc, char** argv) {
  run_tests("pipetests", kTests, argc, argv);
}
