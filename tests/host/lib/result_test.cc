// Result, Status, PAGODA_TRY (an expression that yields the value or returns the error) and
// PAGODA_MUST (panics with the error's name when the call fails).
#include "kernel/lib/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace pagoda {
namespace {

Result<uint64_t> half(uint64_t v) {
  if (v % 2 != 0) return Error::kInvalid;
  return v / 2;
}

Status even(uint64_t v) {
  if (v % 2 != 0) return Error::kMisaligned;
  return Status::Ok();
}

// TRY nested inside TRY.
Result<uint64_t> quarter(uint64_t v) {
  return PAGODA_TRY(half(PAGODA_TRY(half(v))));
}

TEST(TryTest, YieldsTheValue) {
  auto r = quarter(12);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3u);
  EXPECT_EQ(quarter(6).error(), Error::kInvalid);  // the outer half fails
  EXPECT_EQ(quarter(5).error(), Error::kInvalid);  // the inner half fails
}

TEST(TryTest, PropagatesTheErrorAndSkipsTheRest) {
  int after = 0;
  auto f = [&](uint64_t v) -> Result<uint64_t> {
    uint64_t h = PAGODA_TRY(half(v));
    ++after;
    return h + 1;
  };
  auto bad = f(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Error::kInvalid);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(*f(8), 5u);
  EXPECT_EQ(after, 1);
}

TEST(TryTest, StatusAsAStatement) {
  int after = 0;
  auto f = [&](uint64_t v) -> Status {
    PAGODA_TRY(even(v));
    ++after;
    return Status::Ok();
  };
  EXPECT_EQ(f(3).error(), Error::kMisaligned);
  EXPECT_EQ(after, 0);
  EXPECT_TRUE(f(4).ok());
  EXPECT_EQ(after, 1);
}

TEST(TryTest, ResultErrorPropagatesIntoAStatus) {
  auto f = [](uint64_t v) -> Status {
    PAGODA_TRY(half(v));
    return {};
  };
  EXPECT_EQ(f(1).error(), Error::kInvalid);
  EXPECT_TRUE(f(2).ok());
}

TEST(TryTest, EvaluatesItsArgumentOnce) {
  int calls = 0;
  auto counted = [&](uint64_t v) {
    ++calls;
    return half(v);
  };
  auto ok = [&]() -> Result<uint64_t> { return PAGODA_TRY(counted(10)); };
  EXPECT_EQ(*ok(), 5u);
  EXPECT_EQ(calls, 1);
  auto fails = [&]() -> Result<uint64_t> { return PAGODA_TRY(counted(9)); };
  EXPECT_EQ(fails().error(), Error::kInvalid);
  EXPECT_EQ(calls, 2);
}

// The host tools keep vectors and move-only values in a Result, and an error with a message.
struct Message {
  Error code;
  std::string text;
};

TEST(TryTest, MovesNonTrivialValuesAndErrors) {
  auto make = [](bool ok) -> Result<std::unique_ptr<int>, Message> {
    if (!ok) return Message{Error::kCorrupt, "block 7"};
    return std::make_unique<int>(42);
  };
  auto use = [&](bool ok) -> Result<int, Message> {
    std::unique_ptr<int> p = PAGODA_TRY(make(ok));
    return *p;
  };
  EXPECT_EQ(*use(true), 42);
  auto bad = use(false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::kCorrupt);
  EXPECT_EQ(bad.error().text, "block 7");
}

TEST(ResultTest, CopiesAndAssignsNonTrivialValues) {
  using Lines = Result<std::vector<std::string>, Message>;
  Lines v = std::vector<std::string>{"one", "two"};
  Lines copy = v;
  copy = Lines(Message{Error::kIo, "x"});
  EXPECT_FALSE(copy.ok());
  EXPECT_EQ(copy.error().text, "x");
  copy = v;
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(*copy, (std::vector<std::string>{"one", "two"}));
  Lines moved = std::move(copy);
  EXPECT_EQ(moved->size(), 2u);
  EXPECT_EQ(v->size(), 2u);
}

TEST(ResultTest, KernelResultsStayTrivial) {
  static_assert(std::is_trivially_copyable_v<Result<uint64_t>>);
  static_assert(std::is_trivially_destructible_v<Result<int*>>);
  static_assert(std::is_trivially_copyable_v<Status>);
  constexpr Result<int> r = 3;
  static_assert(r.ok() && *r == 3);
  constexpr Result<int> e = Error::kNoSpace;
  static_assert(!e.ok() && e.error() == Error::kNoSpace);
}

// The value and the error share storage: reading the half a Result does not hold traps.
TEST(ResultDeathTest, AskingForTheMissingHalfTraps) {
  Result<uint32_t> failed = Error::kNoMemory;
  Result<uint32_t> held = 1u;  // the same bits as kNoMemory, were error() to read them
  EXPECT_DEATH((void)failed.value(), "");
  EXPECT_DEATH((void)held.error(), "");
  EXPECT_EQ(failed.error(), Error::kNoMemory);
  EXPECT_EQ(held.value(), 1u);
}

TEST(MustTest, YieldsTheValue) {
  EXPECT_EQ(PAGODA_MUST(half(6)), 3u);
  PAGODA_MUST(even(2));
}

TEST(MustDeathTest, PanicsWithTheErrorNameAndTheExpression) {
  EXPECT_DEATH((void)PAGODA_MUST(half(5)),
               "MUST failed: invalid argument: half\\(5\\) \\(.*result_test.cc:[0-9]+\\)");
  EXPECT_DEATH(PAGODA_MUST(even(1)), "MUST failed: misaligned: even\\(1\\)");
}

TEST(ErrorNameTest, EveryErrorHasAName) {
  for (int e = static_cast<int>(Error::kNoMemory); e <= static_cast<int>(Error::kCorrupt); ++e)
    EXPECT_STRNE(error_name(static_cast<Error>(e)), "unknown error") << e;
}

}  // namespace
}  // namespace pagoda
