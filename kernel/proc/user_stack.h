// The initial user stack of exec: argument strings, then the argv array, each 16-byte aligned as
// the RISC-V psABI wants sp (or as xv6-x86 builds it, with main's frame below: UserStackAbi).
// Portable (templated on the address space) so host tests check the exact layout. xv6: the ustack
// part of exec()
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/param.h"

namespace pagoda {

// How a machine's programs expect their first stack. The default is RISC-V's: 8-byte pointers,
// sp 16-byte aligned, argc and argv in registers. xv6-x86's: 4-byte pointers and alignment, and
// main's cdecl frame at sp: a fake return address 0xffffffff, argc, argv.
struct UserStackAbi {
  uint64_t word_size = 8;
  bool main_frame = false;
};

// Pushes argv[0..argc) below sp, never below base. Returns the new sp; without a main frame it is
// also the user address of the argv array (argv[argc] == 0). kTooBig when they do not fit or
// argc > MAXARG.
template <class Space>
Result<uint64_t> push_args(Space& as, uint64_t sp, uint64_t base, const char* const* argv, int argc,
                           UserStackAbi abi = {}) {
  if (argc < 0 || argc > MAXARG) return Error::kTooBig;
  const uint64_t align_mask = abi.main_frame ? abi.word_size - 1 : 15;
  uint64_t strings[MAXARG];
  for (int i = 0; i < argc; ++i) {
    uint64_t len = 1;
    while (argv[i][len - 1] != '\0') ++len;
    if (sp < base || sp - base < len) return Error::kTooBig;
    sp = (sp - len) & ~align_mask;
    if (sp < base) return Error::kTooBig;
    PAGODA_TRY(as.copy_out(mm::VirtAddr(sp), argv[i], len));
    strings[i] = sp;
  }
  // The words below the strings: [0xffffffff, argc, &argv[0]] with a main frame, then argv[],
  // then the null pointer that ends it.
  const uint64_t frame_words = abi.main_frame ? 3 : 0;
  const uint64_t words = frame_words + static_cast<uint64_t>(argc) + 1;
  const uint64_t bytes = words * abi.word_size;
  if (sp < base || sp - base < bytes) return Error::kTooBig;
  sp = (sp - bytes) & ~align_mask;
  if (sp < base) return Error::kTooBig;
  uint64_t word[MAXARG + 4];
  uint64_t n = 0;
  if (abi.main_frame) {
    word[n++] = 0xffffffff;
    word[n++] = static_cast<uint64_t>(argc);
    word[n++] = sp + frame_words * abi.word_size;
  }
  for (int i = 0; i < argc; ++i) word[n++] = strings[i];
  word[n++] = 0;
  unsigned char packed[(MAXARG + 4) * sizeof(uint64_t)];
  for (uint64_t i = 0; i < n; ++i) {  // little-endian, word_size bytes each
    for (uint64_t b = 0; b < abi.word_size; ++b) {
      packed[i * abi.word_size + b] = static_cast<unsigned char>(word[i] >> (8 * b));
    }
  }
  PAGODA_TRY(as.copy_out(mm::VirtAddr(sp), packed, bytes));
  return sp;
}

}  // namespace pagoda
