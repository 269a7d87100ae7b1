// threads/identity.h — a green thread's thread id (hooks_identity.cpp).
//
// In green-threads mode gettid() and syscall(SYS_gettid) give each green
// thread its own id for its whole life: its owner id (threads.h, at or above
// kFirstGreenId = 2^30). The kernel never hands out a thread id that large
// (PID_MAX_LIMIT is 2^22), so an id of green's can never name an unrelated
// thread. A call that takes a thread id gets, in place of a live green
// thread's, the kernel id of the OS thread that green thread runs on; the id
// of a green thread that has finished fails as glibc fails for a thread that
// has exited (ESRCH, or ENOENT for a /proc path).
#pragma once

#include <signal.h>

#include <cstddef>

namespace green::interpose::threads {

struct GreenThread;

// host_tid: the kernel id of the OS thread `t` runs on (or last ran on, when
// parked). The caller keeps `t` alive (registry lock, or it is the caller).
int host_tid(const GreenThread* t) noexcept;

// kernel_tid: the kernel thread id standing for `id`, a thread id the program
// holds: a live green thread's → host_tid; a finished one's → -1; any other
// id (an OS thread's, another process's) unchanged.
int kernel_tid(int id) noexcept;

// identity_syscall: syscall(2) of a call that names a thread, `a` its six
// arguments. gettid is answered here, and a call naming a finished green
// thread fails with ESRCH: true, `result` is the call's. Otherwise a green
// thread's id among the arguments is replaced by its OS thread's and false
// says: make the call.
bool identity_syscall(long number, long* a, long& result) noexcept;

// task_path: `path`, or when it names a live green thread's /proc entry
// (/proc/self/task/ID..., /proc/PID/task/ID..., /proc/ID...) the same path
// naming its OS thread, written into `buf` of `n` bytes.
const char* task_path(const char* path, char* buf, std::size_t n) noexcept;

// signal_thread: pthread_kill (`value` null) or pthread_sigqueue on the green
// thread `t`. Signals are per OS thread: it goes to the OS thread `t` runs on,
// where the handler runs in whichever green thread runs then. Returns an error
// number as glibc's: EINVAL for a bad signal or one glibc keeps for itself;
// for a thread that has finished, 0 from pthread_kill and ESRCH from
// pthread_sigqueue, and nothing is sent.
int signal_thread(const GreenThread* t, int sig, const sigval* value) noexcept;

// Declares `buf_` and points `path` at the translated path (task_path).
#define GREEN_TASK_PATH(path) \
  char path##_buf_[256];      \
  path = ::green::interpose::threads::task_path(path, path##_buf_, sizeof path##_buf_)

}  // namespace green::interpose::threads
