// What the x86 boot path (kernel/main_x86.cc) uses of the machine set-up in kernel/arch/x86.
#pragma once

#include <cstdint>

extern "C" {
extern char boot_pgdir[];                              // entry.S: the 4 MiB-page boot directory
extern char ap_start[], ap_end[];                      // entry.S: the other CPUs' start code
extern char data[];                                    // kernel.ld: end of text and rodata
extern char end[];                                     // kernel.ld: end of the image
void x86_boot_main(uint32_t magic, uint32_t info_pa);  // entry.S calls it on the boot CPU
void x86_ap_main();                                    // the start code calls it on the others
}
