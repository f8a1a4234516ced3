// Physical and virtual addresses as distinct types, so that a physical address can never be handed
// to code that expects a virtual one (or the reverse) without saying so. Freestanding.
#pragma once

#include <compare>
#include <cstdint>

namespace pagoda::mm {

inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;  // xv6: PGSIZE

// xv6: PGROUNDUP / PGROUNDDOWN. page_round_up of an address in the last page of the 64-bit space
// wraps to 0; callers that take sizes from user space check ranges before rounding.
constexpr uint64_t page_round_up(uint64_t a) {
  return (a + kPageSize - 1) & ~(kPageSize - 1);
}
constexpr uint64_t page_round_down(uint64_t a) {
  return a & ~(kPageSize - 1);
}
constexpr bool page_aligned(uint64_t a) {
  return (a & (kPageSize - 1)) == 0;
}

namespace detail {

// The operations both address types share. Self is the derived type (CRTP), so that PhysAddr +
// offset is a PhysAddr and a PhysAddr never compares with a VirtAddr.
template <class Self>
class AddressBase {
 public:
  constexpr AddressBase() = default;
  constexpr explicit AddressBase(uint64_t value) : value_(value) {}

  constexpr uint64_t value() const { return value_; }
  constexpr bool page_aligned() const { return mm::page_aligned(value_); }
  constexpr Self page_round_down() const { return Self(mm::page_round_down(value_)); }
  constexpr uint64_t page_offset() const { return value_ & (kPageSize - 1); }

  constexpr Self operator+(uint64_t offset) const { return Self(value_ + offset); }
  constexpr Self operator-(uint64_t offset) const { return Self(value_ - offset); }
  constexpr uint64_t operator-(const AddressBase& other) const { return value_ - other.value_; }

  friend constexpr bool operator==(const AddressBase&, const AddressBase&) = default;
  friend constexpr auto operator<=>(const AddressBase&, const AddressBase&) = default;

 private:
  uint64_t value_ = 0;
};

}  // namespace detail

class PhysAddr : public detail::AddressBase<PhysAddr> {
 public:
  using AddressBase::AddressBase;
};

class VirtAddr : public detail::AddressBase<VirtAddr> {
 public:
  using AddressBase::AddressBase;
};

}  // namespace pagoda::mm
