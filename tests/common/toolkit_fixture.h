// toolkit_fixture.h — what every toolkit and sync test shares.
//
// ToolkitTest checks after each test that the hub is back to rest
// (hub_at_rest.h), so every test is a leak test: a waiter left behind by a
// primitive keeps its greenlet alive and fails it. Order records what greenlets did, compared exactly.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "green/green.h"
#include "hub_at_rest.h"

namespace toolkit_test {

using namespace std::chrono_literals;

using ToolkitTest = green_test::AtRestTest;

using Order = std::vector<int>;

// settle: let every ready greenlet run until all are parked (a few rounds of sleep(0)).
inline void settle() {
  for (int i = 0; i < 8; ++i) green::sleep(green::Duration::zero());
}

// interrupt_kinds: the two ways a wait is interrupted from outside.
enum class Interrupt { kill, timeout };
inline std::string name_of(const testing::TestParamInfo<Interrupt>& i) {
  return i.param == Interrupt::kill ? "Kill" : "Timeout";
}

// run_interrupted: spawn `body` (which blocks), interrupt it by kill or by a
// 20ms green::Timeout armed inside it, and wait for it to die. Returns whether
// the body's wait was interrupted (threw) rather than completing.
template <class Body>
bool run_interrupted(Interrupt how, Body body) {
  bool interrupted = false;
  auto g = green::spawn([&] {
    try {
      if (how == Interrupt::timeout) {
        green::Timeout t(20ms);
        body();
      } else {
        body();
      }
    } catch (const green::Timeout&) {
      interrupted = true;
    } catch (const green::GreenletExit&) {
      interrupted = true;
    }
  });
  settle();
  if (how == Interrupt::kill) g.kill();
  g.join();
  return interrupted;
}

}  // namespace toolkit_test
