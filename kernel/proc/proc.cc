// The process table, the scheduler, sleep/wakeup and the process life cycle. xv6: proc.c
#include "kernel/proc/proc.h"

#include <utility>

#include "kernel/arch/arch.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_init.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/string.h"
#include "kernel/proc/mmap.h"
#include "kernel/proc/sysproc.h"
#include "kernel/sync/print.h"

extern "C" {
extern const char initcode_start[], initcode_end[];
}

namespace pagoda {

constinit Proc g_procs[NPROC];

namespace {

constinit Cpu g_cpus[NCPU];
constinit Proc* g_initproc = nullptr;

constinit SpinLock g_pid_lock("nextpid");  // protects g_next_pid
constinit int g_next_pid = 1;

// Protects every Proc::parent, and keeps wait() from missing an exit's wakeup. Taken before any
// p->lock. xv6: wait_lock
constinit SpinLock g_wait_lock("wait_lock");

int alloc_pid() {
  SpinLockGuard guard(g_pid_lock);
  return g_next_pid++;
}

// Free everything p owns and mark it unused. Caller holds p->lock. xv6: freeproc
void free_proc_locked(Proc* p) {
  p->memory.destroy();
  if (p->trapframe != nullptr) {
    kernel_memory().free_page(kernel_memory().phys(p->trapframe));
  }
  p->trapframe = nullptr;
  p->pid = 0;
  p->parent = nullptr;
  p->name[0] = '\0';
  p->chan = nullptr;
  __atomic_store_n(&p->killed, false, __ATOMIC_RELAXED);
  p->xstate = 0;
  p->state = ProcState::kUnused;
}

[[noreturn]] void fork_ret();

// An unused slot, set up to start in fork_ret with a trapframe and an empty address space.
// Returns it with p->lock held, or nullptr (table full or no memory). xv6: allocproc
Proc* alloc_proc() {
  Proc* p = nullptr;
  for (Proc& q : g_procs) {
    q.lock.acquire();
    if (q.state == ProcState::kUnused) {
      p = &q;
      break;
    }
    q.lock.release();
  }
  if (p == nullptr) return nullptr;

  p->pid = alloc_pid();
  p->state = ProcState::kUsed;
  auto frame = kernel_memory().alloc_page();
  if (!frame.ok()) {
    free_proc_locked(p);
    p->lock.release();
    return nullptr;
  }
  p->trapframe = static_cast<arch::TrapFrame*>(kernel_memory().ptr(*frame));
  memset(p->trapframe, 0, sizeof(arch::TrapFrame));
  if (!p->memory.open(*frame, p->kstack, p->pid).ok()) {
    free_proc_locked(p);
    p->lock.release();
    return nullptr;
  }
  p->context = {};
  p->context.ra = reinterpret_cast<uint64_t>(&fork_ret);
  p->context.sp = p->kstack + arch::kPageSize;
  return p;
}

// A new process's first scheduling lands here, holding p->lock from the scheduler. xv6: forkret
[[noreturn]] void fork_ret() {
  static constinit bool first = true;
  myproc()->lock.release();
  if (first) {
    // The file system sleeps on disk I/O, so it cannot be mounted from main().
    first = false;
    if (!fs_mount_root(ROOTDEV).ok()) {  // reported on the console: nothing to run, stop cleanly
      power_off(1);
      for (;;) {
      }
    }
  }
  arch::usertrapret();
}

// Give p's children to init. Caller holds g_wait_lock. xv6: reparent
void reparent_locked(Proc* p) {
  for (Proc& child : g_procs) {
    if (child.parent == p) {
      child.parent = g_initproc;
      wakeup(g_initproc);
    }
  }
}

const char* state_name(ProcState s) {
  switch (s) {
    case ProcState::kUnused:
      return "unused";
    case ProcState::kUsed:
      return "used";
    case ProcState::kSleeping:
      return "sleep ";
    case ProcState::kRunnable:
      return "runble";
    case ProcState::kRunning:
      return "run   ";
    case ProcState::kZombie:
      return "zombie";
  }
  return "???";
}

}  // namespace

int cpuid() {
  return arch::cpu_id();
}

Cpu* mycpu() {
  return &g_cpus[cpuid()];
}

Proc* myproc_from_hart() {
  push_off();
  Proc* p = mycpu()->proc;
  pop_off();
  return p;
}

int proc_slot(const Proc* p) {
  return static_cast<int>(p - g_procs);
}

void proc_init() {
  for (Proc& p : g_procs) p.kstack = arch::kernel_stack(static_cast<uint64_t>(proc_slot(&p)));
}

void user_init() {
  Proc* p = alloc_proc();
  if (p == nullptr) panic("user_init: no memory for the first process");
  g_initproc = p;

  // One page at address 0 holding initcode, which execs /init. xv6: userinit, uvmfirst
  uint64_t size = static_cast<uint64_t>(initcode_end - initcode_start);
  if (size > arch::kPageSize) panic("user_init: initcode is %lu bytes", size);
  ProcessMemory& memory = p->memory;
  if (!memory.map_segment(0, arch::kPageSize, mm::Perm::kRead | mm::Perm::kWrite | mm::Perm::kExec)
           .ok() ||
      !memory.copy_out(0, initcode_start, size).ok()) {
    panic("user_init: cannot load initcode");
  }
  arch::set_user_entry(*p->trapframe, 0, arch::kPageSize);
  safestrcpy(p->name, "initcode", sizeof(p->name));
  p->cwd = namei("/");
  p->state = ProcState::kRunnable;
  p->lock.release();
}

Status prefault_user_range(uint64_t addr, uint64_t len, bool write) {
  return myproc()->memory.prefault_mapped(addr, len, write);
}

int fork() {
  Proc* p = myproc();
  // mmap: the parent's shared file pages are read in first (this sleeps; the copy cannot).
  if (!mappings_prepare_fork(p).ok()) return -1;
  Proc* np = alloc_proc();
  if (np == nullptr) return -1;
  if (!p->memory.copy_to(np->memory).ok() || !mappings_copy(p, np).ok()) {
    free_proc_locked(np);
    np->lock.release();
    return -1;
  }
  *np->trapframe = *p->trapframe;
  arch::set_syscall_result(*np->trapframe, 0);  // fork returns 0 in the child
  for (int i = 0; i < NOFILE; ++i)
    if (p->ofile[i] != nullptr) np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(np->name));
  int pid = np->pid;
  np->lock.release();

