// threads/hooks_identity.cpp — a green thread's thread id, and the calls that
// take one (identity.h).
//
// gettid() and syscall(SYS_gettid) answer the green thread's own id. The
// calls that name a thread by id — tgkill, the affinity, scheduling and
// priority calls, their raw system calls, and opens of /proc/.../task/ID —
// act on the OS thread the green thread runs on. The pthread_* calls that
// take a pthread_t and are not hooked elsewhere (affinity, scheduling, CPU
// clock, sigqueue) answer for a green thread's pthread_t the same way; glibc
// would read green's GreenThread record as its own descriptor.
//
// What the OS thread's answer means: its affinity, policy and priority are
// shared by every green thread on it (setting one sets them all), and its CPU
// clock counts all of their time (docs/interposition.md).
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gate/real.h"
#include "raw_syscall.h"
#include "runtime_internal.h"
#include "threads/identity.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace green::interpose::threads {

int host_tid(const GreenThread* t) noexcept {
  if (t == current()) return detail::os_tid();
  if (int spare = t->away_on.load(std::memory_order_acquire)) return spare;
  return t->created_on;
}

int kernel_tid(int id) noexcept {
  if (id < kFirstGreenId || !on()) return id;
  return with_live(id, [](const GreenThread* t) { return t ? host_tid(t) : -1; });
}

namespace {

// A thread id argument of the call, or -1.
int tid_argument(long number, const long* a) noexcept {
  switch (number) {
    case SYS_tkill:
    case SYS_sched_setaffinity:
    case SYS_sched_getaffinity:
    case SYS_sched_setscheduler:
    case SYS_sched_getscheduler:
    case SYS_sched_setparam:
    case SYS_sched_getparam:
    case SYS_sched_setattr:
    case SYS_sched_getattr:
    case SYS_sched_rr_get_interval: return 0;
    case SYS_tgkill:
    case SYS_rt_tgsigqueueinfo: return a[0] == ::getpid() ? 1 : -1;
    case SYS_getpriority:
    case SYS_setpriority: return a[0] == PRIO_PROCESS ? 1 : -1;
    default: return -1;
  }
}

// Translates `id` in place; false (errno ESRCH) when it names a finished green thread.
template <class Id>
bool translate(Id& id) noexcept {
  int k = kernel_tid(static_cast<int>(id));
  if (k < 0) {
    errno = ESRCH;
    return false;
  }
  id = static_cast<Id>(k);
  return true;
}

}  // namespace

bool identity_syscall(long number, long* a, long& result) noexcept {
  if (!on()) return false;
  if (number == SYS_gettid) {
    result = ::gettid();
    return true;
  }
  int i = tid_argument(number, a);
  if (i < 0 || translate(a[i])) return false;
  result = -1;
  return true;
}

const char* task_path(const char* path, char* buf, std::size_t n) noexcept {
  if (!path || std::strncmp(path, "/proc/", 6) != 0 || !on()) return path;
  // "/proc/ID...", "/proc/self/task/ID..." or "/proc/PID/task/ID...": the id
  // follows "/proc/" or "/task/", and ends the path or a component.
  const char* p = path + 6;
  const char* at = p;
  char* end = nullptr;
  if (std::strncmp(p, "self/task/", 10) == 0) {
    at = p + 10;
  } else {
    long pid = std::strtol(p, &end, 10);
    if (end != p && std::strncmp(end, "/task/", 6) == 0 && pid == ::getpid()) at = end + 6;
  }
  if (*at < '0' || *at > '9') return path;
  long id = std::strtol(at, &end, 10);
  if ((*end != '/' && *end != 0) || id < kFirstGreenId || id > INT_MAX) return path;
  int k = kernel_tid(static_cast<int>(id));
  if (k < 0) return path;  // a finished green thread: no such entry, as natively
  int w = std::snprintf(buf, n, "%.*s%d%s", static_cast<int>(at - path), path, k, end);
  return w > 0 && static_cast<std::size_t>(w) < n ? buf : path;
}

