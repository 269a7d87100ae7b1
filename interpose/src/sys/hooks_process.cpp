// sys/hooks_process.cpp — child processes under the preload.
//
// fork() itself needs no hook: the runtime's pthread_atfork handler gives the
// child a fresh hub (runtime/src/fork.h). vfork() becomes fork(): a vfork
// child shares the parent's memory, so any hooked call it made before exec
// (close, dup2...) would act on the parent's hub and fd table; fork gives
// every vfork+exec program its native outcome. posix_spawn and posix_spawnp
// only tell the fd table a child exists (it inherits descriptions: green
// stops switching O_NONBLOCK on them, fdtable.h); glibc starts and reaps
// their children with internal calls that never reach a hook.
//
// wait, waitpid, wait4 and waitid park the greenlet instead of the thread:
// they poll with WNOHANG and, between polls, wait for a pidfd of the child to
// become readable (it does when the child exits), or — for "any child",
// process groups, stopped/continued children, or a kernel without
// pidfd_open — sleep a backoff (1 ms doubling to 50 ms). WNOHANG calls go
// straight to libc. Signals as libc: a handler without SA_RESTART ends the
// wait with EINTR, one with SA_RESTART does not (see park.h).
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "raw_syscall.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>

#include "gate/park.h"
#include "gate/real.h"
#include "green/io.h"
#include "io/fdtable.h"
#include "runtime_internal.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

// PidfdOwner: the pidfd a wait parks on. When the program claims its number
// (a dup2 onto it, from any thread), the pidfd moves to another internal
// number and the waiter's hub forgets its watch of the old one (the waiter
// wakes with EBADF): the wait goes on with the new number and closes that
// one, never the program's.
struct PidfdOwner final : green::detail::InternalFdOwner {
  std::atomic<int> fd{-1};
  green::detail::EventLoop* loop = green::detail::this_thread_loop();  // the waiter's
  void release(int old) noexcept override {
    int moved = green::detail::move_internal_fd(old, this);
    fd.store(moved, std::memory_order_release);  // -1: the wait polls with a backoff
    // The waiter wakes (EBADF), and waits again on the new number.
    green::detail::forget_watches_on(loop, old);
  }
};

// pidfd_for: a pidfd that becomes readable when child `pid` exits, or -1 when
// the wait is not for one exiting child (or the kernel has no pidfd_open).
int pidfd_for(long pid, bool exits_only, PidfdOwner* owner) {
#ifdef SYS_pidfd_open
  if (pid > 0 && exits_only) {
    int saved = errno;
    long fd = green::detail::sys(SYS_pidfd_open, pid, 0);
    errno = saved;
    // Out of the program's way while it exists (runtime_internal.h): other
    // greenlets and threads open fds meanwhile, and must get their native numbers.
    return fd >= 0 ? green::detail::place_internal_fd(static_cast<int>(fd), owner) : -1;
  }
#endif
  (void)pid;
  (void)exits_only;
  (void)owner;
  return -1;
}

// wait_child: `poll()` is the call with WNOHANG added: > 0 or -1 = done (its
// result), 0 = nothing yet. Parks between polls; returns the final result.
template <class Poll>
int wait_child(Hook h, long pid, bool exits_only, Poll poll) {
  gi::count(h, gi::Why::green);
  int r = poll();
  if (r != 0) return r;
  PidfdOwner owner;
  owner.fd.store(pidfd_for(pid, exits_only, &owner));
  auto backoff = std::chrono::milliseconds(1);
  while ((r = poll()) == 0) {
    int saved = errno;
    int pfd = owner.fd.load(std::memory_order_acquire);
    int w = pfd >= 0 ? gi::wait_fd_ready(h, pfd, green::READ, gi::Deadline::never(), gi::OnSignal::restart)
                     : gi::sleep_until(h, gi::Deadline::after(backoff), gi::OnSignal::restart);
    if (w < 0 && errno == EINTR) {  // a handler without SA_RESTART ran, as natively
      r = -1;
      break;
    }
    errno = saved;  // other errors of the pidfd wait: poll again
    backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
  }
  if (int pfd = owner.fd.exchange(-1); pfd >= 0) {
    // As the close hook does: the hub forgets its watch, the number its file.
    green::notify_close(pfd);
    gi::fd_forget(pfd);
    green::detail::close_internal_fd(pfd);
  }
  return r;  // -1 keeps errno (EINTR or the call's own)
}

constexpr int kNotExitOnly = WUNTRACED | WCONTINUED;

}  // namespace

extern "C" {

pid_t vfork(void) {
  gi::count(Hook::vfork, gi::Why::green);
  return ::fork();  // fork's own handler tells the fd table (fdtable.h: process_started)
}

// posix_spawn(p): glibc starts the child with an internal clone that runs no
// fork handler; the fd table must still learn that the child shares every
// inheritable description from now on.
int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                char* const argv[], char* const envp[]) {
  gi::process_started();
  return REAL(posix_spawn)(pid, path, actions, attr, argv, envp);
}

int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                 char* const argv[], char* const envp[]) {
  gi::process_started();
  return REAL(posix_spawnp)(pid, file, actions, attr, argv, envp);
}

pid_t waitpid(pid_t pid, int* status, int options) {
  if (!gi::active(Hook::waitpid) || (options & WNOHANG)) return REAL(waitpid)(pid, status, options);
  return gi::barrier(
      Hook::waitpid, [&] { return REAL(waitpid)(pid, status, options); },
      [&] {
        return wait_child(Hook::waitpid, pid, !(options & kNotExitOnly),
                          [&] { return REAL(waitpid)(pid, status, options | WNOHANG); });
      });
}

pid_t wait(int* status) {
  if (!gi::active(Hook::wait)) return REAL(wait)(status);
  return gi::barrier(
      Hook::wait, [&] { return REAL(wait)(status); },
      [&] { return wait_child(Hook::wait, -1, true, [&] { return REAL(waitpid)(-1, status, WNOHANG); }); });
}

pid_t wait4(pid_t pid, int* status, int options, struct rusage* usage) {
  if (!gi::active(Hook::wait4) || (options & WNOHANG)) return REAL(wait4)(pid, status, options, usage);
  return gi::barrier(
      Hook::wait4, [&] { return REAL(wait4)(pid, status, options, usage); },
      [&] {
        return wait_child(Hook::wait4, pid, !(options & kNotExitOnly),
                          [&] { return REAL(wait4)(pid, status, options | WNOHANG, usage); });
      });
}

int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) {
  if (!gi::active(Hook::waitid) || (options & WNOHANG) || !info) return REAL(waitid)(idtype, id, info, options);
  long pid = idtype == P_PID ? static_cast<long>(id) : -1;
  bool exits_only = (options & (WSTOPPED | WCONTINUED)) == 0;
  return gi::barrier(
      Hook::waitid, [&] { return REAL(waitid)(idtype, id, info, options); },
      [&] {
        int r = wait_child(Hook::waitid, pid, exits_only, [&] {
          // WNOHANG with nothing to report: 0 and si_pid 0.
          info->si_pid = 0;
          int rc = REAL(waitid)(idtype, id, info, options | WNOHANG);
          return rc < 0 ? -1 : info->si_pid != 0 ? 1 : 0;
        });
        return r < 0 ? -1 : 0;
      });
}

}  // extern "C"
