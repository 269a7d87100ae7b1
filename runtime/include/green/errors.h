// green/errors.h — the exceptions green itself raises.
//
// Each message says what happened and what to do about it.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace green {

// BaseException: the root of the exceptions that stop a greenlet — kill's
// GreenletExit and green::Timeout — gevent's BaseException level. It does NOT
// derive from std::exception, on purpose: a `catch (const std::exception&)` in
// ordinary code (a retry loop, a request handler) must not swallow a kill or a
// timeout by accident, as `except Exception` does not in Python. Catch them by
// name when you mean to:
//
//   try { work(); }
//   catch (const green::GreenletExit&) { cleanup(); throw; }   // being killed
//   catch (const green::Timeout& t) { ... }                    // a Timeout
//   catch (const green::BaseException&) { throw; }             // either
//   catch (const std::exception& e) { log(e); }                // real failures
//
// `catch (...)` still catches them: rethrow (`throw;`) from such blocks.
class BaseException {
 public:
  virtual ~BaseException() = default;
  virtual const char* what() const noexcept = 0;

 protected:
  BaseException() = default;
  BaseException(const BaseException&) = default;
  BaseException& operator=(const BaseException&) = default;
};

// GreenletExit: what kill() delivers by default. A greenlet that ends with it
// counts as successful (gevent's rule): exception() is null, join() and the
// hub do not treat it as a failure and nothing is printed; get() of a void
// greenlet returns normally (see Greenlet::get for a value-returning one).
// Not a std::exception (see BaseException).
class GreenletExit : public BaseException {
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
