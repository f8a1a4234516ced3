#include "kernel/mm/kernel_vmprint.h"

#include "kernel/sync/print.h"

namespace pagoda {

void vmprint(const KernelPageTable& table) {
  // On x86 every user directory borrows the kernel map: print the entries, not the whole map.
  table.print([](const char* line) { kprintf("%s\n", line); },
              arch::kKernelMapInUserTables ? mm::Borrowed::kSkip : mm::Borrowed::kDescend);
}

}  // namespace pagoda
