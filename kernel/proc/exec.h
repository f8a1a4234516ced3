// exec: replace the current process's memory with a program from the file system. xv6: exec.c
#pragma once

#include <cstdint>

namespace pagoda {

// argv: argc kernel strings. Returns argc (the new program's a0), or -1 with the caller intact.
int exec(const char* path, const char* const* argv, int argc);

}  // namespace pagoda
