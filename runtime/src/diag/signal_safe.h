// diag/signal_safe.h — building and writing a line from a signal handler: no
// allocation, no locks, no stdio (only memcpy and write(2)).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "green/detail/greenlet_core.h"

namespace green::detail {

// SignalLine: a fixed-size line assembled in place; overlong text is cut.
struct SignalLine {
  char text[512];
  std::size_t len = 0;

  void add(const char* s, std::size_t n) noexcept {
    if (n > sizeof text - len) n = sizeof text - len;
    std::memcpy(text + len, s, n);
    len += n;
  }
  void add(const char* s) noexcept { add(s, std::strlen(s)); }
  void add(unsigned long long v) noexcept {
    char digits[24];
    std::size_t n = 0;
    do {
      digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    add(digits + sizeof digits - n, n);
  }
  // write_to: the whole line to `fd`, retrying short writes.
  void write_to(int fd) const noexcept {
    const char* p = text;
    std::size_t n = len;
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w <= 0) return;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
};

// add_name: a greenlet's name as name() would give it, without allocating.
inline void add_name(SignalLine& line, const GreenletCore& g) noexcept {
  if (g.name_ && !g.name_->empty()) {
    line.add(g.name_->data(), g.name_->size());
  } else {
    line.add("Greenlet-");
    line.add(g.id_);
  }
}

}  // namespace green::detail
