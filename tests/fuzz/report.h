// report.h — failing a fuzz input loudly: what broke, in which run, and the
// program with the outcomes so far, then abort() (libFuzzer saves the input
// as a crash; the replay runner's ctest fails).
#pragma once

#include <vector>

#include "program.h"
#include "world.h"

namespace green_fuzz {

// RunContext: set by the runner around each run, read by fail().
struct RunContext {
  const char* run = "";
  const Program* program = nullptr;
  const std::vector<Outcome>* outcomes = nullptr;
};
void set_context(const RunContext& c);

// fail: print the message, the context and abort.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// print_outcome: one outcome, for reports.
void print_outcome(const Outcome& o);

}  // namespace green_fuzz
