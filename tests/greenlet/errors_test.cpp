// errors_test.cpp — green/errors.h: the exception types and describe().
#include "green/errors.h"

#include <stdexcept>
#include <string>
#include <type_traits>

#include "fixture.h"

namespace green_test {
namespace {

using Errors = GreenTest;

struct CustomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST_F(Errors, DescribeNamesTheTypeAndTheMessage) {
  EXPECT_EQ(green::describe(std::make_exception_ptr(std::runtime_error("boom"))), "std::runtime_error: boom");
  EXPECT_EQ(green::describe(std::make_exception_ptr(CustomError("odd"))),
            "green_test::(anonymous namespace)::CustomError: odd");
  EXPECT_EQ(green::describe(std::make_exception_ptr(green::GreenletExit())), "green::GreenletExit: GreenletExit");
}

TEST_F(Errors, DescribeHandlesNullAndNonStandardExceptions) {
  EXPECT_EQ(green::describe(nullptr), "no exception");
  EXPECT_EQ(green::describe(std::make_exception_ptr(42)), "int (not a std::exception)");
}

TEST_F(Errors, DescribeOfATimeoutSaysHowLong) {
  std::string d = green::describe(std::make_exception_ptr(green::Timeout::expired(2ms)));
  EXPECT_EQ(d, "green::Timeout: green::Timeout: 2000 us passed");
}

TEST_F(Errors, TheHierarchyLetsCallersCatchBroadly) {
  static_assert(std::is_base_of_v<std::runtime_error, green::LoopExit>);
  static_assert(std::is_base_of_v<std::logic_error, green::BlockingInHubError>);
  static_assert(!std::is_base_of_v<std::exception, green::GreenletExit>,
                "catch (const std::exception&) must not swallow a kill");
  static_assert(!std::is_base_of_v<std::exception, green::Timeout>,
                "catch (const std::exception&) must not swallow a Timeout");
  static_assert(std::is_base_of_v<green::BaseException, green::GreenletExit>);
  static_assert(std::is_base_of_v<green::BaseException, green::Timeout>);
  EXPECT_STREQ(green::LoopExit("m").what(), "m");
}

}  // namespace
}  // namespace green_test
