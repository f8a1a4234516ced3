// FaultPlan: which allocations an allocator fails on purpose (issue 15), so that tests reach every
// failure path. The frame allocator (frame_allocator.h) asks one; so do the file system's block and
// inode allocators (kernel/fs/fs_faults.h). Portable and lock-free itself: its owner serialises the
// calls. The allocfail system call arms them (kernel/allocfail.h).
#pragma once

#include <cstdint>

namespace pagoda::mm {

// Which allocations fail. Its owner calls should_fail() once per allocation, under the owner's
// lock, before it looks for free space; a plan counts the failures it caused.
class FaultPlan {
 public:
  enum class Mode : uint8_t { kOff, kNth, kRandom, kAll };
  static constexpr uint32_t kOneIn = 1u << 16;  // probabilities are in 1/65536ths

  constexpr FaultPlan() = default;
  // The nth allocation from now (n >= 1) fails, once; later ones succeed.
  static constexpr FaultPlan nth(uint64_t n) {
    return n == 0 ? FaultPlan() : FaultPlan(Mode::kNth, n, 0, 0);
  }
  // Each allocation fails with probability per_65536 / 65536, drawn from a generator seeded with
  // seed (xorshift64), so a run is reproducible from its seed.
  static constexpr FaultPlan random(uint32_t per_65536, uint64_t seed) {
    const uint64_t state = mix(seed);
    return FaultPlan(Mode::kRandom, 0, per_65536, state != 0 ? state : 0x9e3779b97f4a7c15ull);
  }
  static constexpr FaultPlan all() { return FaultPlan(Mode::kAll, 0, 0, 0); }

  Mode mode() const { return mode_; }
  uint64_t injected() const { return injected_; }

  bool should_fail() {
    bool fail = false;
    switch (mode_) {
      case Mode::kOff:
        break;
      case Mode::kNth:
        fail = --countdown_ == 0;
        if (fail) mode_ = Mode::kOff;
        break;
      case Mode::kRandom:
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        fail = (state_ >> 48) < per_65536_;
        break;
      case Mode::kAll:
        fail = true;
        break;
    }
    if (fail) ++injected_;
    return fail;
  }

 private:
  // splitmix64's finaliser: a small seed (1, 2, ...) used raw would leave the xorshift state
  // small for its first draws, whose top 16 bits are then 0, so every plan would fail its first
  // allocations whatever its probability.
  static constexpr uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  constexpr FaultPlan(Mode mode, uint64_t countdown, uint32_t per_65536, uint64_t state)
      : mode_(mode), countdown_(countdown), per_65536_(per_65536), state_(state) {}

  Mode mode_ = Mode::kOff;
  uint64_t countdown_ = 0;  // kNth: allocations left until the failing one
  uint32_t per_65536_ = 0;  // kRandom
  uint64_t state_ = 0;      // kRandom: the generator
  uint64_t injected_ = 0;
};

}  // namespace pagoda::mm
