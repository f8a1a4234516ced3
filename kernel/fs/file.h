// Open files: the system-wide file table, and the device switch. xv6: file.c, file.h
#pragma once

#include <cstdint>

#include "kernel/lib/result.h"
#include "kernel/param.h"

namespace pagoda {

struct Inode;
struct Pipe;

enum class FileType : uint8_t { kNone, kPipe, kInode, kDevice };

struct File {
  FileType type = FileType::kNone;
  int ref = 0;  // under the file table lock
  bool readable = false;
  bool writable = false;
  Pipe* pipe = nullptr;  // kPipe
  Inode* ip = nullptr;   // kInode and kDevice
  uint32_t off = 0;      // kInode; under ip's lock
  short major = 0;       // kDevice
};

// Device drivers by major number. The console driver fills in devsw[kConsoleMajor].
struct DeviceSwitch {
  int (*read)(bool user_dst, uint64_t dst, int n);
  int (*write)(bool user_src, uint64_t src, int n);
};
extern DeviceSwitch devsw[NDEV];
constexpr int kConsoleMajor = 1;

File* filealloc();  // nullptr if the table is full
File* filedup(File* f);
void fileclose(File* f);
int filestat(File* f, uint64_t addr);  // user address of a struct stat
int fileread(File* f, uint64_t addr, int n);
int filewrite(File* f, uint64_t addr, int n);

// Two new files, the read end and the write end of a new pipe. Fails (and allocates nothing)
// when the file table or the pipe pool is full. xv6: pipealloc
Status pipealloc(File** read_end, File** write_end);

}  // namespace pagoda
