// x86fault KIND: makes one fault that the kernel must kill this process for, with one line naming
// the trap (the x86 QEMU tests run each kind). KIND: text (store to read-only text at 0), kernel
// (load from KERNBASE, no U), io (port I/O from ring 3: IOPL 0), ud (ud2), guard (store into the
// stack's guard page). Prints "x86fault: survived" only if the fault did not kill it.
#include "kernel/types.h"
#include "user/user.h"

static int eq(const char* a, const char* b) {
  return strcmp(a, b) == 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    printf("usage: x86fault text|kernel|io|ud|guard\n");
    exit(1);
  }
  const char* kind = argv[1];
  if (eq(kind, "text")) {
    *(volatile int*)0 = 1;
  } else if (eq(kind, "kernel")) {
    printf("%d\n", *(volatile int*)0x80000000);
  } else if (eq(kind, "io")) {
    __asm__ volatile("outb %%al, $0x80" : : "a"(0));
  } else if (eq(kind, "ud")) {
    __asm__ volatile("ud2");
  } else if (eq(kind, "guard")) {
    volatile char here = 0;
    // The guard page is the page below the one-page stack.
    volatile char* guard = (volatile char*)((((uint)&here) & ~4095u) - 4096 + 16);
    *guard = here;
  } else {
    printf("x86fault: unknown kind %s\n", kind);
    exit(1);
  }
  printf("x86fault: survived\n");
  exit(0);
}
