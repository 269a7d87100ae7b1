// green/subprocess.h — run child processes without blocking the hub
// (gevent.subprocess, Python's subprocess).
//
//   green::Popen p({"sort"}, {.stdin_ = green::Stdio::pipe(), .stdout_ = green::Stdio::pipe()});
//   auto [out, err] = p.communicate("b\na\n", 5s);   // feeds and drains at once
//   int status = p.wait();                            // 0
//
//   std::string v = green::check_output({"uname", "-r"});   // throws on failure
//
// Blocking: only the calling greenlet waits (for pipes, and for the child's
// exit through a pidfd: no SIGCHLD handler is installed, nothing else of the
// process is touched). Other greenlets run meanwhile.
//
// Errors: every error is a green::SubprocessError (a std::runtime_error) whose
// message starts with the command line and says why: a program that cannot be
// started ("No such file or directory" names it) throws from the constructor.
// CalledProcessError (check_output, call with check) carries the exit status
// and what the child printed. TimeoutExpired: the time given to wait or
// communicate ran out; the child is left running (as Python does) — kill()
// then wait() it, or call again. These are ordinary errors, not
// green::Timeout.
//
// Kill and Timeout aimed at the caller interrupt any wait and leave the child
// running. Destroying a Popen closes its pipes and reaps the child if it has
// exited; a child still running is left running (never blocks).
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "green/duration.h"

namespace green {

// Stdio: what a child's stdin/stdout/stderr is connected to.
struct Stdio {
  enum class Kind { inherit, pipe, devnull, file, to_stdout };
  Kind kind = Kind::inherit;
  std::string path{};  // Kind::file: opened for reading (stdin) or appended to
  static Stdio inherit() { return {}; }
  static Stdio pipe() { return {Kind::pipe, {}}; }
  static Stdio devnull() { return {Kind::devnull, {}}; }
  static Stdio file(std::string p) { return {Kind::file, std::move(p)}; }
  // to_stdout: stderr only — into wherever stdout goes (Python's STDOUT).
  static Stdio to_stdout() { return {Kind::to_stdout, {}}; }
};

struct PopenOptions {
  Stdio stdin_{}, stdout_{}, stderr_{};
  std::string cwd{};                              // empty: the parent's
  std::optional<std::vector<std::string>> env{};  // "NAME=value" entries; nullopt: the parent's
};

class SubprocessError : public std::runtime_error {
 public:
  SubprocessError(const std::vector<std::string>& argv, const std::string& reason);
  const std::vector<std::string>& argv() const noexcept { return argv_; }

 private:
  std::vector<std::string> argv_;
};

// CalledProcessError: the command ran and failed. returncode as Popen's.
class CalledProcessError : public SubprocessError {
 public:
  CalledProcessError(const std::vector<std::string>& argv, int returncode, std::string output, std::string error);
  int returncode;
  std::string output, error;  // what it printed (when piped)
};

// TimeoutExpired: the time ran out; the child still runs.
class TimeoutExpired : public SubprocessError {
 public:
  TimeoutExpired(const std::vector<std::string>& argv, Duration timeout);
};

class Popen {
 public:
  // Popen: start argv[0] (searched in PATH unless it has a '/') with `argv`.
  // Returns once the child runs (or throws SubprocessError: empty argv,
  // program not found, cwd missing, ...). Never parks.
  explicit Popen(std::vector<std::string> argv, PopenOptions opts = {});
  Popen(const Popen&) = delete;
  Popen& operator=(const Popen&) = delete;
  ~Popen();

  pid_t pid() const noexcept { return pid_; }
  // returncode: the exit status once reaped: the exit code, or -N when a
  // signal N ended it. nullopt while running (or not yet waited for).
  std::optional<int> returncode() const noexcept { return returncode_; }
  // poll: reap the child if it has exited; returncode(). Never parks.
  std::optional<int> poll();
  // wait: park until the child exits; its returncode. TimeoutExpired when
  // `timeout` passes first (the child keeps running).
  int wait(Duration timeout = forever);
  // communicate: write `input` to stdin (then close it), read stdout and
  // stderr until EOF — all at once, so no pipe can fill up and deadlock —
  // then wait for the exit. Returns {stdout, stderr} (empty when not piped).
  // TimeoutExpired when `timeout` passes first: the child keeps running and
  // what was read is kept; calling communicate again (with no input) goes on.
  std::pair<std::string, std::string> communicate(std::string input = {}, Duration timeout = forever);

  // send_signal / terminate (SIGTERM) / kill (SIGKILL): no-op once reaped.
  void send_signal(int sig);
  void terminate();
  void kill();

  // The parent's pipe ends (-1 when not a pipe); non-blocking, owned by Popen.
  int stdin_fd() const noexcept { return in_; }
  int stdout_fd() const noexcept { return out_; }
  int stderr_fd() const noexcept { return err_; }
  const std::vector<std::string>& argv() const noexcept { return argv_; }

 private:
  bool reap(bool block_free);
  void close_fd(int& fd) noexcept;

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::optional<int> returncode_;
  std::string input_;  // what communicate has not written yet
  std::size_t input_at_ = 0;
  std::string out_buf_, err_buf_;
};

// check_output: run argv, return its stdout. CalledProcessError (with the
// status and both outputs) when it exits non-zero; TimeoutExpired after
// killing and reaping it when `timeout` passes.
std::string check_output(std::vector<std::string> argv, Duration timeout = forever, PopenOptions opts = {});

// call: run argv and return its returncode; on timeout kills and reaps it,
// then throws TimeoutExpired.
int call(std::vector<std::string> argv, Duration timeout = forever, PopenOptions opts = {});

}  // namespace green
