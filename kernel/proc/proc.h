// Processes: the table, the scheduler, sleep/wakeup, fork/exit/wait/kill. xv6: proc.c
#pragma once

#include <cstdint>

#include "kernel/arch/arch.h"
#include "kernel/lib/result.h"
#include "kernel/param.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/process_memory.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/wait.h"

namespace pagoda {

struct File;
struct Inode;

enum class ProcState : uint8_t { kUnused, kUsed, kSleeping, kRunnable, kRunning, kZombie };

struct Proc {
  SpinLock lock{"proc"};

  // Protected by lock.
  ProcState state = ProcState::kUnused;
  const void* chan = nullptr;  // sleeping on chan if non-null
  bool killed = false;
  int xstate = 0;  // exit status for the parent's wait
  int pid = 0;

  // Protected by the global wait lock (proc.cc).
  Proc* parent = nullptr;

  // Private to the process; no lock needed.
  uint64_t kstack = 0;                   // virtual address of the kernel stack
  ProcessMemory memory;                  // user memory, its regions and kernel table
  arch::TrapFrame* trapframe = nullptr;  // for the trampoline
  arch::Context context{};               // swtch() here to run the process
  File* ofile[NOFILE] = {};
  Inode* cwd = nullptr;
  char name[16] = {};
};

Proc* myproc();
// myproc() for a caller whose interrupts are already off (the trap path): no push_off/pop_off.
Proc* myproc_intr_off();
bool killed(Proc* p);
void set_killed(Proc* p);

// sleep, wakeup and current_pid: kernel/sync/wait.h.

// Copy to/from either a user address (of the current process) or a kernel address.
Status either_copyout(bool user_dst, uint64_t dst, const void* src, uint64_t len);
Status either_copyin(void* dst, bool user_src, uint64_t src, uint64_t len);
// mmap, routing until dp's fault path lands: faults in the current process's mapped pages of
// [addr, addr + len) before a copy made under a lock (ProcessMemory::prefault_mapped).
Status prefault_user_range(uint64_t addr, uint64_t len, bool write);

// Process life cycle (system calls build on these).
void proc_init();               // xv6 procinit
void user_init();               // xv6 userinit: the first process
[[noreturn]] void scheduler();  // each hart's scheduler loop
void sched();                   // switch to the scheduler; caller holds only p->lock
void yield();                   // give up the CPU for one round
int fork();                     // child's pid, or -1
[[noreturn]] void exit(int status);
int wait(uint64_t status_addr);  // user address for the status, or 0
int kill(int pid);
void procdump();         // ^P: list processes
uint64_t count_procs();  // processes not UNUSED (sysinfo)

int proc_slot(const Proc* p);  // index in the process table (kernel stack)

}  // namespace pagoda
