// exec: load an ELF executable into a fresh address space, build the argument stack, and only
// then replace the old image. xv6: exec.c, sys_exec
#include "kernel/proc/exec.h"

#include <utility>

#include "kernel/arch/arch.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/kmem/kernel_memory.h"
#include "kernel/lib/string.h"
#include "kernel/param.h"
#include "kernel/proc/elf.h"
#include "kernel/proc/mmap.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/process_memory.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/sysproc.h"
#include "kernel/proc/user_stack.h"

namespace pagoda {
namespace {

using mm::kPageSize;
using mm::VirtAddr;

// elf::Reader over a locked inode.
class InodeReader {
 public:
  explicit InodeReader(Inode* ip) : ip_(ip) {}
  bool read(void* dst, uint64_t off, uint64_t n) {
    if (off > UINT32_MAX || n > UINT32_MAX - off) return false;
    int got = readi(ip_, false, reinterpret_cast<uint64_t>(dst), static_cast<uint32_t>(off),
                    static_cast<uint32_t>(n));
    return got >= 0 && static_cast<uint64_t>(got) == n;
  }

 private:
  Inode* ip_;
};

// Map and fill one segment. xv6: the loop in exec, loadseg
Status load_segment(ProcessMemory& memory, InodeReader& reader, const elf::Segment& seg) {
  PAGODA_TRY(memory.map_segment(seg.vaddr, seg.memsz, seg.perm));
  for (uint64_t done = 0; done < seg.filesz; done += kPageSize) {
    void* page = PAGODA_TRY(memory.loading_page(VirtAddr(seg.vaddr + done)));
    uint64_t n = seg.filesz - done < kPageSize ? seg.filesz - done : kPageSize;
    if (!reader.read(page, seg.offset + done, n)) return Error::kInvalid;
  }
  return {};
}

// Read the program into `memory`; returns the entry point. Runs inside a file-system transaction.
Result<uint64_t> load_program(ProcessMemory& memory, const char* path) {
  Inode* ip = namei(path);
  if (ip == nullptr) return Error::kNotFound;
  ilock(ip);
  InodeReader reader(ip);
  // Leave room for the guard and stack pages below the trapframe.
  elf::Image image;
  Status status = elf::parse(reader, arch::kUserTop - 2 * kPageSize, image,
                             elf::Target{arch::kElfClass, arch::kElfMachine});
  for (int i = 0; status.ok() && i < image.count; ++i) {
    if (memory.size() > image.segments[i].vaddr) {
      status = Error::kInvalid;  // parse() sorts; a shared page is refused there too
      break;
    }
    status = load_segment(memory, reader, image.segments[i]);
  }
  iunlockput(ip);
  if (!status.ok()) return status.error();
  return image.entry;
}

// exec's arguments, copied in from the old image before it goes: packed end to end in one page,
// which is all the new stack's single page could hold anyway (push_args fails beyond it). xv6
// takes a page per argument; one page for all of them is one allocation, however many there are.
class ExecArgs {
 public:
  ExecArgs() = default;
  ~ExecArgs() {
    if (page_ != nullptr) kernel_memory().free_page(kernel_memory().phys(page_));
  }
  ExecArgs(const ExecArgs&) = delete;
  ExecArgs& operator=(const ExecArgs&) = delete;

  // Appends the string at user address uarg: kTooBig past MAXARG - 1 arguments (the last slot is
  // the null pointer's) or past the page, kBadAddress for a bad pointer, kNoMemory.
  Status add(uint64_t uarg) {
    if (count_ == MAXARG - 1) return Error::kTooBig;
    if (page_ == nullptr) {
      const mm::PhysAddr frame = PAGODA_TRY(kernel_memory().alloc_page());
      page_ = static_cast<char*>(kernel_memory().ptr(frame));
    }
    if (used_ == kPageSize) return Error::kTooBig;
    const uint64_t len = PAGODA_TRY(fetch_str(uarg, page_ + used_, kPageSize - used_));
    argv_[count_++] = page_ + used_;
    used_ += len + 1;
    return {};
  }
  const char* const* argv() const { return argv_; }
  int count() const { return count_; }

 private:
  char* page_ = nullptr;
  uint64_t used_ = 0;
  const char* argv_[MAXARG] = {};
  int count_ = 0;
};

const char* last_component(const char* path) {
  const char* last = path;
  for (const char* s = path; *s != '\0'; ++s)
    if (*s == '/') last = s + 1;
  return last;
}

}  // namespace

int exec(const char* path, const char* const* argv, int argc) {
  if (argc < 0 || argc > MAXARG) return -1;
  Proc* p = myproc();
  ProcessMemory memory;
  if (!memory.open(kernel_memory().phys(p->trapframe), p->kstack, p->pid).ok()) {
    return -1;
  }

  begin_op();
  auto entry = load_program(memory, path);
  end_op();
  // A guard page (no U: user access faults) and one stack page, then the arguments.
  Result<uint64_t> sp = Error::kNoMemory;
  if (entry.ok()) {
    auto top = memory.map_stack();
    sp = top.ok() ? push_args(memory, *top, *top - kPageSize, argv, argc,
                              UserStackAbi{arch::kUserWordSize, arch::kUserMainFrame})
                  : top;
  }
  if (!sp.ok()) {
    memory.destroy();  // and its kernel table
    return -1;
  }

  // Commit: nothing can fail from here on.
  safestrcpy(p->name, last_component(path), sizeof(p->name));
  mappings_drop_all(p);  // mmap: the old image's mappings go (written back first)
  p->memory.replace(std::move(memory));
  arch::set_user_entry(*p->trapframe, *entry, *sp);
  arch::set_user_argv(*p->trapframe, *sp);
  if (p->pid == 1) vmprint(p->memory.user_table());  // labs: page-table lab part 1
  return argc;
}

int64_t sys_exec() {
  char path[MAXPATH];
  if (!arg_str(0, path, sizeof(path)).ok()) return -1;
  const uint64_t uargv = arg_addr(1);
  ExecArgs args;
  for (int i = 0;; ++i) {
    uint64_t uarg;
    if (!fetch_addr(uargv + static_cast<uint64_t>(i) * arch::kUserWordSize, &uarg).ok()) return -1;
    if (uarg == 0) break;
    if (!args.add(uarg).ok()) return -1;
  }
  return exec(path, args.argv(), args.count());
}

}  // namespace pagoda
