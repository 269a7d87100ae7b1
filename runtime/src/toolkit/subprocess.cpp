// toolkit/subprocess.cpp — green::Popen (green/subprocess.h).
//
// The child is started with posix_spawn (glibc reports a failed exec, e.g.
// ENOENT, as its return value). Its exit is awaited through a pidfd watched
// by the hub like any fd, so no SIGCHLD handler is needed and only the
// waiting greenlet parks; on a kernel without pidfd_open, waiting falls back
// to polling waitpid(WNOHANG) with growing sleeps.
#include "green/subprocess.h"
#include "raw_syscall.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "green/io.h"
#include "green/select.h"
#include "green/sleep.h"

extern char** environ;

namespace green {

namespace {

using Clock = std::chrono::steady_clock;

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) {
    if (!s.empty()) s += ' ';
    bool quote = a.empty() || a.find_first_of(" \t\"'\\") != std::string::npos;
    s += quote ? "'" + a + "'" : a;
  }
  return s.empty() ? "(empty command)" : s;
}

std::string status_text(int rc) {
  return rc >= 0 ? "exited with status " + std::to_string(rc) : "was killed by signal " + std::to_string(-rc);
}

Duration left_until(Clock::time_point deadline, Duration timeout) {
  if (timeout == forever) return forever;
  return std::max(Duration::zero(), std::chrono::duration_cast<Duration>(deadline - Clock::now()));
}

Clock::time_point deadline_of(Duration timeout) {
  return timeout == forever ? Clock::time_point::max() : Clock::now() + timeout;
}

// write_quietly: write() to a pipe whose reader may be gone, without SIGPIPE
// (which would end the whole process): the signal is blocked for the call and
// a pending one consumed, so EPIPE is all the caller sees.
ssize_t write_quietly(int fd, const char* p, std::size_t n) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t r = ::write(fd, p, n);
  int saved = errno;
  if (r < 0 && saved == EPIPE) {
    timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return r;
}

// Spawn: the parts of posix_spawn that must be released on every path.
struct Spawn {
  posix_spawn_file_actions_t actions;
  std::vector<int> child_ends;
  Spawn() { posix_spawn_file_actions_init(&actions); }
  ~Spawn() {
    posix_spawn_file_actions_destroy(&actions);
    for (int fd : child_ends) ::close(fd);
  }
  // pipe_for: a pipe whose child end becomes `target`; returns the parent's
  // end, non-blocking (its own open file description: the child's stays blocking).
  int pipe_for(int target, const std::vector<std::string>& argv) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw SubprocessError(argv, std::string("pipe: ") + std::strerror(errno));
    int child = target == 0 ? p[0] : p[1];
    int parent = target == 0 ? p[1] : p[0];
    child_ends.push_back(child);
    ::fcntl(parent, F_SETFL, ::fcntl(parent, F_GETFL) | O_NONBLOCK);
    posix_spawn_file_actions_adddup2(&actions, child, target);
    return parent;
  }
  void redirect(const Stdio& s, int target, int& parent_end, const std::vector<std::string>& argv) {
    int flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND;
    switch (s.kind) {
      case Stdio::Kind::inherit: break;
      case Stdio::Kind::pipe: parent_end = pipe_for(target, argv); break;
      case Stdio::Kind::devnull: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", flags, 0); break;
      case Stdio::Kind::file: posix_spawn_file_actions_addopen(&actions, target, s.path.c_str(), flags, 0644); break;
      case Stdio::Kind::to_stdout:
        if (target != 2) throw SubprocessError(argv, "Stdio::to_stdout() is for stderr only");
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        break;
    }
  }
};

}  // namespace

SubprocessError::SubprocessError(const std::vector<std::string>& argv, const std::string& reason)
    : std::runtime_error("command [" + command_line(argv) + "]: " + reason), argv_(argv) {}

CalledProcessError::CalledProcessError(const std::vector<std::string>& argv, int rc, std::string out, std::string err)
    : SubprocessError(argv, status_text(rc) + (err.empty() ? "" : "; stderr: " + err.substr(0, 200))),
      returncode(rc),
      output(std::move(out)),
      error(std::move(err)) {}

TimeoutExpired::TimeoutExpired(const std::vector<std::string>& argv, Duration timeout)
    : SubprocessError(argv, "did not finish within " +
                                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                                " ms; it is still running (kill() and wait() it, or wait again)") {}

