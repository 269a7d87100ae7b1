// hub_at_rest.h — the check every test fixture ends with.
//
// After a test the hub must be back to rest: no spawned greenlet alive, no
// timer or fd watch armed, no stack in use, no KeepAlive held. So every test is
// also a leak test, and a test must join or kill what it spawns. Nothing runs
// the hub afterwards: link notifications still queued for greenlets that died
// are discarded when the thread exits, and LeakSanitizer (ASan tree) fails the
// test if that leaves anything behind.
#pragma once

#include <gtest/gtest.h>

#include "green/hub.h"

namespace green_test {

inline void expect_hub_at_rest() {
  green::HubStats s = green::hub_stats();
  EXPECT_EQ(s.live_greenlets, 0u) << "a greenlet spawned by the test is still alive";
  EXPECT_EQ(s.active_watchers, 0u) << "a timer or fd watch is still armed";
  EXPECT_EQ(s.stacks_in_use, 0u) << "a greenlet stack is still in use";
  EXPECT_EQ(s.keepalives, 0u) << "a KeepAlive is still held";
}

// AtRestTest: a fixture whose TearDown checks expect_hub_at_rest().
class AtRestTest : public ::testing::Test {
 protected:
  void TearDown() override { expect_hub_at_rest(); }
};

}  // namespace green_test
