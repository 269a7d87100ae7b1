// threads/parking_lot.h — wait queues keyed by address, for the green-threads hooks.
//
// Every green pthread object (mutex, condition, rwlock, barrier, semaphore,
// once, thread for join) keeps its waiters here rather than in its own bytes:
// a waiter is queued under the object's address, FIFO, in one of a fixed set
// of buckets. That leaves the objects' layouts free for the fast paths and
// lets one mechanism serve two kinds of waiter:
//
//   - a greenlet (the caller runs in a greenlet of a hub): it parks, and the
//     hub runs other greenlets meanwhile;
//   - an OS thread that cannot park a greenlet (a thread without a hub — the
//     runtime's pool threads, threads made before green-threads mode or by
//     clone — or the hub itself): it sleeps on a futex, as natively.
//
// An unparker on the waiter's own thread wakes a greenlet directly (it runs
// when the unparker next yields); one on another thread posts the wake to the
// waiter's hub. The protocol per waiter: queued (state 0) -> unparked (state 1,
// with a token from the unparker) -> gone. The unparker sets the token and
// state under the bucket lock and wakes after releasing it; the waiter only
// leaves once it has seen state 1, or has unlinked itself under the lock
// (timeout, kill). So an unparker never touches a waiter that has gone, and a
// token handed over (a mutex, a semaphore unit) is never lost: a waiter that
// is killed after receiving one gives it back through `abandon`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "gate/park.h"

namespace green::interpose::lot {

// FunctionRef: a non-owning callable reference (no allocation).
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...);
        }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

enum class Result { unparked, timed_out, invalid };

// What a waiter tells unparkers and the deadlock report about itself.
struct Want {
  const char* reason;       // "pthread_mutex_lock", ... (static string)
  std::uintptr_t data = 0;  // primitive-specific (rwlock: read or write)
  // os_sleep: sleep the OS thread even where a greenlet would park: the
  // caller is green's own code, whose locks OS threads (the watchdog, spares,
  // pool workers) hold for moments; parked there, the hub would be in the
  // middle of its own work with nothing armed to wake it.
  bool os_sleep = false;
};

// park: under the lock of `key`'s bucket, call validate(); if it returns
// false, return Result::invalid at once. Otherwise queue the caller (FIFO),
// release the lock, call before_sleep() (cond_wait unlocks its mutex there),
// and sleep until an unparker picks it (Result::unparked, *token set) or `d`
// passes (Result::timed_out). Exceptions delivered to a parked greenlet (kill,
// Timeout, cancellation) propagate after the waiter left the queue; if it had
// been unparked already, abandon(token) runs first so nothing handed over is
// lost. When nothing can ever wake the calling (main) greenlet, the deadlock is
// reported on stderr once and the wait goes on, as a native deadlock would.
// `want` is read after validate() ran, so validate may fill it in.
Result park(const void* key, FunctionRef<bool()> validate, FunctionRef<void()> before_sleep, const Deadline& d,
            const Want& want, std::uintptr_t* token, void (*abandon)(const void* key, std::uintptr_t token));

// Unparking. The callbacks run under the bucket lock: they may update the
// object's state, must not block, switch or call the hooks.
struct Waiting {
  std::uintptr_t data;  // the waiter's Want::data
  int id;               // the waiter's owner id (threads::self_id())
};
enum class Pick { skip, take, take_and_stop, stop };

// unpark_one: pick the first waiter of `key`. `decide(found, waiting, more)`
// returns the token to hand over (ignored when !found); `more` says whether
// other waiters remain after this one.
void unpark_one(const void* key, FunctionRef<std::uintptr_t(bool found, const Waiting& w, bool more)> decide);

// unpark_filter: under the lock, run prepare(), then walk the waiters of
// `key` in order; `pick` says which to take, and the token each gets.
// Returns how many were taken.
std::size_t unpark_filter(const void* key, FunctionRef<void()> prepare,
                          FunctionRef<Pick(const Waiting& w, std::uintptr_t& token)> pick);

// unpark_all: every waiter of `key`, with `token`. Returns how many.
std::size_t unpark_all(const void* key, std::uintptr_t token);

// with_lock: run f() under `key`'s bucket lock (state shared with waiters).
void with_lock(const void* key, FunctionRef<void()> f);

// has_waiters: whether any waiter of `key` is queued (racy unless under lock).
bool has_waiters(const void* key);

// fork_lock: every bucket's lock, before a fork (threads/fork_guard.cpp);
// fork_unlock lets them go — in the child after forgetting every waiter: each
// was another thread's, and none of them is in the child.
void fork_lock() noexcept;
void fork_unlock(bool child) noexcept;

}  // namespace green::interpose::lot
