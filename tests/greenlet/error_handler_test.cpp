// error_handler_test.cpp — green/error_handler.h: failure reports go through a
// replaceable handler; GREEN_ERROR_OUTPUT silences or redirects the default.
#include "green/error_handler.h"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using ErrorHandler = GreenTest;

// Restores the default handler however the test ends.
struct HandlerScope {
  ~HandlerScope() { green::set_error_handler(nullptr); }
};

TEST_F(ErrorHandler, AFailureGoesToTheHandlerNotStderr) {
  HandlerScope scope;
  std::vector<std::string> seen;
  EXPECT_FALSE(green::set_error_handler([&](const green::ErrorReport& r) {
    seen.push_back(r.message());
    EXPECT_NE(r.error, nullptr);
  })) << "the default handler is null";
  testing::internal::CaptureStderr();
  auto g = green::spawn_with({.name = "worker"}, [] { throw std::runtime_error("boom"); });
  g.join();
  auto q = green::spawn([] {});
  q.rawlink([](const green::AnyGreenlet&) { throw std::logic_error("raw"); });
  q.join();
  green::sleep(1ms);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  EXPECT_EQ(seen, (std::vector<std::string>{"worker failed with std::runtime_error: boom",
                                            "green: a link callback failed with std::logic_error: raw"}));
  EXPECT_THROW(g.get(), std::runtime_error) << "the handler does not change the failure";
  EXPECT_TRUE(green::set_error_handler(nullptr)) << "returns the previous handler";
}

TEST_F(ErrorHandler, AThrowingHandlerIsReportedOnStderr) {
  HandlerScope scope;
  green::set_error_handler([](const green::ErrorReport&) { throw std::runtime_error("handler broke"); });
  testing::internal::CaptureStderr();
  auto g = green::spawn_with({.name = "w"}, [] { throw std::runtime_error("x"); });
  g.join();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("the error handler failed while reporting that w failed"), std::string::npos) << err;
}

// Each test runs in its own process: the setting is read at the first report.
TEST_F(ErrorHandler, GreenErrorOutputOffSilencesTheDefault) {
  ::setenv("GREEN_ERROR_OUTPUT", "off", 1);
  testing::internal::CaptureStderr();
  green::spawn([] { throw std::runtime_error("quiet"); }).join();
  std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("GREEN_ERROR_OUTPUT");
  EXPECT_EQ(err, "");
}

TEST_F(ErrorHandler, GreenErrorOutputAFileAppendsThere) {
  std::string tmpl = testing::TempDir() + "green_errors_XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  char* path = name.data();
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ::setenv("GREEN_ERROR_OUTPUT", path, 1);
  testing::internal::CaptureStderr();
  green::spawn_with({.name = "a"}, [] { throw std::runtime_error("one"); }).join();
  green::spawn_with({.name = "b"}, [] { throw std::runtime_error("two"); }).join();
  std::string err = testing::internal::GetCapturedStderr();
  ::unsetenv("GREEN_ERROR_OUTPUT");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  EXPECT_EQ(err, "");
  EXPECT_EQ(text.str(), "a failed with std::runtime_error: one\nb failed with std::runtime_error: two\n");
}

}  // namespace
}  // namespace green_test
