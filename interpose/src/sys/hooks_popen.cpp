// sys/hooks_popen.cpp — pclose() waits for its child by parking the greenlet.
//
// glibc's pclose flushes the stream, closes its pipe and then reaps the child
// with an internal waitpid no hook sees. The child often exits only once the
// pipe is closed (`popen("sort", "w")`), so the wait cannot simply come
// first. pclose here does the same steps in the same order, only the wait
// through the hooks: it flushes, puts /dev/null in place of the pipe's fd
// (which closes the pipe as glibc's close would, while the fd number stays
// the stream's), parks until the child has exited without reaping it
// (waitid WNOWAIT through the waitid hook, EINTR retried and cancellation
// held off as glibc does), then lets glibc's pclose close the stream and reap
// the child, which no longer waits. The child's pid is the one glibc's popen
// stored after the FILE (struct _IO_proc_file in libio/iopopen.c, glibc
// 2.36), read when popen returns and kept here per stream, so only streams
// popen made take this path. A flush that fails, or anything unexpected,
// leaves the call to glibc as is (it then blocks the thread, as natively).
// The pipe's reads and writes park through the stdio hooks (io/hooks_stdio.cpp).
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "gate/park.h"
#include "gate/real.h"
#include "io/fdtable.h"
#include "io/stdio_vtables.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

std::mutex g_lock;
std::unordered_map<FILE*, pid_t>* g_children = nullptr;  // leaked on purpose: used until exit

// child_of: glibc's _IO_proc_file is the FILE, its vtable pointer, then the pid.
pid_t child_of(FILE* f) {
  pid_t pid;
  std::memcpy(&pid, reinterpret_cast<const char*>(f) + sizeof(FILE) + sizeof(void*), sizeof pid);
  // It must be our running child (WNOWAIT: nothing is reaped).
  siginfo_t info{};
  int saved = errno;
  bool ours = pid > 0 && REAL(waitid)(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
  errno = saved;
  return ours ? pid : 0;
}

pid_t forget(FILE* f) {
  std::lock_guard<std::mutex> g(g_lock);
  if (!g_children) return 0;
  auto it = g_children->find(f);
  if (it == g_children->end()) return 0;
  pid_t pid = it->second;
  g_children->erase(it);
  return pid;
}

// wait_exit: park until child `pid` has exited, leaving it to be reaped.
void wait_exit(pid_t pid) {
  int state = PTHREAD_CANCEL_ENABLE;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
  siginfo_t info{};
  int saved = errno;
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  errno = saved;
  pthread_setcancelstate(state, nullptr);
}

}  // namespace

extern "C" {

FILE* popen(const char* command, const char* mode) {
  gi::process_started();  // glibc's internal spawn runs no fork handler
  FILE* f = REAL(popen)(command, mode);
  if (!f || !gi::active(Hook::popen)) return f;
  // Reads and writes of the pipe are stdio's: popen's FILEs have their own vtable.
  gi::install_stdio_hooks(f);
  if (pid_t pid = child_of(f)) {
    std::lock_guard<std::mutex> g(g_lock);
    try {
      if (!g_children) g_children = new std::unordered_map<FILE*, pid_t>();
      (*g_children)[f] = pid;
    } catch (const std::bad_alloc&) {
      // Not remembered: its pclose stays glibc's.
    }
  }
  return f;
}

int pclose(FILE* f) {
  pid_t pid = f ? forget(f) : 0;
  if (!pid || !gi::active(Hook::pclose)) return REAL(pclose)(f);
  gi::count(Hook::pclose, gi::Why::green);
  // Output still buffered goes now, while the pipe is there (glibc's pclose
  // flushes first too); a failed flush is left for glibc to report its way.
  if (__fwriting(f) && fflush(f) != 0) return REAL(pclose)(f);
  int fd = fileno(f);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0 || null < 0 || ::dup2(null, fd) != fd) {
    if (null >= 0) ::close(null);
    return REAL(pclose)(f);
  }
  ::close(null);
  wait_exit(pid);
  return REAL(pclose)(f);
}

}  // extern "C"
