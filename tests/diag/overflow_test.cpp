// overflow_test.cpp — a greenlet that overflows its stack is reported by name
// and size, and the process still dies of SIGSEGV; faults that are not stack
// overflows reach the handler installed before green's, untouched.
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

#include "fresh_process.h"

// ASan reports stack overflows itself and, by default, keeps programs from
// replacing its SIGSEGV handler; this test is about green's handler.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "allow_user_segv_handler=1"; }
#endif

namespace green_test {
namespace {

// recurse: deep recursion whose frames cannot be folded away.
__attribute__((noinline)) int recurse(int n) {
  volatile char pad[512];
  pad[0] = static_cast<char>(n);
  if (n == 0) return pad[0];
  return recurse(n - 1) + pad[0];
}

// g_bad: an unmapped address the compiler (and UBSan's null check) cannot see through.
volatile int* volatile g_bad = reinterpret_cast<volatile int*>(std::uintptr_t{16});

void overflow_in_greenlet(std::size_t stack_size) {
  green::SpawnOptions opts;
  opts.name = "deep-recursion";
  opts.stack_size = stack_size;
  auto g = green::spawn_with(opts, [] { return recurse(1 << 22); });
  g.join();
}

using Overflow = FreshProcessTest;

TEST_F(Overflow, NamesTheGreenletAndItsStackSizeThenDiesOfSIGSEGV) {
  EXPECT_EXIT(overflow_in_greenlet(256 * 1024), testing::KilledBySignal(SIGSEGV),
              "green: greenlet 'deep-recursion' overflowed its 256 KiB stack; raise GREEN_STACK_SIZE");
}

TEST_F(Overflow, DefaultStackSizeIsReported) {
  EXPECT_EXIT(
      {
        auto g = green::spawn([] { return recurse(1 << 22); });
        g.join();
      },
      testing::KilledBySignal(SIGSEGV), "green: greenlet 'Greenlet-[0-9]+' overflowed its [0-9]+ KiB stack");
}

// A fault that is not an overflow reaches the handler before green's: ASan's
// in the sanitizer tree, the default disposition otherwise.
#if defined(__SANITIZE_ADDRESS__)
const auto kOtherFaultDeath = testing::ExitedWithCode(1);
constexpr const char* kOtherFaultMessage = "AddressSanitizer: SEGV on unknown address";
#else
const auto kOtherFaultDeath = testing::KilledBySignal(SIGSEGV);
constexpr const char* kOtherFaultMessage = "^$";
#endif

TEST_F(Overflow, AnotherFaultIsNotBlamedOnTheStack) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TSan's own SIGSEGV report takes over";
#endif
  EXPECT_EXIT(
      {
        green::sleep(1ms);  // the hub (and green's handler) exist
        auto g = green::spawn([] { *g_bad = 1; });
        g.join();
      },
      kOtherFaultDeath, kOtherFaultMessage);
}

void user_handler(int) {
  static const char msg[] = "the program's own handler ran\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::_exit(3);
}

TEST_F(Overflow, AnotherFaultReachesTheProgramsOwnHandler) {
  EXPECT_EXIT(
      {
        std::signal(SIGSEGV, user_handler);
        green::sleep(1ms);  // green's handler goes on top and must chain
        *g_bad = 1;
      },
      testing::ExitedWithCode(3), "the program's own handler ran");
}

}  // namespace
}  // namespace green_test