  {
    SpinLockGuard guard(g_wait_lock);
    np->parent = p;
  }
  {
    SpinLockGuard guard(np->lock);
    np->state = ProcState::kRunnable;
  }
  return pid;
}

void exit(int status) {
  Proc* p = myproc();
  if (p == g_initproc) panic("init exiting with status %d", status);

  mappings_drop_all(p);  // mmap: write back shared pages, drop the file references

  for (File*& f : p->ofile) {
    if (f != nullptr) {
      fileclose(f);
      f = nullptr;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = nullptr;

  g_wait_lock.acquire();
  reparent_locked(p);
  wakeup(p->parent);  // the parent may be sleeping in wait()
  p->lock.acquire();
  p->xstate = status;
  p->state = ProcState::kZombie;
  g_wait_lock.release();

  sched();
  panic("zombie exit");
}

int wait(uint64_t status_addr) {
  Proc* p = myproc();
  // mmap: a status word in a mapping is faulted in now; the copy below holds spin locks.
  if (status_addr != 0 && !p->memory.prefault_mapped(status_addr, sizeof(int), true).ok()) {
    return -1;
  }
  SpinLockGuard guard(g_wait_lock);
  for (;;) {
    bool have_kids = false;
    for (Proc& child : g_procs) {
      if (child.parent != p) continue;
      SpinLockGuard child_guard(child.lock);  // child's exit may still be running
      have_kids = true;
      if (child.state == ProcState::kZombie) {
        int pid = child.pid;
        if (status_addr != 0 &&
            !p->memory.copy_out(status_addr, &child.xstate, sizeof(child.xstate)).ok()) {
          return -1;
        }
        free_proc_locked(&child);
        return pid;
      }
    }
    if (!have_kids || killed(p)) return -1;
    sleep(p, g_wait_lock);  // exit() wakes us with wakeup(parent)
  }
}

namespace {

// Reads of a slot's state and channel without its lock (relaxed atomics: no torn or cached
// values), for the scans of the scheduler and wakeup, which confirm under the lock what they
// found.
ProcState glance_state(const Proc& p) {
  ProcState s;
  __atomic_load(&p.state, &s, __ATOMIC_RELAXED);
  return s;
}
const void* glance_chan(const Proc& p) {
  return __atomic_load_n(&p.chan, __ATOMIC_RELAXED);
}
void set_state_visible(Proc& p, ProcState s) {
  __atomic_store(&p.state, &s, __ATOMIC_RELAXED);
}

}  // namespace

void scheduler() {
  Cpu* c = mycpu();
  c->proc = nullptr;
  for (;;) {
    // Interrupts on so devices can wake processes; off again before looking at the table,
    // so that a process's state does not change under us between check and swtch.
    arch::intr_on();
    arch::intr_off();
    bool found = false;
    for (Proc& p : g_procs) {
      // A glance without the lock skips the slots that cannot run (most of them) for a few
      // instructions each instead of a lock round trip; the state is checked again under it.
      if (glance_state(p) != ProcState::kRunnable) continue;
      SpinLockGuard guard(p.lock);
      if (p.state != ProcState::kRunnable) continue;
      // The process releases its lock and re-acquires it before switching back here.
      p.state = ProcState::kRunning;
      c->proc = &p;
      p.memory.load_kernel_table();
      arch::swtch(&c->context, &p.context);
      ProcessMemory::unload_kernel_table();
      c->proc = nullptr;
      found = true;
    }
    if (!found) arch::wait_for_interrupt();  // nothing to run
  }
}

void sched() {
  Proc* p = myproc();
  if (!p->lock.holding()) panic("sched: p->lock not held");
  if (this_hart_nesting().depth != 1) panic("sched: locks held (%d)", this_hart_nesting().depth);
  if (p->state == ProcState::kRunning) panic("sched: running");
  if (arch::intr_get()) panic("sched: interruptible");
  // intena belongs to this kernel thread, not to the hart.
  bool intena = this_hart_nesting().intena;
  arch::swtch(&p->context, &mycpu()->context);
  this_hart_nesting().intena = intena;
}

void yield() {
  Proc* p = myproc();
  SpinLockGuard guard(p->lock);
  p->state = ProcState::kRunnable;
  sched();
}

void sleep(const void* chan, SpinLock& lock) {
  Proc* p = myproc();
  // Holding p->lock means no wakeup(chan) can run between releasing `lock` and sleeping:
  // wakeup takes p->lock.
  // Asleep before `lock` is let go: a waker that takes `lock` next (as every caller of wakeup
  // holds the condition's lock) then sees this state even in its glance without p->lock.
  p->lock.acquire();
  p->chan = chan;
  set_state_visible(*p, ProcState::kSleeping);
  lock.release();
  sched();
  p->chan = nullptr;
  p->lock.release();
  lock.acquire();
}

int current_pid() {
  Proc* p = myproc();
  return p != nullptr ? p->pid : 0;
}

void wakeup(const void* chan) {
  Proc* me = myproc();
  for (Proc& p : g_procs) {
    if (&p == me) continue;
    // Only a process asleep on chan needs the lock: see sleep() for why the glance cannot miss it.
    if (glance_state(p) != ProcState::kSleeping || glance_chan(p) != chan) continue;
    SpinLockGuard guard(p.lock);
    if (p.state == ProcState::kSleeping && p.chan == chan) p.state = ProcState::kRunnable;
  }
}

int kill(int pid) {
  // init cannot be killed: its exit would be a panic, and user space must not be able to cause one.
  if (pid <= 0 || (g_initproc != nullptr && pid == g_initproc->pid)) return -1;
  for (Proc& p : g_procs) {
    SpinLockGuard guard(p.lock);
    if (p.pid == pid && p.state != ProcState::kUnused) {
      set_killed(&p);
      // Wake it so it notices on its way back to user space.
      if (p.state == ProcState::kSleeping) p.state = ProcState::kRunnable;
      return 0;
    }
  }
  return -1;
}

void set_killed(Proc* p) {
  __atomic_store_n(&p->killed, true, __ATOMIC_RELEASE);
}


Status either_copyout(bool user_dst, uint64_t dst, const void* src, uint64_t len) {
  if (user_dst) return myproc()->memory.copy_out(dst, src, len);
  memmove(reinterpret_cast<void*>(dst), src, len);
  return {};
}

Status either_copyin(void* dst, bool user_src, uint64_t src, uint64_t len) {
  if (user_src) return myproc()->memory.copy_in(dst, src, len);
  memmove(dst, reinterpret_cast<const void*>(src), len);
  return {};
}

void procdump() {
  // No locks: ^P must work even when the machine is wedged.
  kprintf("\n");
  for (Proc& p : g_procs) {
    if (p.state == ProcState::kUnused) continue;
    kprintf("%d %s %s\n", p.pid, state_name(p.state), p.name);
    p.memory.dump_kernel_table(proc_slot(&p));  // labs: per-process design only
  }
}

uint64_t count_procs() {
  uint64_t n = 0;
  for (Proc& p : g_procs) {
    SpinLockGuard guard(p.lock);
    if (p.state != ProcState::kUnused) ++n;
  }
  return n;
}

}  // namespace pagoda
