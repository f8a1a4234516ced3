// The console device (major 1): line discipline over the UART. xv6: console.c
#pragma once

#include <cstdint>

namespace pagoda {

void console_init();       // the UART (main registers console_read/write as a device file)
void console_intr(int c);  // a byte typed at the keyboard (from uart_intr)
void console_putc(int c);  // one char synchronously (echo); handles backspace

int console_read(bool user_dst, uint64_t dst, int n);
int console_write(bool user_src, uint64_t src, int n);

}  // namespace pagoda
