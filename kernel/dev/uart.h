// The QEMU virt 16550a UART: polled output for kprintf, buffered interrupt-driven output for the
// console, interrupt-driven input. xv6: uart.c
#pragma once

namespace pagoda {

void uart_init();
// Output for the console device: sleeps while the transmit buffer is full.
void uart_putc(int c);
// Output for kprintf and echo: spins until the UART takes the byte; usable with interrupts off.
void uart_putc_sync(int c);
// Interrupt: pass received bytes to console_intr, send buffered output.
void uart_intr();

}  // namespace pagoda
