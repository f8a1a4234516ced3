#include "kernel/mm/kernel_vmprint.h"

#include "kernel/sync/print.h"

namespace pagoda {

void vmprint(const KernelPageTable& table) {
  table.print([](const char* line) { kprintf("%s\n", line); });
}

}  // namespace pagoda
