// Per-process kernel page tables and copyin through them. xv6 page-table lab: kvminit per process,
// kvmfree, copyin_new, copyinstr_new. See kernel_process_table.h.
#include "kernel/mm/kernel_process_table.h"

#include <utility>

#include "kernel/arch/riscv/csr.h"
#include "kernel/arch/riscv/memlayout.h"
#include "kernel/lib/panic.h"
#include "kernel/param.h"
#include "kernel/sync/print.h"
#include "kernel/sync/spinlock.h"

extern "C" char trampoline[];  // trampoline.S

namespace pagoda {
namespace {

using mm::kPageSize;
using mm::Perm;
using mm::PhysAddr;
using mm::VirtAddr;

static_assert(NPROC <= 64, "mapped_stack_slots() reports slots as bits of a uint64_t");
static_assert(kUserMirrorLimit <= riscv::kUart0 && kUserMirrorLimit <= riscv::kKernBase);

constinit ProcessKernelTables g_tables[NPROC];

// Copies that could not go through the mirror because the table was not in satp: always 0 unless
// the kernel has a bug. Shown by ^P so that tests can tell the direct path is really taken.
constinit uint64_t g_fallbacks = 0;

void count_fallback() {
  __atomic_fetch_add(&g_fallbacks, 1, __ATOMIC_RELAXED);
}

}  // namespace

Status KernelProcessTable::create(uint64_t kstack_va) {
  if (table_.valid()) panic("KernelProcessTable::create: table exists");
  const KernelPageTable& global = kernel_page_table();
  auto kstack_pa = global.translate(VirtAddr(kstack_va));
  if (!kstack_pa.ok()) panic("KernelProcessTable: no kernel stack at 0x%lx", kstack_va);

  auto table = KernelPageTable::create(kernel_memory());
  if (!table.ok()) return table.error();
  KernelPageTable t = std::move(table).value();
  constexpr Perm kRw = Perm::kRead | Perm::kWrite;
  // The devices S mode uses (kvm_init maps the same), each with its own tables here: they share
  // root entry 0 with the user mirror, so that root entry cannot be borrowed.
  Status s = t.map(VirtAddr(riscv::kPlic), riscv::kPlicSize, PhysAddr(riscv::kPlic), kRw);
  if (s.ok()) s = t.map(VirtAddr(riscv::kUart0), kPageSize, PhysAddr(riscv::kUart0), kRw);
  if (s.ok()) s = t.map(VirtAddr(riscv::kVirtio0), kPageSize, PhysAddr(riscv::kVirtio0), kRw);
  // Kernel text and all of RAM: the global table's subtree, shared (never freed through here).
  if (s.ok()) s = t.borrow(VirtAddr(riscv::kKernBase), global);
  if (s.ok()) {
    s = t.map(VirtAddr(riscv::kTrampoline), kPageSize,
              PhysAddr(reinterpret_cast<uint64_t>(trampoline)), Perm::kRead | Perm::kExec);
  }
  // This process's kernel stack and no other (the guard page below stays unmapped).
  if (s.ok()) s = t.map(VirtAddr(kstack_va), kPageSize, *kstack_pa, kRw);
  if (!s.ok()) {
    t.destroy_tables();
    return s;
  }
  table_ = std::move(t);
  verify(kstack_va);
  return {};
}

void KernelProcessTable::verify(uint64_t kstack_va) const {
  // What the kernel reaches while a process runs translates as in the global table...
  const KernelPageTable& global = kernel_page_table();
  const uint64_t shared[] = {riscv::kKernBase,
                             reinterpret_cast<uint64_t>(&g_tables),
                             riscv::kPhysTop - kPageSize,
                             riscv::kPlic,
                             riscv::kPlic + riscv::kPlicSize - kPageSize,
                             riscv::kUart0,
                             riscv::kVirtio0,
                             riscv::kTrampoline,
                             kstack_va};
  for (uint64_t va : shared) {
    auto mine = table_.translate(VirtAddr(va));
    auto theirs = global.translate(VirtAddr(va));
    if (!mine.ok() || !theirs.ok() || *mine != *theirs) {
      panic("KernelProcessTable: 0x%lx differs from the global table", va);
    }
  }
  // ...what lies in the user range does not, and of the kernel stacks only this one is mapped.
  const uint64_t absent[] = {riscv::kTestDevice, riscv::kClint, kstack_va - kPageSize};
  for (uint64_t va : absent) {
    if (table_.translate(VirtAddr(va)).ok()) panic("KernelProcessTable: 0x%lx is mapped", va);
  }
  const uint64_t slot = (riscv::kTrampoline - kstack_va) / (2 * kPageSize) - 1;
  if (riscv::kKernelStack(slot) != kstack_va || mapped_stack_slots() != uint64_t{1} << slot) {
    panic("KernelProcessTable: kernel stacks mapped 0x%lx, want slot %lu", mapped_stack_slots(),
          slot);
  }
}

void KernelProcessTable::destroy() {
  if (!table_.valid()) return;
  if (loaded()) panic("KernelProcessTable::destroy: table is in satp");
  table_.destroy_tables();  // resets the handle
}

uint64_t KernelProcessTable::satp() const {
  return riscv::satp_sv39(table_.root().value());
}

void KernelProcessTable::load() const {
  // Table writes visible to the walker before the switch; no stale translations after it.
  riscv::sfence_vma();
  riscv::w_satp(satp());
  riscv::sfence_vma();
}

bool KernelProcessTable::loaded() const {
  return table_.valid() && riscv::r_satp() == satp();
}

Status KernelProcessTable::on_map(VirtAddr va, uint64_t size, PhysAddr first, Perm perm) {
  (void)perm;  // read-only whatever the user may do: the kernel only reads through the mirror
  if (va.value() >= kUserMirrorLimit || size > kUserMirrorLimit - va.value()) {
    return Error::kOutOfRange;
  }
  PAGODA_TRY(table_.map(va, size, first, Perm::kRead));
  if (loaded()) riscv::sfence_vma();
  return {};
}

void KernelProcessTable::on_unmap(VirtAddr va, uint64_t size) {
  if (!table_.unmap(va, size / kPageSize, mm::FreeFrames::kNo).ok()) {
    panic("KernelProcessTable: unmirror of 0x%lx (+0x%lx) not mirrored", va.value(), size);
  }
  // The frames are freed right after this returns: no stale translation may survive.
  if (loaded()) riscv::sfence_vma();
}

bool KernelProcessTable::readable(const UserAddressSpace& as, uint64_t src, uint64_t len) const {
  // Bytes up to the end of the last page count, as in the classic copyin (which checks pages).
  const uint64_t bound = mm::page_round_up(as.size());
  if (src >= bound || len > bound - src) return false;
  for (uint64_t a = mm::page_round_down(src); a < src + len; a += kPageSize) {
    const auto* pte = table_.walk(VirtAddr(a));
    if (pte == nullptr || !pte->valid()) return false;  // the stack guard page
  }
  return true;
}

Status KernelProcessTable::copy_in(const UserAddressSpace& as, void* dst, uint64_t src,
                                   uint64_t len) const {
  if (len == 0) return {};
  if (!loaded()) {
    count_fallback();
    return as.copy_in(dst, VirtAddr(src), len);
  }
  if (!readable(as, src, len)) return Error::kBadAddress;
  __builtin_memcpy(dst, reinterpret_cast<const void*>(src), len);
  return {};
}

Result<uint64_t> KernelProcessTable::copy_in_str(const UserAddressSpace& as, char* dst,
                                                 uint64_t src, uint64_t max) const {
  if (!loaded()) {
    count_fallback();
    return as.copy_in_str(dst, VirtAddr(src), max);
  }
  for (uint64_t done = 0; done < max;) {
    const uint64_t va = src + done;
    const uint64_t in_page = kPageSize - (va & (kPageSize - 1));
    const uint64_t n = in_page < max - done ? in_page : max - done;
    if (!readable(as, va, 1)) return Error::kBadAddress;
    const char* in = reinterpret_cast<const char*>(va);
    for (uint64_t i = 0; i < n; ++i) {
      dst[done + i] = in[i];
      if (in[i] == '\0') return done + i;
    }
    done += n;
  }
  return Error::kTooBig;
}

uint64_t KernelProcessTable::mapped_stack_slots() const {
  uint64_t slots = 0;
  for (uint64_t s = 0; s < NPROC; ++s) {
    if (table_.translate(VirtAddr(riscv::kKernelStack(s))).ok()) slots |= uint64_t{1} << s;
  }
  return slots;
}

bool KernelProcessTable::mirror_matches(const UserAddressSpace& as, uint64_t* mirrored) const {
  *mirrored = 0;
  bool ok = true;
  for (uint64_t va = 0; va < kUserMirrorLimit; va += kPageSize) {
    const auto* mine = table_.walk(VirtAddr(va));
    const auto* user = as.table().walk(VirtAddr(va));
    const bool want = user != nullptr && user->valid() && user->user();
    const bool have = mine != nullptr && mine->valid();
    if (have) ++*mirrored;
    if (want != have) ok = false;
    if (have && (mine->user() || mine->writable() || mine->executable() ||
                 (want && mine->phys() != user->phys()))) {
      ok = false;
    }
  }
  return ok;
}

Status ProcessKernelTables::open(uint64_t kstack_va, UserAddressSpace& as) {
  const int free = find(PhysAddr());
  if (free < 0) panic("ProcessKernelTables::open: both tables in use");
  PAGODA_TRY(tables_[free].create(kstack_va));
  owners_[free] = as.table().root();
  as.set_limit(kUserMirrorLimit);
  as.set_observer(&tables_[free]);
  return {};
}

void ProcessKernelTables::select(const UserAddressSpace& as, bool load) {
  const int i = find(as.table().root());
  if (i < 0) panic("ProcessKernelTables::select: no table for this address space");
  // No interrupt between the choice and satp: the scheduler would reload the old choice.
  push_off();
  active_ = i;
  if (load) tables_[i].load();
  pop_off();
}

void ProcessKernelTables::close(PhysAddr user_root) {
  const int i = find(user_root);
  if (i < 0) return;
  if (i == active_) active_ = -1;
  tables_[i].destroy();
  owners_[i] = PhysAddr();
}

KernelProcessTable* ProcessKernelTables::active() {
  return active_ < 0 ? nullptr : &tables_[active_];
}

int ProcessKernelTables::find(PhysAddr user_root) const {
  for (int i = 0; i < 2; ++i) {
    if (owners_[i] == user_root) return i;
  }
  return -1;
}

ProcessKernelTables& process_kernel_tables(int slot) {
  return g_tables[slot];
}

void dump_process_kernel_table(int slot, const UserAddressSpace* as) {
  KernelProcessTable* t = g_tables[slot].active();
  if (t == nullptr || as == nullptr) {
    kprintf("  kpt none\n");
    return;
  }
  kprintf("  kpt 0x%016lx: kstacks [", t->table().root().value());
  const uint64_t slots = t->mapped_stack_slots();
  const char* sep = "";
  for (int s = 0; s < NPROC; ++s) {
    if (slots & (uint64_t{1} << s)) {
      kprintf("%s%d", sep, s);
      sep = " ";
    }
  }
  uint64_t mirrored = 0;
  const bool ok = t->mirror_matches(*as, &mirrored);
  kprintf("] slot %d, mirror %lu pages %s, fallbacks %lu\n", slot, mirrored, ok ? "ok" : "BAD",
          __atomic_load_n(&g_fallbacks, __ATOMIC_RELAXED));
}

}  // namespace pagoda
