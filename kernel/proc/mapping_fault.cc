// The default mapping_fault (mapping_fault.h): weak, so that the mmap code's definition replaces
// it at link time; without mmap no mapping region exists and any fault there is refused.
#include "kernel/proc/mapping_fault.h"

namespace pagoda {

[[gnu::weak]] Result<bool> mapping_fault(ProcessMemory& memory, const mm::Region& region,
                                         mm::VirtAddr va, mm::Access access) {
  (void)memory, (void)region, (void)va, (void)access;
  return false;
}

}  // namespace pagoda
