// The i386 instructions the kernel uses, as inline functions (Intel SDM vol. 2). Kernel only.
#pragma once

#include <cstdint>

namespace pagoda::x86 {

inline constexpr uint32_t kEflagsIf = 1u << 9;  // interrupt enable (SDM vol. 1, 3.4.3)
inline constexpr uint32_t kCr0Pe = 1u << 0;
inline constexpr uint32_t kCr0Wp = 1u << 16;  // supervisor writes honour read-only pages
inline constexpr uint32_t kCr0Pg = 1u << 31;
inline constexpr uint32_t kCr4Pse = 1u << 4;  // 4 MiB pages in directory entries

inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "d"(port));
  return v;
}
inline void outb(uint16_t port, uint8_t v) {
  asm volatile("outb %0, %1" : : "a"(v), "d"(port));
}
inline uint16_t inw(uint16_t port) {
  uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "d"(port));
  return v;
}
inline void outw(uint16_t port, uint16_t v) {
  asm volatile("outw %0, %1" : : "a"(v), "d"(port));
}
// String port I/O of 32-bit words (the IDE data port).
inline void insl(uint16_t port, void* addr, uint32_t count) {
  asm volatile("cld; rep insl" : "+D"(addr), "+c"(count) : "d"(port) : "memory", "cc");
}
inline void outsl(uint16_t port, const void* addr, uint32_t count) {
  asm volatile("cld; rep outsl" : "+S"(addr), "+c"(count) : "d"(port) : "cc");
}

inline uint32_t read_eflags() {
  uint32_t v;
  asm volatile("pushfl; popl %0" : "=r"(v));
  return v;
}
inline void cli() {
  asm volatile("cli" ::: "memory");
}
inline void sti() {
  asm volatile("sti" ::: "memory");
}
inline void hlt() {
  asm volatile("hlt");
}

inline uint32_t read_cr0() {
  uint32_t v;
  asm volatile("movl %%cr0, %0" : "=r"(v));
  return v;
}
inline uint32_t read_cr2() {
  uint32_t v;
  asm volatile("movl %%cr2, %0" : "=r"(v));
  return v;
}
inline uint32_t read_cr3() {
  uint32_t v;
  asm volatile("movl %%cr3, %0" : "=r"(v));
  return v;
}
// Loading %cr3 also flushes every non-global TLB entry (SDM vol. 3, 4.10.4.1).
inline void write_cr3(uint32_t v) {
  asm volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}
inline void invlpg(uint32_t va) {
  asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

// The initial local APIC id of this CPU (CPUID leaf 1, EBX bits 31:24): usable before the LAPIC
// is mapped.
inline uint32_t cpuid_apic_id() {
  uint32_t a = 1, b, c = 0, d;
  asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  return b >> 24;
}

// A descriptor-table pointer for lgdt/lidt (SDM vol. 3, 3.5.1): limit, then the linear base.
struct [[gnu::packed]] TablePointer {
  uint16_t limit;
  uint32_t base;
};
inline void lgdt(const void* table, uint16_t bytes) {
  TablePointer p{static_cast<uint16_t>(bytes - 1), reinterpret_cast<uint32_t>(table)};
  asm volatile("lgdt %0" : : "m"(p));
}
inline void lidt(const void* table, uint16_t bytes) {
  TablePointer p{static_cast<uint16_t>(bytes - 1), reinterpret_cast<uint32_t>(table)};
  asm volatile("lidt %0" : : "m"(p));
}
inline void ltr(uint16_t selector) {
  asm volatile("ltr %0" : : "r"(selector));
}

inline uint32_t xchg(volatile uint32_t* addr, uint32_t v) {
  asm volatile("lock; xchgl %0, %1" : "+m"(*addr), "+r"(v) : : "cc", "memory");
  return v;
}

}  // namespace pagoda::x86
