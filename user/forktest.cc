// forktest: fork until the process table is full, then check that every child can be waited for
// exactly once (xv6: user/forktest.c). Prints with write only, to stay small.
#include "user/user.h"

namespace {

constexpr int kMaxForks = 1000;

void say(const char* s) {
  write(1, s, strlen(s));
}

[[noreturn]] void fail(const char* s) {
  say(s);
  exit(1);
}

}  // namespace

int main() {
  say("fork test\n");
  int n = 0;
  for (; n < kMaxForks; n++) {
    int pid = fork();
    if (pid < 0) break;
    if (pid == 0) exit(0);
  }
  if (n == kMaxForks) fail("fork claimed to work 1000 times!\n");
  for (; n > 0; n--) {
    if (wait(nullptr) < 0) fail("wait stopped early\n");
  }
  if (wait(nullptr) != -1) fail("wait got too many\n");
  say("fork test OK\n");
  return 0;
}
