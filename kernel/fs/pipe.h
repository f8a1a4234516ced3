// Pipes: a bounded byte buffer between a reading and a writing File. xv6: pipe.c
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"

namespace pagoda {

struct File;
struct Pipe;

// Two new files, the read end and the write end. Fails (and allocates nothing) when the file
// table or the pipe pool is full.
Status pipealloc(File** read_end, File** write_end);
void pipeclose(Pipe* p, bool writable);
int pipewrite(Pipe* p, uint64_t addr, int n);
int piperead(Pipe* p, uint64_t addr, int n);

}  // namespace pagoda
