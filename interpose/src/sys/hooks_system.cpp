// sys/hooks_system.cpp — system() waits for its shell by parking the greenlet.
//
// glibc's system() reaps its child with an internal waitpid no hook sees, so
// the whole call would block the thread (and, under green-threads mode, the
// program) for as long as the command runs. This is glibc 2.36's system()
// step for step (sysdeps/posix/system.c) with the one wait made through the
// waitpid hook (hooks_process.cpp), which parks on a pidfd of the child:
//   - SIGINT and SIGQUIT are ignored while any system() of the process runs
//     (a count: the first call sets SIG_IGN, the last restores the program's
//     actions), SIGCHLD is blocked in the caller;
//   - the shell starts by posix_spawn("/bin/sh", "sh -c LINE") with the
//     caller's old mask, and SIGINT/SIGQUIT reset to default unless the
//     program ignored them;
//   - a shell that cannot start gives status 127 << 8 and errno; system(NULL)
//     is "exit 0" run the same way; a waitpid EINTR is retried;
//   - the last call to finish restores the actions and its old mask;
//   - cancelled while waiting (a cancellation point): the child is killed
//     (SIGKILL) and reaped, the count dropped, and the cancel goes on.
// Not as natively: under green-threads mode the blocked SIGCHLD is blocked
// for the OS thread, so for every green thread on it, while the call runs.
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "gate/park.h"
#include "gate/real.h"
#include "io/fdtable.h"

extern char** environ;

namespace gi = green::interpose;
using gi::Hook;

namespace {

// What glibc keeps process-wide: the program's SIGINT/SIGQUIT actions while
// some system() runs, and how many run.
std::mutex g_lock;
int g_running = 0;
struct sigaction g_intr, g_quit;

void enter() {
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  std::lock_guard<std::mutex> g(g_lock);
  if (g_running++ == 0) {
    ::sigaction(SIGINT, &ign, &g_intr);
    ::sigaction(SIGQUIT, &ign, &g_quit);
  }
}

// leave: the last one restores the actions (and, as glibc, its own old mask).
void leave(const sigset_t* omask) {
  std::lock_guard<std::mutex> g(g_lock);
  if (--g_running == 0) {
    ::sigaction(SIGINT, &g_intr, nullptr);
    ::sigaction(SIGQUIT, &g_quit, nullptr);
    if (omask) ::sigprocmask(SIG_SETMASK, omask, nullptr);
  }
}

// Cancelled while waiting: kill and reap the child, as glibc's handler does.
struct CancelGuard {
  pid_t pid;
  bool armed = true;
  ~CancelGuard() {
    if (!armed) return;
    ::kill(pid, SIGKILL);
    int saved = errno;
    while (REAL(waitpid)(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    errno = saved;
    leave(nullptr);
  }
};

int run_shell(const char* line) {
  enter();
  sigset_t chld, omask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &omask);
  sigset_t reset;
  sigemptyset(&reset);
  {
    std::lock_guard<std::mutex> g(g_lock);
    if (g_intr.sa_handler != SIG_IGN) sigaddset(&reset, SIGINT);
    if (g_quit.sa_handler != SIG_IGN) sigaddset(&reset, SIGQUIT);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &omask);
  posix_spawnattr_setsigdefault(&attr, &reset);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  char sh[] = "sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, const_cast<char*>(line), nullptr};
  pid_t pid = 0;
  int ret = posix_spawn(&pid, "/bin/sh", nullptr, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  int status = -1;
  if (ret == 0) {
    CancelGuard guard{pid};
    pid_t r;
    while ((r = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != pid) status = -1;
    guard.armed = false;
  } else {
    status = 127 << 8;  // W_EXITCODE(127, 0): as if the shell ran _exit(127)
  }
  leave(&omask);
  if (ret != 0) errno = ret;
  return status;
}

}  // namespace

extern "C" {

int system(const char* line) {
  gi::process_started();  // glibc's internal spawn runs no fork handler
  if (!gi::active(Hook::system)) return REAL(system)(line);
  gi::count(Hook::system, gi::Why::green);
  if (!line) return run_shell("exit 0") == 0;
  return run_shell(line);
}

}  // extern "C"
