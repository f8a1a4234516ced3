// System-call dispatch by number (a7) and the argument helpers. xv6: syscall.c
#include "kernel/proc/syscall.h"

#include "kernel/arch/arch.h"
#include "kernel/fs/sysfile.h"
#include "kernel/proc/mmap.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/sysproc.h"
#include "kernel/sync/print.h"
#include "kernel/syscall.h"

namespace pagoda {
namespace {

using Handler = int64_t (*)();

// Indexed by the xv6 numbers of kernel/syscall.h; gaps are null.
struct SyscallTable {
  Handler entries[SYS_meminfo + 1] = {};
  constexpr SyscallTable() {
    entries[SYS_fork] = sys_fork;
    entries[SYS_exit] = sys_exit;
    entries[SYS_wait] = sys_wait;
    entries[SYS_pipe] = sys_pipe;
    entries[SYS_read] = sys_read;
    entries[SYS_kill] = sys_kill;
    entries[SYS_exec] = sys_exec;
    entries[SYS_fstat] = sys_fstat;
    entries[SYS_chdir] = sys_chdir;
    entries[SYS_dup] = sys_dup;
    entries[SYS_getpid] = sys_getpid;
    entries[SYS_sbrk] = sys_sbrk;
    entries[SYS_sleep] = sys_sleep;
    entries[SYS_uptime] = sys_uptime;
    entries[SYS_open] = sys_open;
    entries[SYS_write] = sys_write;
    entries[SYS_mknod] = sys_mknod;
    entries[SYS_unlink] = sys_unlink;
    entries[SYS_link] = sys_link;
    entries[SYS_mkdir] = sys_mkdir;
    entries[SYS_close] = sys_close;
    entries[SYS_sysinfo] = sys_sysinfo;
    entries[SYS_mmap] = sys_mmap;
    entries[SYS_munmap] = sys_munmap;
    entries[SYS_pgpte] = sys_pgpte;
    entries[SYS_kpgtbl] = sys_kpgtbl;
    entries[SYS_pgaccess] = sys_pgaccess;
    entries[SYS_meminfo] = sys_meminfo;
    entries[SYS_halt] = sys_halt;
    entries[SYS_copystats] = sys_copystats;
    entries[SYS_allocfail] = sys_allocfail;
    entries[SYS_exit_status] = sys_exit_status;
    entries[SYS_wait_status] = sys_wait_status;
  }
};
constexpr SyscallTable kSyscalls;

}  // namespace

uint64_t arg_raw(int n) {
  Proc* p = myproc();
  if constexpr (!arch::kSyscallArgsOnStack) {
    return arch::syscall_arg(*p->trapframe, n);
  } else {
    // xv6-x86 argint: a 32-bit word on the user stack. One the kernel cannot read is all ones
    // (fd -1, an address no user owns), so the call fails, as xv6-x86's argint makes it.
    uint32_t word = 0;
    if (!p->memory.copy_in(&word, arch::syscall_arg_address(*p->trapframe, n), sizeof(word)).ok()) {
      return ~uint64_t{0};
    }
    return word;
  }
}

int arg_int(int n) {
  return static_cast<int>(arg_raw(n));
}

uint64_t arg_u64(int n, int* next) {
  if constexpr (arch::kUserWordSize >= sizeof(uint64_t)) {
    *next = n + 1;
    return arg_raw(n);
  } else {
    *next = n + 2;
    return (arg_raw(n) & 0xffffffffu) | (arg_raw(n + 1) << 32);
  }
}

uint64_t arg_addr(int n) {
  return arg_raw(n);
}

Result<uint64_t> arg_str(int n, char* buf, uint64_t max) {
  return fetch_str(arg_addr(n), buf, max);
}

// A user pointer is arch::kUserWordSize bytes (little-endian on both ISAs).
Status fetch_addr(uint64_t addr, uint64_t* out) {
  *out = 0;
  return myproc()->memory.copy_in(out, addr, arch::kUserWordSize);
}

Result<uint64_t> fetch_str(uint64_t addr, char* buf, uint64_t max) {
  return myproc()->memory.copy_in_str(buf, addr, max);
}

void syscall(Proc* p) {
  uint64_t num = arch::syscall_number(*p->trapframe);
  if (num < sizeof(kSyscalls.entries) / sizeof(kSyscalls.entries[0]) &&
      kSyscalls.entries[num] != nullptr) {
    arch::set_syscall_result(*p->trapframe, static_cast<uint64_t>(kSyscalls.entries[num]()));
  } else {
    kprintf("pid %d (%s): unknown sys call %lu\n", p->pid, p->name, num);
    arch::set_syscall_result(*p->trapframe, static_cast<uint64_t>(-1));
  }
}

}  // namespace pagoda
