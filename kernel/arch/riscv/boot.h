// What machine-mode start-up hands to the kernel.
#pragma once

#include <cstdint>

namespace pagoda {

// Physical address of the flattened device tree QEMU passed in a1 (0 if none). It lies in RAM the
// frame allocator will reuse: read it before kernel_memory_init().
extern uint64_t g_boot_fdt;

}  // namespace pagoda
