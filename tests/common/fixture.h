// fixture.h — the fixture every C++ unit test uses, and small shared helpers.
//
// GreenTest checks after each test that the hub is back to rest
// (hub_at_rest.h): every test is also a leak test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "green/green.h"
#include "hub_at_rest.h"

namespace green_test {

using namespace std::chrono_literals;

using GreenTest = green_test::AtRestTest;

// Log: what the greenlets of a test did, in order. Tests compare the exact
// sequence, so an ordering change fails them.
struct Log {
  std::vector<std::string> entries;
  void operator()(std::string e) { entries.push_back(std::move(e)); }
};

// ms_since: whole milliseconds elapsed since `start`, for coarse time classes.
inline long long ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

// count_of: how many times `needle` occurs in `text`.
inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// sleeper: a greenlet body that sleeps `d`, then returns `v` — the usual way
// to make greenlets finish in a known order.
inline auto sleeper(std::chrono::milliseconds d, int v) {
  return [d, v] {
    green::sleep(d);
    return v;
  };
}

}  // namespace green_test
