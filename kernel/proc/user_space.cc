// User address spaces of processes: storage and the satp seam. See user_space.h.
#include "kernel/proc/user_space.h"

#include "kernel/arch/riscv/csr.h"
#include "kernel/lib/panic.h"
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

Result<UserAddressSpace> user_space_new(Proc* p) {
  return UserAddressSpace::create(kernel_memory(),
                                  mm::PhysAddr(reinterpret_cast<uint64_t>(trampoline)),
                                  mm::PhysAddr(reinterpret_cast<uint64_t>(p->trapframe)));
}

Status user_space_attach(Proc* p, const UserAddressSpace& as) {
  if (p->space != nullptr) panic("user_space_attach: pid %d already has a space", p->pid);
  p->space = &g_slots[proc_slot(p)];
  p->space->as = as;
  return {};
}

void user_space_commit(Proc* p, const UserAddressSpace& fresh) {
  UserAddressSpace old = p->space->as;
  p->space->as = fresh;
  old.destroy();
}

void user_space_release(Proc* p) {
  if (p->space == nullptr) return;
  p->space->as.destroy();
  p->space = nullptr;
}

uint64_t proc_user_satp(Proc* p) {
  return riscv::satp_sv39(p->space->as.table().root().value());
}

Status user_copy_in(Proc* p, void* dst, uint64_t src, uint64_t len) {
  __atomic_fetch_add(&g_copy_in_calls, 1, __ATOMIC_RELAXED);
  return p->space->as.copy_in(dst, mm::VirtAddr(src), len);
}

Result<uint64_t> user_copy_in_str(Proc* p, char* dst, uint64_t src, uint64_t max) {
  __atomic_fetch_add(&g_copy_in_str_calls, 1, __ATOMIC_RELAXED);
  return p->space->as.copy_in_str(dst, mm::VirtAddr(src), max);
}

uint64_t copy_in_calls() {
  return __atomic_load_n(&g_copy_in_calls, __ATOMIC_RELAXED);
}
uint64_t copy_in_str_calls() {
  return __atomic_load_n(&g_copy_in_str_calls, __ATOMIC_RELAXED);
}

void user_space_switch_kernel(Proc* p) {
  // Global kernel page table: every process shares it, so there is nothing to switch.
  // A per-process kernel page table would load satp here (and the scheduler's own on nullptr).
  (void)p;
}

}  // namespace pagoda
