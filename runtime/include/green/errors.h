// green/errors.h — the exceptions green itself raises.
//
// Each message says what happened and what to do about it.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace green {

// GreenletExit: what kill() delivers by default. A greenlet that ends with it
// counts as successful (gevent's rule); join() and get() do not rethrow it as a
// failure, and the hub does not print it.
class GreenletExit : public std::exception {
 public:
  const char* what() const noexcept override { return "GreenletExit"; }
};

// LoopExit: the current greenlet (normally the main one) waits for something
// that nothing can ever wake — no ready greenlet, no timer, no I/O watcher and
// no other thread holding the hub. gevent's LoopExit. The message names what
// was waited on: "this operation would block forever: ...".
class LoopExit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// BlockingInHubError: a blocking call was made from the hub itself (a link
// callback or a function posted to the hub). The hub cannot wait for anything
// without deadlocking the thread; spawn a greenlet for blocking work instead.
class BlockingInHubError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// describe: "<type-ish>: <what>" for any exception_ptr, for messages and logs.
std::string describe(const std::exception_ptr& e);

}  // namespace green
