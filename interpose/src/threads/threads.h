// threads/threads.h — green-threads mode (GREEN_THREADS=1, `green-run --threads`):
// what the pthread hooks share.
//
// In this mode pthread_create spawns a greenlet, and every pthread
// synchronisation object becomes green-aware: a contended lock parks the
// greenlet instead of the OS thread. Objects keep glibc's sizes and static
// initialisers; their waiters live in the parking lot (parking_lot.h).
//
// Who calls decides how a hook waits (Mode):
//   native — the mode is off, or the object is process-shared/robust/priority
//            (it may be used by another process): glibc's own function;
//   green  — a greenlet (including the main thread's own stack) that may park;
//   os     — an OS thread that cannot park a greenlet (no hub: the runtime's
//            pool threads, threads made before the mode started or by clone;
//            or the hub itself): it blocks on a futex, as natively.
#pragma once

#include <pthread.h>
#include <setjmp.h>
#include <unwind.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "threads/parking_lot.h"

#include "green/detail/greenlet_core.h"

namespace green::interpose::threads {

// on: green-threads mode is on (GREEN_THREADS=1 under the preload). Decided
// at the first call and fixed for the life of the process.
bool on() noexcept;

enum class Mode { native, green, os };
// mode: how the calling context waits (see top); native when the mode is off.
Mode mode() noexcept;

// self_id: the caller's identity as a lock owner — unique among live green
// threads, greenlets and OS threads (OS threads use their tid; greenlets ids
// above kFirstGreenId).
int self_id() noexcept;
inline constexpr int kFirstGreenId = 0x40000000;

// GreenThread: one pthread of the program running as a greenlet. Its address
// is the pthread_t the program sees. Touched only on its hub's thread, except
// the registry membership (guarded in thread_registry.cpp).
// Its ThreadRecord base holds its own thread descriptor (thread_tls.h).
struct GreenThread : detail::ThreadRecord {
  static constexpr std::uint32_t kMagic = 0x67746872;  // "gthr"
  std::uint32_t magic = kMagic;
  int id = 0;           // owner id (>= kFirstGreenId)
  unsigned number = 0;  // 1, 2, ... in creation order, for reports
  void* (*start)(void*) = nullptr;
  void* arg = nullptr;
  void* result = nullptr;                // start's return value or pthread_exit's
  detail::GreenletCore* core = nullptr;  // while it runs
  bool detached = false;
  std::atomic<bool> done{false};     // finished: joinable (read by joiners on other hubs)
  GreenThread* joiner_of = nullptr;  // the thread this one is joining
  bool joined = false;               // someone is joining it
  char name[16] = {};                // pthread_setname_np
  std::size_t stack_size = 0;        // asked for (pthread_getattr_np before it runs)
  int created_on = 0;                // its hub's OS thread (host_tid when not on a spare)
  int hub = -1;                      // its hub among N (hub_pick), -1 with one

  // Cancellation (deferred only): delivered at the next cancellation point.
  bool cancel_enabled = true;
  bool cancel_async = false;  // recorded; acts as deferred (documented)
  bool cancel_pending = false;
  bool in_cancel_point = false;  // parked inside a cancellation point
  bool exiting = false;          // pthread_exit/cancel unwinding

  // Thread-specific data: value and the key's generation when it was set.
  struct Specific {
    void* value = nullptr;
    unsigned generation = 0;
  };
  std::vector<Specific> specific;

  // Exit: where pthread_exit's unwinding ends, and the C cleanup handlers
  // (pthread_cleanup_push without exceptions) registered by this thread.
  jmp_buf exit_jmp;
  void* exit_frame = nullptr;
  void* cleanup = nullptr;  // innermost __pthread_unwind_buf_t
  _Unwind_Exception unwind{};

  // What it waits on, for the deadlock report.
  const char* wait_reason = nullptr;
  const void* wait_object = nullptr;
  int wait_owner = 0;                   // id of the thread that must act first
  const char* wait_relation = nullptr;  // "held by", "which is" ...
};

// current: the calling greenlet's GreenThread, or null (main thread, OS
// threads, greenlets spawned by other means).
GreenThread* current() noexcept;

// find_live: the green thread with owner id `id` if it has not finished, else
// null. Only its own hub's thread may use the result after the lock is gone
// (nothing else can end it there).
GreenThread* find_live(int id) noexcept;

// from_pthread: the GreenThread a pthread_t names, or null when it is not a
// live green thread (an OS thread's pthread_t, garbage, a joined thread).
GreenThread* from_pthread(pthread_t t) noexcept;

// main_notes: the main thread's wait notes (it is not a GreenThread).
extern GreenThread g_main_notes;

// WaitNote: record what the caller waits on while it is in scope.
class WaitNote {
 public:
  // `owner`: the id of the thread that must act first (a lock's holder, the
  // thread being joined); `relation` says which, for the report.
  WaitNote(const char* reason, const void* object, int owner = 0, const char* relation = "held by") noexcept;
  ~WaitNote();
  WaitNote(const WaitNote&) = delete;
  WaitNote& operator=(const WaitNote&) = delete;

 private:
  GreenThread* t_;
};

// report_deadlock: print every green thread and what it waits on (stderr).
void report_deadlock() noexcept;

// exit_thread: pthread_exit for a green thread: unwind its stack (running C++
// destructors and C cleanup handlers) to its start, store `value`.
[[noreturn]] void exit_thread(GreenThread* t, void* value);

// Registry (thread_registry.cpp).
void registry_add(GreenThread* t);
void registry_remove(GreenThread* t);
// with_live: `fn(t)` under the registry lock, `t` the green thread with owner
// id `id` if it has not finished, else null; returns what `fn` returns.
int with_live(int id, int (*fn)(const GreenThread* t)) noexcept;
// each_descriptor: `fn(tp, arg)`, under the registry lock, for the descriptor
// of every green thread, on every hub, that has one of its own (made, not yet
// freed). publish_descriptor sets and clears t->thread_pointer under the same
// lock, so a descriptor is never freed while `fn` writes into it.
void each_descriptor(void (*fn)(void* thread_pointer, void* arg), void* arg) noexcept;
void publish_descriptor(GreenThread* t, void* thread_pointer) noexcept;
// registry_fork_lock / registry_fork_unlock: the registry's lock around a fork
// (threads/fork_guard.cpp).
void registry_fork_lock() noexcept;
void registry_fork_unlock() noexcept;
// live_threads: green threads that have not finished.
std::size_t live_threads() noexcept;
// thread_finished: mark `t` done, wake joiners and main's pthread_exit.
// Returns whether it was detached (the caller frees it then): decided under
// the registry's lock, against a pthread_detach from another hub.
bool thread_finished(GreenThread* t);
// detach: pthread_detach's decision, under the same lock: `already`
// detached, `finished` (the caller frees it), or `done` (detached now).
enum class Detach { already, finished, done };
Detach detach(GreenThread* t) noexcept;
// wait_all_finished: park until no green thread runs (main's pthread_exit).
void wait_all_finished();

// exit_once_main_ended: from main's pthread_exit once no green thread is
// left, right before glibc ends the main thread: the process then exits with
// status 0 once the main thread is gone and nothing else of the program runs,
// as glibc's last thread would (green's own OS threads would keep it alive).
// main_exit.cpp.
void exit_once_main_ended() noexcept;

// Thread-specific data (hooks_tsd.cpp): run the destructors of `t`'s values.
void run_specific_destructors(GreenThread* t);

}  // namespace green::interpose::threads
