// Process system calls. xv6: sysproc.c
#pragma once

#include <cstdint>

namespace pagoda {

int64_t sys_fork();
int64_t sys_exit();
int64_t sys_wait();
int64_t sys_exit_status();
int64_t sys_wait_status();
int64_t sys_kill();
int64_t sys_exec();
int64_t sys_getpid();
int64_t sys_sbrk();
int64_t sys_sleep();
int64_t sys_uptime();
int64_t sys_sysinfo();
int64_t sys_kpgtbl();
int64_t sys_pgaccess();
int64_t sys_meminfo();
int64_t sys_pgpte();
int64_t sys_halt();
void power_off(int code);  // 0: success; returns only if the machine has no test device
int64_t sys_copystats();
int64_t sys_allocfail();

}  // namespace pagoda
