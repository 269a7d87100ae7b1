// fresh_process.h — death tests that re-execute the test binary.
//
// Settings such as GREEN_DUMP_SIGNAL and GREEN_MAX_BLOCKING_MS are read when
// the first hub of a process is created, and a stack overflow must kill a
// process: such cases run in a fresh process ("threadsafe" death tests
// re-execute the binary and run only the statement).
#pragma once

#include <gtest/gtest.h>

#include "fixture.h"

namespace green_test {

class FreshProcessTest : public GreenTest {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

}  // namespace green_test