Popen::Popen(std::vector<std::string> argv, PopenOptions opts) : argv_(std::move(argv)) {
  if (argv_.empty()) throw SubprocessError(argv_, "no program given (argv is empty)");
  Spawn sp;
  try {
    sp.redirect(opts.stdin_, 0, in_, argv_);
    sp.redirect(opts.stdout_, 1, out_, argv_);
    sp.redirect(opts.stderr_, 2, err_, argv_);
    if (!opts.cwd.empty()) posix_spawn_file_actions_addchdir_np(&sp.actions, opts.cwd.c_str());
    std::vector<char*> args, envp;
    for (std::string& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    if (opts.env) {
      for (std::string& e : *opts.env) envp.push_back(e.data());
      envp.push_back(nullptr);
    }
    int rc = posix_spawnp(&pid_, args[0], &sp.actions, nullptr, args.data(), opts.env ? envp.data() : environ);
    if (rc != 0) {
      pid_ = -1;
      std::string why = "cannot start " + argv_[0] + ": " + std::strerror(rc);
      if (!opts.cwd.empty()) why += " (or cannot enter the directory " + opts.cwd + ")";
      throw SubprocessError(argv_, why);
    }
  } catch (...) {
    close_fd(in_);
    close_fd(out_);
    close_fd(err_);
    throw;
  }
#ifdef SYS_pidfd_open
  pidfd_ = static_cast<int>(green::detail::sys(SYS_pidfd_open, pid_, 0));
#endif
}

Popen::~Popen() {
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
  if (!returncode_ && pid_ > 0) reap(true);
  close_fd(pidfd_);
}

void Popen::close_fd(int& fd) noexcept {
  if (fd < 0) return;
  notify_close(fd);
  ::close(fd);
  fd = -1;
}

bool Popen::reap(bool) {
  if (returncode_) return true;
  int st = 0;
  pid_t r;
  do r = ::waitpid(pid_, &st, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  returncode_ = WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st);
  close_fd(pidfd_);
  return true;
}

std::optional<int> Popen::poll() {
  reap(true);
  return returncode_;
}

int Popen::wait(Duration timeout) {
  auto deadline = deadline_of(timeout);
  Duration nap = std::chrono::milliseconds(1);
  while (!reap(true)) {
    Duration left = left_until(deadline, timeout);
    if (left == Duration::zero()) throw TimeoutExpired(argv_, timeout);
    if (pidfd_ >= 0) {
      if (wait_fd(pidfd_, READ, left) == 0) throw TimeoutExpired(argv_, timeout);
    } else {
      sleep(std::min(nap, left));
      nap = std::min<Duration>(nap * 2, std::chrono::milliseconds(50));
    }
  }
  return *returncode_;
}

std::pair<std::string, std::string> Popen::communicate(std::string input, Duration timeout) {
  if (!input.empty()) {
    if (in_ < 0) throw SubprocessError(argv_, "communicate: input given but stdin is not Stdio::pipe()");
    input_ = std::move(input);
    input_at_ = 0;
  }
  auto deadline = deadline_of(timeout);
  if (in_ >= 0 && input_at_ >= input_.size()) close_fd(in_);
  while (in_ >= 0 || out_ >= 0 || err_ >= 0) {
    PollFd fds[3] = {{in_, WRITE, 0}, {out_, READ, 0}, {err_, READ, 0}};
    if (poll_fds(fds, left_until(deadline, timeout)) == 0) throw TimeoutExpired(argv_, timeout);
    if (fds[0].revents) {
      std::size_t n = std::min<std::size_t>(input_.size() - input_at_, 64 * 1024);
      ssize_t w = write_quietly(in_, input_.data() + input_at_, n);
      if (w > 0) input_at_ += static_cast<std::size_t>(w);
      // EPIPE: the child stopped reading; like Python, that is not an error.
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || input_at_ >= input_.size()) {
        close_fd(in_);
        input_.clear();
        input_at_ = 0;
      }
    }
    for (auto [i, fd, buf] : {std::tuple{1, &out_, &out_buf_}, std::tuple{2, &err_, &err_buf_}}) {
      if (!fds[i].revents) continue;
      // Read straight into the string's tail: a greenlet's stack (64 KiB by
      // default) has no room for a buffer this size.
      std::size_t had = buf->size();
      buf->resize(had + 64 * 1024);
      ssize_t r = ::read(*fd, buf->data() + had, 64 * 1024);
      buf->resize(had + static_cast<std::size_t>(std::max<ssize_t>(r, 0)));
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) close_fd(*fd);
    }
  }
  wait(left_until(deadline, timeout));
  return {std::move(out_buf_), std::move(err_buf_)};
}

void Popen::send_signal(int sig) {
  if (returncode_ || reap(true)) return;
  if (::kill(pid_, sig) != 0 && errno != ESRCH)
    throw SubprocessError(argv_, "kill(" + std::to_string(pid_) + "): " + std::strerror(errno));
}
void Popen::terminate() { send_signal(SIGTERM); }
void Popen::kill() { send_signal(SIGKILL); }

std::string check_output(std::vector<std::string> argv, Duration timeout, PopenOptions opts) {
  opts.stdout_ = Stdio::pipe();
  Popen p(std::move(argv), std::move(opts));
  std::pair<std::string, std::string> out;
  try {
    out = p.communicate({}, timeout);
  } catch (const TimeoutExpired&) {
    p.kill();
    p.wait();
    throw;
  }
  int rc = *p.returncode();
  if (rc != 0) throw CalledProcessError(p.argv(), rc, std::move(out.first), std::move(out.second));
  return std::move(out.first);
}

int call(std::vector<std::string> argv, Duration timeout, PopenOptions opts) {
  Popen p(std::move(argv), std::move(opts));
  try {
    return p.wait(timeout);
  } catch (const TimeoutExpired&) {
    p.kill();
    p.wait();
    throw;
  }
}

}  // namespace green
