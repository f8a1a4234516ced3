// format_to: the conversions kprintf supports.
#include "kernel/lib/format.h"

#include <gtest/gtest.h>

#include <string>

namespace pagoda {
namespace {

// No format attribute: the tests pass malformed formats on purpose.
std::string fmt(const char* f, ...) {
  std::string out;
  VaList ap;
  __builtin_va_start(ap, f);
  format_to([&](char c) { out.push_back(c); }, f, ap);
  __builtin_va_end(ap);
  return out;
}

TEST(FormatTest, Integers) {
  EXPECT_EQ(fmt("%d %i %u", -42, 7, 4000000000u), "-42 7 4000000000");
  EXPECT_EQ(fmt("%d", -2147483647 - 1), "-2147483648");
  EXPECT_EQ(fmt("%ld", -9223372036854775807l - 1), "-9223372036854775808");
  EXPECT_EQ(fmt("%lu", 18446744073709551615ul), "18446744073709551615");
  EXPECT_EQ(fmt("%x %lx", 0xbeefu, 0x123456789abcdeful), "beef 123456789abcdef");
  EXPECT_EQ(fmt("%d", 0), "0");
  // ll takes a long long (page_table_print relies on it; on i386 it is wider than long).
  EXPECT_EQ(fmt("%lld %llu %d", -5ll, 18446744073709551615ull, 7), "-5 18446744073709551615 7");
  EXPECT_EQ(fmt("0x%016llx|%d", 0x123456789ull, 9), "0x0000000123456789|9");
}

TEST(FormatTest, WidthAndPadding) {
  EXPECT_EQ(fmt("0x%016lx", 0x80000000ul), "0x0000000080000000");
  EXPECT_EQ(fmt("[%5d]", 42), "[   42]");
  EXPECT_EQ(fmt("[%-5d]", 42), "[42   ]");
  EXPECT_EQ(fmt("[%05d]", -42), "[-0042]");
  EXPECT_EQ(fmt("[%2d]", 12345), "[12345]");
  EXPECT_EQ(fmt("[%6s][%-6s]", "ab", "cd"), "[    ab][cd    ]");
}

TEST(FormatTest, PointersStringsChars) {
  EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1234)), "0x0000000000001234");
  EXPECT_EQ(fmt("%s|%s", "hi", static_cast<const char*>(nullptr)), "hi|(null)");
  EXPECT_EQ(fmt("%c%c", 'o', 'k'), "ok");
  EXPECT_EQ(fmt("100%%"), "100%");
}

TEST(FormatTest, UnknownConversionIsVisible) {
  EXPECT_EQ(fmt("%q"), "%q");
  EXPECT_EQ(fmt("end%"), "end");
}

TEST(FormatTest, BoundedBuffer) {
  char buf[8];
  EXPECT_EQ(format_buf(buf, sizeof(buf), "%s", "0123456789"), 10u);
  EXPECT_STREQ(buf, "0123456");
  EXPECT_EQ(format_buf(buf, sizeof(buf), "%d", 5), 1u);
  EXPECT_STREQ(buf, "5");
}

}  // namespace
}  // namespace pagoda
