// 16550a UART (National Semiconductor PC16550D data sheet). xv6: uart.c
#include "kernel/dev/uart.h"

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/dev/console.h"
#include "kernel/sync/print.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait.h"

namespace pagoda {
namespace {

// Registers (offsets from UART0).
enum class Reg : uint64_t {
  kRhr = 0,  // receive holding (read)
  kThr = 0,  // transmit holding (write)
  kIer = 1,  // interrupt enable
  kFcr = 2,  // FIFO control (write)
  kIsr = 2,  // interrupt status (read)
  kLcr = 3,  // line control
  kLsr = 5,  // line status
};
constexpr uint8_t kIerRxEnable = 1 << 0;
constexpr uint8_t kIerTxEnable = 1 << 1;
constexpr uint8_t kFcrFifoEnable = 1 << 0;
constexpr uint8_t kFcrFifoClear = 3 << 1;
constexpr uint8_t kLcrEightBits = 3 << 0;
constexpr uint8_t kLcrBaudLatch = 1 << 7;
constexpr uint8_t kLsrRxReady = 1 << 0;
constexpr uint8_t kLsrTxIdle = 1 << 5;

// Memory-mapped on RISC-V, I/O ports on x86: the architecture reaches them.
uint8_t read_reg(Reg r) {
  return arch::uart_read(static_cast<uint64_t>(r));
}
void write_reg(Reg r, uint8_t v) {
  arch::uart_write(static_cast<uint64_t>(r), v);
}

// Transmit ring buffer; protected by g_tx_lock. Writers sleep on &g_tx_r when full.
constexpr uint64_t kTxSize = 32;
constinit SpinLock g_tx_lock("uart");
constinit char g_tx_buf[kTxSize] = {};
constinit uint64_t g_tx_w = 0;  // next slot to write
constinit uint64_t g_tx_r = 0;  // next slot to send

// Send as much buffered output as the UART takes. Caller holds g_tx_lock.
void start_locked() {
  while (g_tx_w != g_tx_r) {
    if ((read_reg(Reg::kLsr) & kLsrTxIdle) == 0) return;  // it interrupts when ready again
    char c = g_tx_buf[g_tx_r % kTxSize];
    g_tx_r += 1;
    wakeup(&g_tx_r);
    write_reg(Reg::kThr, static_cast<uint8_t>(c));
  }
}

}  // namespace

void uart_init() {
  write_reg(Reg::kIer, 0x00);
  write_reg(Reg::kLcr, kLcrBaudLatch);
  write_reg(Reg::kRhr, 0x03);  // divisor LSB: 38.4K baud
  write_reg(Reg::kIer, 0x00);  // divisor MSB
  write_reg(Reg::kLcr, kLcrEightBits);
  write_reg(Reg::kFcr, kFcrFifoEnable | kFcrFifoClear);
  write_reg(Reg::kIer, kIerTxEnable | kIerRxEnable);
}

void uart_putc(int c) {
  SpinLockGuard guard(g_tx_lock);
  if (panicking()) {
    for (;;) {
    }
  }
  while (g_tx_w == g_tx_r + kTxSize) sleep(&g_tx_r, g_tx_lock);
  g_tx_buf[g_tx_w % kTxSize] = static_cast<char>(c);
  g_tx_w += 1;
  start_locked();
}

void uart_putc_sync(int c) {
  push_off();
  while ((read_reg(Reg::kLsr) & kLsrTxIdle) == 0) {
  }
  write_reg(Reg::kThr, static_cast<uint8_t>(c));
  pop_off();
}

void console_putc_sync(char c) {
  uart_putc_sync(c);
}

void uart_intr() {
  while ((read_reg(Reg::kLsr) & kLsrRxReady) != 0) console_intr(read_reg(Reg::kRhr));
  SpinLockGuard guard(g_tx_lock);
  start_locked();
}

}  // namespace pagoda
