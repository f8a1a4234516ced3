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
  bool killed = false;         // read and written atomically (killed(), set_killed()), any lock
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

// The process table. xv6: proc[NPROC]
extern Proc g_procs[NPROC];

// The process running on this hart, or nullptr (the scheduler, boot). On a process's kernel
// stack that is the stack's owner, found from the stack pointer alone: a process may move to
// another hart at any interrupt, but never off its own kernel stack. Elsewhere the hart's Cpu
// says (myproc_from_hart). The trap path calls this several times per trap: it is inline.
Proc* myproc_from_hart();
inline Proc* myproc() {
  // arch::kernel_stack: one page a slot, evenly spaced from slot 0 down, a guard page between.
  // Running code is never in a guard page (touching one faults), so the slot is the distance
  // from the top divided by the spacing.
  constexpr uint64_t kTop0 = arch::kernel_stack(0) + arch::kPageSize;
  constexpr uint64_t kStride = arch::kernel_stack(0) - arch::kernel_stack(1);
  constexpr uint64_t kSpan = kTop0 - arch::kernel_stack(NPROC - 1);
  static_assert((kStride & (kStride - 1)) == 0 && kSpan == (NPROC - 1) * kStride + arch::kPageSize,
                "kernel stacks are evenly spaced, slot 0 highest");
  const auto sp = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  const uint64_t below_top = kTop0 - 1 - sp;  // wraps above the top: out of range too
  return below_top < kSpan ? &g_procs[below_top / kStride] : myproc_from_hart();
}
// Whether p was killed. A flag read and set without the process's lock: kill() takes the lock
// only to wake a sleeper; the trap path reads the flag on every return to user space.
inline bool killed(const Proc* p) {
  return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}
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