int signal_thread(const GreenThread* t, int sig, const sigval* value) noexcept {
  // The signals glibc keeps for itself (SIGCANCEL and SIGTIMER are 32,
  // SIGSETXID 33) are refused, as glibc refuses them.
  if (sig < 0 || sig >= NSIG || sig == 32 || sig == 33) return EINVAL;
  if (t->done) return value ? ESRCH : 0;
  if (sig == 0) return 0;
  long rc;  // raw: -errno, and the caller's errno untouched
  const pid_t pid = ::getpid();
  if (value) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = SI_QUEUE;
    info.si_pid = pid;
    info.si_uid = ::getuid();
    info.si_value = *value;
    rc = detail::raw_syscall(SYS_rt_tgsigqueueinfo, pid, host_tid(t), sig, reinterpret_cast<long>(&info));
  } else {
    rc = detail::raw_syscall(SYS_tgkill, pid, host_tid(t), sig);
  }
  return rc < 0 ? static_cast<int>(-rc) : 0;
}

}  // namespace green::interpose::threads

namespace {

// A pthread_* call on a green thread's pthread_t, answered through the
// kernel call on its OS thread: glibc's error number from a -1/errno result.
template <class F>
int on_host(const gt::GreenThread* t, F call) {
  const int saved = errno;
  int rc = call(gt::host_tid(t)) < 0 ? errno : 0;
  errno = saved;
  return rc;
}

gt::GreenThread* green_thread(pthread_t th) noexcept { return gt::on() ? gt::from_pthread(th) : nullptr; }

}  // namespace

extern "C" {

pid_t gettid(void) {
  if (gt::on())
    if (gt::GreenThread* t = gt::current()) return t->id;
  return REAL(gettid)();
}

int tgkill(pid_t tgid, pid_t tid, int sig) {
  if (tgid == ::getpid() && !gt::translate(tid)) return -1;
  return REAL(tgkill)(tgid, tid, sig);
}

int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t* set) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_setaffinity)(pid, size, set);
}

int sched_getaffinity(pid_t pid, size_t size, cpu_set_t* set) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_getaffinity)(pid, size, set);
}

int sched_setscheduler(pid_t pid, int policy, const struct sched_param* param) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_setscheduler)(pid, policy, param);
}

int sched_getscheduler(pid_t pid) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_getscheduler)(pid);
}

int sched_setparam(pid_t pid, const struct sched_param* param) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_setparam)(pid, param);
}

int sched_getparam(pid_t pid, struct sched_param* param) {
  if (!gt::translate(pid)) return -1;
  return REAL(sched_getparam)(pid, param);
}

int getpriority(int which, id_t who) {
  if (which == PRIO_PROCESS && !gt::translate(who)) return -1;
  return REAL(getpriority)(which, who);
}

int setpriority(int which, id_t who, int prio) {
  if (which == PRIO_PROCESS && !gt::translate(who)) return -1;
  return REAL(setpriority)(which, who, prio);
}

int pthread_getaffinity_np(pthread_t th, size_t size, cpu_set_t* set) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_getaffinity_np)(th, size, set);
  return on_host(t, [&](int tid) { return REAL(sched_getaffinity)(tid, size, set); });
}

int pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t* set) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_setaffinity_np)(th, size, set);
  return on_host(t, [&](int tid) { return REAL(sched_setaffinity)(tid, size, set); });
}

int pthread_getschedparam(pthread_t th, int* policy, struct sched_param* param) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_getschedparam)(th, policy, param);
  return on_host(t, [&](int tid) {
    int p = REAL(sched_getscheduler)(tid);
    if (p < 0 || REAL(sched_getparam)(tid, param) < 0) return -1;
    *policy = p;
    return 0;
  });
}

int pthread_setschedparam(pthread_t th, int policy, const struct sched_param* param) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_setschedparam)(th, policy, param);
  return on_host(t, [&](int tid) { return REAL(sched_setscheduler)(tid, policy, param); });
}

int pthread_setschedprio(pthread_t th, int prio) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_setschedprio)(th, prio);
  return on_host(t, [&](int tid) {
    struct sched_param p = {};
    p.sched_priority = prio;
    return REAL(sched_setparam)(tid, &p);
  });
}

int pthread_getcpuclockid(pthread_t th, clockid_t* clock) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_getcpuclockid)(th, clock);
  // The kernel's per-thread CPU clock id (CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD).
  *clock = static_cast<clockid_t>((~static_cast<unsigned>(gt::host_tid(t)) << 3) | 6);
  return 0;
}

int pthread_sigqueue(pthread_t th, int sig, const union sigval value) {
  gt::GreenThread* t = green_thread(th);
  if (!t) return REAL(pthread_sigqueue)(th, sig, value);
  return gt::signal_thread(t, sig, &value);
}

}  // extern "C"
