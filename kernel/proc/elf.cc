// ELF validation. xv6: the checks in exec()
#include "kernel/proc/elf.h"

namespace pagoda::elf {

mm::Perm segment_perm(uint32_t flags) {
  mm::Perm perm = mm::Perm::kNone;
  if ((flags & kFlagRead) != 0) perm |= mm::Perm::kRead;
  if ((flags & kFlagWrite) != 0) perm |= mm::Perm::kWrite;
  if ((flags & kFlagExec) != 0) perm |= mm::Perm::kExec;
  return perm;
}

Status check_header(const FileHeader& eh, Target target) {
  if (eh.magic != kMagic || eh.ident_class != target.ident_class || eh.ident_data != kDataLittle)
    return Error::kInvalid;
  if (eh.type != kTypeExec || eh.machine != target.machine) return Error::kInvalid;
  if (eh.phentsize != program_header_size(target)) return Error::kInvalid;
  if (eh.phnum == 0 || eh.phnum > kMaxProgramHeaders) return Error::kInvalid;
  return {};
}

Status check_segment(const ProgramHeader& ph, uint64_t limit) {
  if (ph.memsz < ph.filesz) return Error::kInvalid;
  if (ph.vaddr + ph.memsz < ph.vaddr) return Error::kOutOfRange;  // wraps
  if (ph.offset + ph.filesz < ph.offset) return Error::kInvalid;  // wraps
  if (!mm::page_aligned(ph.vaddr)) return Error::kMisaligned;
  if (ph.vaddr + ph.memsz > limit) return Error::kOutOfRange;
  return {};
}

Status add_segment(Image& image, const Segment& seg) {
  if (seg.memsz == 0) return {};  // maps nothing
  if (image.count == kMaxSegments) return Error::kTooBig;
  uint64_t start = seg.vaddr;
  uint64_t end = mm::page_round_up(seg.vaddr + seg.memsz);
  int pos = 0;
  for (int i = 0; i < image.count; ++i) {
    const Segment& s = image.segments[i];
    uint64_t s_end = mm::page_round_up(s.vaddr + s.memsz);
    if (start < s_end && s.vaddr < end) return Error::kInvalid;  // overlap (shared page too)
    if (s.vaddr < start) pos = i + 1;
  }
  for (int i = image.count; i > pos; --i) image.segments[i] = image.segments[i - 1];
  image.segments[pos] = seg;
  image.count += 1;
  return {};
}

}  // namespace pagoda::elf
