// Pipes: a bounded byte buffer between a reading and a writing end. xv6: pipe.c
// A pipe knows nothing of files: kernel/fs/file.cc makes the two File ends (pipealloc) and calls
// these for them.
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda {

struct Pipe;

// A new pipe with both ends open, or nullptr when the pool is full.
Pipe* pipe_alloc();
void pipeclose(Pipe* p, bool writable);
int pipewrite(Pipe* p, uint64_t addr, int n);
int piperead(Pipe* p, uint64_t addr, int n);

}  // namespace pagoda
