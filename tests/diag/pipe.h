// pipe.h — a pipe whose ends still open are closed at scope exit.
#pragma once

#include <unistd.h>
#include <gtest/gtest.h>

namespace green_test {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

}  // namespace green_test
