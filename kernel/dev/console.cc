// Console line discipline: input is edited line by line (backspace, ^U kill line, ^D end of file,
// ^P process list) and read() returns whole lines. xv6: console.c
#include "kernel/dev/console.h"

#include "kernel/dev/uart.h"
#include "kernel/proc/proc.h"
#include "kernel/sync/spinlock.h"

namespace pagoda {
namespace {

constexpr int ctrl(char c) {
  return c - '@';
}
constexpr int kBackspace = 0x100;  // console_putc: erase the last character on screen
constexpr int kDelete = 0x7f;

// The input line buffer; protected by g_cons_lock. read() sleeps on &g_read.
constexpr uint64_t kInputSize = 128;
constinit SpinLock g_cons_lock("cons");
constinit char g_buf[kInputSize] = {};
constinit uint64_t g_read = 0;   // next byte read() returns
constinit uint64_t g_write = 0;  // end of the lines read() may take
constinit uint64_t g_edit = 0;   // end of the line being edited

}  // namespace

void console_putc(int c) {
  if (c == kBackspace) {
    uart_putc_sync('\b');
    uart_putc_sync(' ');
    uart_putc_sync('\b');
  } else {
    uart_putc_sync(c);
  }
}

int console_write(bool user_src, uint64_t src, int n) {
  int i = 0;
  for (; i < n; ++i) {
    char c;
    if (!either_copyin(&c, user_src, src + i, 1).ok()) return i == 0 ? -1 : i;  // bad address
    uart_putc(c);
  }
  return i;
}

int console_read(bool user_dst, uint64_t dst, int n) {
  int target = n;
  SpinLockGuard guard(g_cons_lock);
  while (n > 0) {
    while (g_read == g_write) {
      if (killed(myproc())) return -1;
      sleep(&g_read, g_cons_lock);
    }
    int c = g_buf[g_read++ % kInputSize];
    if (c == ctrl('D')) {
      // End of file. If this read already has bytes, keep ^D for the next one, which returns 0.
      if (n < target) g_read--;
      break;
    }
    char cbuf = static_cast<char>(c);
    if (!either_copyout(user_dst, dst, &cbuf, 1).ok()) break;
    ++dst;
    --n;
    if (c == '\n') break;  // a whole line
  }
  return target - n;
}

void console_intr(int c) {
  bool dump = false;
  {
    SpinLockGuard guard(g_cons_lock);
    switch (c) {
      case ctrl('P'):
        dump = true;  // after releasing the lock: procdump takes process locks
        break;
      case ctrl('U'):
        while (g_edit != g_write && g_buf[(g_edit - 1) % kInputSize] != '\n') {
          g_edit--;
          console_putc(kBackspace);
        }
        break;
      case ctrl('H'):
      case kDelete:
        if (g_edit != g_write) {
          g_edit--;
          console_putc(kBackspace);
        }
        break;
      default:
        if (c != 0 && g_edit - g_read < kInputSize) {
          c = (c == '\r') ? '\n' : c;
          console_putc(c);
          g_buf[g_edit++ % kInputSize] = static_cast<char>(c);
          if (c == '\n' || c == ctrl('D') || g_edit - g_read == kInputSize) {
            g_write = g_edit;  // a whole line (or a full buffer) is ready for read()
            wakeup(&g_read);
          }
        }
        break;
    }
  }
  if (dump) procdump();
}

void console_init() {
  uart_init();
}

}  // namespace pagoda
