// threads/thread_tls.h — a thread descriptor and thread-local storage of its own
// for each green thread (GREEN_THREAD_TLS, on by default in green-threads mode).
//
// A green thread gets what glibc gives a new pthread: a static TLS area with
// every loaded module's initialisation image, a dtv (so a library dlopen'ed
// later gets its __thread blocks through __tls_get_addr), and a struct pthread
// with the fields glibc reads on the thread itself (docs/interposition.md lists
// them). The hub installs it whenever it switches into the thread
// (core/thread_pointer.h); the main thread, the hub and greenlets that are not
// pthreads run on the OS thread's own descriptor.
//
// green's own thread_locals (libgreen, libgreen_preload) are per OS thread:
// a new descriptor starts with a copy of the OS thread's, so they keep their
// values (this thread's hub, cached tids); the one that changes afterwards and
// must be seen by the whole OS thread goes through per_os_thread
// (runtime_internal.h).
//
// Only glibc 2.36 on x86-64 is verified: on anything else, or when its layout
// does not match, green threads share their OS thread's descriptor (as with
// GREEN_THREAD_TLS=0) and a one-line note says why.
#pragma once

#include <pthread.h>

#include <cstddef>

namespace green::interpose::threads {

struct GreenThread;

// tls_create: a descriptor for a green thread spawned but not yet started (in
// its creator, whose hub exists), or null when per-thread TLS is off,
// unverified or out of memory: the thread then shares its OS thread's.
// `tid`: the descriptor's thread id for the thread's whole life, its owner id
// (what gettid() says in it). glibc's own locks record their owner by it (the
// loader's recursive lock, rwlocks): each green thread must be one owner, on
// whichever OS thread it runs.
void* tls_create(int tid) noexcept;

// tls_static_area: how many bytes of static TLS lie below each descriptor's
// thread pointer (glibc's static TLS size less the descriptor) once a green
// thread's descriptor has been made; 0 before, and when per-thread TLS is off.
std::size_t tls_static_area() noexcept;

// tls_real_thread_made: an OS thread was just made (glibc's pthread_create)
// while a green thread's descriptor may be installed: mark the OS thread's
// own descriptor multi-threaded too, as glibc marked the installed one, and
// relay glibc's setuid signal to the OS thread's own descriptor now that
// glibc has installed it (setxid_relay_install, runtime_internal.h).
void tls_real_thread_made() noexcept;

// tls_own_tid: the thread id glibc reads in the caller's descriptor, its
// owner id in glibc's own locks.
int tls_own_tid() noexcept;

// KernelTid: while alive, for glibc's calls on `m` when it is a
// priority-inheritance mutex (the kernel looks its owner up by the tid in its
// futex word: FUTEX_LOCK_PI, FUTEX_UNLOCK_PI), the calling green thread's
// descriptor holds the kernel's id of its OS thread, not its own. Nothing for
// any other mutex.
class KernelTid {
 public:
  explicit KernelTid(const pthread_mutex_t* m) noexcept;
  ~KernelTid();
  KernelTid(const KernelTid&) = delete;
  KernelTid& operator=(const KernelTid&) = delete;

 private:
  void* tp_ = nullptr;
  int own_ = 0;
};

// tls_os_tid_word: the tid field of the calling OS thread's own descriptor,
// which the kernel clears, waking its futex waiters, when the thread ends
// (glibc registers it with set_tid_address); null when glibc's layout is not
// the one green verified.
int* tls_os_tid_word() noexcept;

// tls_fork_lock / tls_fork_unlock: the pool of ended threads' descriptors,
// locked around a fork (threads/fork_guard.cpp).
void tls_fork_lock() noexcept;
void tls_fork_unlock() noexcept;

// tls_begin: first thing in the new green thread: record its stack in the
// descriptor (pthread_getattr_np, alloca limits), install it, then what
// glibc's start_thread does on a new thread (__ctype_init).
void tls_begin(GreenThread* t) noexcept;

// tls_run_destructors: C++ thread_local destructors of the calling green
// thread (__call_tls_dtors), which glibc runs before the TSD destructors.
void tls_run_destructors(GreenThread* t) noexcept;

// tls_end: last thing in the green thread: go back to the OS thread's
// descriptor and free the thread's (and its dynamic TLS blocks).
void tls_end(GreenThread* t) noexcept;

}  // namespace green::interpose::threads
