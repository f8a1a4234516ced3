// What sleep locks need from the scheduler, declared here so that sync does not depend on proc:
// kernel/proc/proc.cc defines them (and the host fs tests' fake kernel does).
#pragma once

namespace pagoda {

class SpinLock;

void sleep(const void* chan, SpinLock& lock);  // xv6 sleep: release lock, sleep on chan, reacquire
void wakeup(const void* chan);                 // xv6 wakeup: wake every sleeper on chan
int current_pid();                             // the running process's pid, or 0 (scheduler)

}  // namespace pagoda
