// stdio_greenlets_test.cpp — issue 17 from C++ (green::interpose after
// patch_all): greenlets doing stdio on pipes wait cooperatively, so N of
// them overlap instead of running one after the other.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "green/green.h"
#include "green/patch.h"
#include "gtest/gtest.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class StdioGreenlets : public ::testing::Test {
 protected:
  void SetUp() override { green::patch_all(); }
  void TearDown() override { green::unpatch_all(); }
};

// popen + fgets + pclose of a 1 s child, alone and then in each of 4
// greenlets: the 4 take well under 4 times what one takes (measured here,
// on this machine's load, not assumed; 1 s so that starting the shells,
// which happens one after the other, stays small beside it).
void popen_fgets_pclose(std::string* line, int* status) {
  FILE* f = ::popen("sleep 1; echo done", "r");
  ASSERT_NE(f, nullptr);
  char buf[32] = "";
  if (::fgets(buf, sizeof buf, f)) *line = buf;
  *status = ::pclose(f);
}

TEST_F(StdioGreenlets, PopenFgetsPcloseOverlap) {
  constexpr int kN = 4;
  std::string one_line;
  int one_status = -1;
  auto t0 = std::chrono::steady_clock::now();
  green::spawn([&] { popen_fgets_pclose(&one_line, &one_status); }).join();
  double one = seconds_since(t0);
  EXPECT_EQ(one_line, "done\n");

  std::vector<std::string> lines(kN);
  std::vector<int> statuses(kN, -1);
  t0 = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<void>> gs;
  for (std::size_t i = 0; i < kN; ++i)
    gs.push_back(green::spawn([i, &lines, &statuses] { popen_fgets_pclose(&lines[i], &statuses[i]); }));
  green::joinall(gs);
  double took = seconds_since(t0);
  for (std::size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(lines[i], "done\n");
    EXPECT_TRUE(WIFEXITED(statuses[i]));
  }
  EXPECT_LT(took, 0.5 * kN * one) << "the greenlets ran one after the other (one alone took " << one << " s)";
}

// fgets on an fdopen'd pipe parks its greenlet; the writer greenlet runs
// meanwhile and its line arrives in two pieces.
TEST_F(StdioGreenlets, FgetsWaitsForWriterGreenlet) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  FILE* r = ::fdopen(p[0], "r");
  FILE* w = ::fdopen(p[1], "w");
  bool writer_ran_first = false;
  auto reader = green::spawn([&] {
    char buf[64] = "";
    std::string got = ::fgets(buf, sizeof buf, r) ? buf : "(nothing)";
    return got + (writer_ran_first ? "" : " (writer had not run)");
  });
  auto writer = green::spawn([&] {
    green::sleep(std::chrono::milliseconds(50));
    writer_ran_first = true;
    ::fputs("hello ", w);
    ::fflush(w);
    green::sleep(std::chrono::milliseconds(50));
    ::fputs("world\n", w);
    ::fclose(w);
  });
  EXPECT_EQ(reader.get(), "hello world\n");
  writer.join();
  ::fclose(r);
}

// fclose closes its fd inside glibc; through the close slot green learns it,
// so popen's pipe (made inside glibc too) that reuses the number a greenlet
// waited on is waited on afresh (without it, this fgets never woke).
TEST_F(StdioGreenlets, FcloseThenPopenOnTheSameNumber) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  FILE* r = ::fdopen(p[0], "r");
  auto writer = green::spawn([&] {
    green::sleep(std::chrono::milliseconds(20));
    EXPECT_EQ(::write(p[1], "x\n", 2), 2);
  });
  char buf[32] = "";
  EXPECT_NE(::fgets(buf, sizeof buf, r), nullptr);  // parks: the fd is watched
  writer.join();
  const int number = p[0];
  ::fclose(r);
  ::close(p[1]);
  FILE* f = ::popen("sleep 0.1; echo again", "r");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(::fileno(f), number) << "the test needs popen to reuse the number";
  std::string got = ::fgets(buf, sizeof buf, f) ? buf : "(nothing)";
  EXPECT_EQ(got, "again\n");
  ::pclose(f);
}

// GREEN_STDIO=0 (read when patch_all installs the slots; each test case runs
// in a process of its own): stdio stays glibc's, so the same greenlets wait
// one after the other.
TEST(StdioGreenletsOff, GreenStdio0LeavesGlibcs) {
  ::setenv("GREEN_STDIO", "0", 1);
  green::patch_all();
  constexpr int kN = 2;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < kN; ++i)
    gs.push_back(green::spawn([] {
      FILE* f = ::popen("sleep 1; echo done", "r");
      ASSERT_NE(f, nullptr);
      char buf[32] = "";
      EXPECT_NE(::fgets(buf, sizeof buf, f), nullptr);
      ::pclose(f);
    }));
  green::joinall(gs);
  green::unpatch_all();
  EXPECT_GT(seconds_since(t0), 0.9 * kN * 1.0) << "stdio parked with GREEN_STDIO=0";
}

}  // namespace
