// File-system system calls; the kernel core's syscall table calls these. xv6: sysfile.c
#pragma once

#include <cstdint>

namespace pagoda {

int64_t sys_read();
int64_t sys_write();
int64_t sys_close();
int64_t sys_dup();
int64_t sys_fstat();
int64_t sys_open();
int64_t sys_mkdir();
int64_t sys_mknod();
int64_t sys_chdir();
int64_t sys_link();
int64_t sys_unlink();
int64_t sys_pipe();

}  // namespace pagoda
