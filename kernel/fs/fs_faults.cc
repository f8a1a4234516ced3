// The file system's two fault plans (kernel/fs/fs_faults.h).
#include "kernel/fs/fs_faults.h"

#include "kernel/sync/spinlock.h"

namespace pagoda {

namespace {

struct FaultPoint {
  SpinLock lock{"fs_faults"};  // protects plan
  mm::FaultPlan plan;
};

FaultPoint points[2];

FaultPoint& point(FsAllocator which) {
  return points[which == FsAllocator::kBlocks ? 0 : 1];
}

}  // namespace

uint64_t set_fs_fault_plan(FsAllocator which, const mm::FaultPlan& plan) {
  FaultPoint& p = point(which);
  SpinLockGuard guard(p.lock);
  const uint64_t injected = p.plan.injected();
  p.plan = plan;
  return injected;
}

uint64_t fs_injected_faults(FsAllocator which) {
  FaultPoint& p = point(which);
  SpinLockGuard guard(p.lock);
  return p.plan.injected();
}

bool fs_fault_now(FsAllocator which) {
  FaultPoint& p = point(which);
  SpinLockGuard guard(p.lock);
  return p.plan.should_fail();
}

}  // namespace pagoda
