// The initial user stack of exec: argument strings, then the argv array, each 16-byte aligned as
// the RISC-V psABI wants sp. Portable (templated on the address space) so host tests check the
// exact layout. xv6: the ustack part of exec()
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/param.h"

namespace pagoda {

// Pushes argv[0..argc) below sp, never below base. Returns the new sp, which is also the user
// address of the argv array (argv[argc] == 0). kTooBig when they do not fit or argc > MAXARG.
template <class Space>
Result<uint64_t> push_args(Space& as, uint64_t sp, uint64_t base, const char* const* argv,
                           int argc) {
  if (argc < 0 || argc > MAXARG) return Error::kTooBig;
  uint64_t ustack[MAXARG + 1];
  for (int i = 0; i < argc; ++i) {
    uint64_t len = 1;
    while (argv[i][len - 1] != '\0') ++len;
    if (sp < base || sp - base < len) return Error::kTooBig;
    sp = (sp - len) & ~uint64_t{15};
    if (sp < base) return Error::kTooBig;
    PAGODA_TRY(as.copy_out(mm::VirtAddr(sp), argv[i], len));
    ustack[i] = sp;
  }
  ustack[argc] = 0;
  uint64_t bytes = static_cast<uint64_t>(argc + 1) * sizeof(uint64_t);
  if (sp - base < bytes) return Error::kTooBig;
  sp = (sp - bytes) & ~uint64_t{15};
  if (sp < base) return Error::kTooBig;
  PAGODA_TRY(as.copy_out(mm::VirtAddr(sp), ustack, bytes));
  return sp;
}

}  // namespace pagoda
