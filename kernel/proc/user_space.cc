// User address spaces of processes: storage and the satp seam. See user_space.h.
#include "kernel/proc/user_space.h"

#include <utility>

#include "kernel/arch/arch.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/kernel_process_table.h"  // labs: per-process kernel page table
#include "kernel/proc/proc.h"

extern "C" char trampoline[];

namespace pagoda {
namespace {

// One address space per process-table entry; Proc::space points at its slot while it has one.
constinit UserSpace g_slots[NPROC];

// Statistics only: relaxed atomics, no lock.
constinit uint64_t g_copy_in_calls = 0;
constinit uint64_t g_copy_in_str_calls = 0;

}  // namespace

// x86 (xv6-x86 setupkvm): every user directory carries the kernel map, so traps and system calls
// run on the process's own table. Its top-level entries from kKernelMapStart up are the kernel
// table's, borrowed: shared, never freed with the process.
Status share_kernel_map(UserAddressSpace& as) {
  constexpr uint64_t kSpan = arch::kPageSize
                             << (arch::PteFormat::kIndexBits * (arch::PteFormat::kLevels - 1));
  for (uint64_t va = arch::kKernelMapStart; va < arch::kMaxVa; va += kSpan) {
    const Status s = as.table().borrow(mm::VirtAddr(va), kernel_page_table());
    if (!s.ok() && s.error() != Error::kNotMapped) return s;
  }
  return {};
}

Result<UserAddressSpace> user_space_new(Proc* p) {
  // Frames are reached through the kernel's direct map: their physical address is the kernel's.
  auto as = UserAddressSpace::create(kernel_memory(), kernel_memory().phys(trampoline),
                                     kernel_memory().phys(p->trapframe));
  if (as.ok()) as.value().set_limit(arch::kUserTop);
  if (as.ok() && arch::kKernelMapInUserTables) {
    const Status shared = share_kernel_map(as.value());
    if (!shared.ok()) {
      as.value().destroy();
      return shared.error();
    }
  }
#if PAGODA_PER_PROCESS_KPT  // labs: a kernel table mirroring this space (observer, limit)
  if (as.ok()) {
    UserAddressSpace space = std::move(as).value();
    const Status opened = process_kernel_tables(proc_slot(p)).open(p->kstack, space);
    if (!opened.ok()) {
      space.destroy();
      return opened.error();
    }
    return space;
  }
#endif
  return as;
}

// Nothing here can fail today: with PAGODA_PER_PROCESS_KPT the process's kernel page table is built
// (and can run out of memory) in user_space_new; attach only selects it.
Status user_space_attach(Proc* p, UserAddressSpace&& as) {
  if (p->space != nullptr) panic("user_space_attach: pid %d already has a space", p->pid);
  p->space = &g_slots[proc_slot(p)];
  p->space->as = std::move(as);
#if PAGODA_PER_PROCESS_KPT  // labs
  process_kernel_tables(proc_slot(p)).select(p->space->as, /*load=*/false);
#endif
  return {};
}

void user_space_commit(Proc* p, UserAddressSpace&& fresh) {
  UserAddressSpace old = std::move(p->space->as);
  p->space->as = std::move(fresh);
#if PAGODA_PER_PROCESS_KPT  // labs: run on the new image's kernel table before freeing the old
  process_kernel_tables(proc_slot(p)).select(p->space->as, /*load=*/p == myproc());
  const mm::PhysAddr old_root = old.table().root();
  old.destroy();
  process_kernel_tables(proc_slot(p)).close(old_root);
#else
  // x86: the CPU may be running on the old directory; leave it before it is freed.
  if (arch::kKernelMapInUserTables && p == myproc()) kvm_init_hart();
  old.destroy();
#endif
}

void user_space_release(Proc* p) {
  if (p->space == nullptr) return;
  user_space_discard(p, p->space->as);  // labs: and its kernel table
  p->space = nullptr;
}

// labs: a space from user_space_new that was never committed (a failed exec), or p's own.
void user_space_discard(Proc* p, UserAddressSpace& as) {
  const mm::PhysAddr root = as.table().root();
  as.destroy();
#if PAGODA_PER_PROCESS_KPT
  process_kernel_tables(proc_slot(p)).close(root);
#else
  (void)p, (void)root;
#endif
}

uint64_t proc_user_satp(Proc* p) {
  return arch::page_table_token(p->space->as.table().root());
}

Status user_copy_in(Proc* p, void* dst, uint64_t src, uint64_t len) {
  __atomic_fetch_add(&g_copy_in_calls, 1, __ATOMIC_RELAXED);
#if PAGODA_PER_PROCESS_KPT  // labs: through the mirror in p's kernel table (copyin_new)
  if (KernelProcessTable* kpt = process_kernel_tables(proc_slot(p)).active()) {
    return kpt->copy_in(p->space->as, dst, src, len);
  }
#endif
  return p->space->as.copy_in(dst, mm::VirtAddr(src), len);
}

Status user_copy_out(Proc* p, uint64_t dst, const void* src, uint64_t len) {
  return p->space->as.copy_out(mm::VirtAddr(dst), src, len);
}

Result<uint64_t> user_copy_in_str(Proc* p, char* dst, uint64_t src, uint64_t max) {
  __atomic_fetch_add(&g_copy_in_str_calls, 1, __ATOMIC_RELAXED);
#if PAGODA_PER_PROCESS_KPT  // labs: copyinstr_new
  if (KernelProcessTable* kpt = process_kernel_tables(proc_slot(p)).active()) {
    return kpt->copy_in_str(p->space->as, dst, src, max);
  }
#endif
  return p->space->as.copy_in_str(dst, mm::VirtAddr(src), max);
}

uint64_t copy_in_calls() {
  return __atomic_load_n(&g_copy_in_calls, __ATOMIC_RELAXED);
}
uint64_t copy_in_str_calls() {
  return __atomic_load_n(&g_copy_in_str_calls, __ATOMIC_RELAXED);
}

void user_space_switch_kernel(Proc* p) {
#if PAGODA_PER_PROCESS_KPT  // labs: p's own kernel table, or the global one when none runs
  KernelProcessTable* kpt = p != nullptr ? process_kernel_tables(proc_slot(p)).active() : nullptr;
  if (kpt != nullptr) {
    kpt->load();
  } else {
    kvm_init_hart();
  }
#else
  // Global kernel page table: every process shares it, so there is nothing to switch. On x86 the
  // scheduler may still run on the last process's directory (its kernel map): back to the kernel's
  // own before that process can be freed (xv6-x86: switchkvm).
  if (arch::kKernelMapInUserTables && p == nullptr) kvm_init_hart();
#endif
}

}  // namespace pagoda
