// Traps from user and supervisor mode. xv6: trap.c
#pragma once

namespace pagoda {

void trap_init_hart();            // stvec = kernelvec on this hart
[[noreturn]] void usertrapret();  // return to user space of myproc()

}  // namespace pagoda
