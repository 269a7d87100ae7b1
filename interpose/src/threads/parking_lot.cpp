// threads/parking_lot.cpp — see parking_lot.h for the protocol.
#include "threads/parking_lot.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "raw_syscall.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "gate/spinlock.h"
#include "green/detail/greenlet_core.h"
#include "green/detail/sched.h"
#include "green/errors.h"
#include "green/hub.h"
#include "runtime_internal.h"
#include "threads/threads.h"

namespace green::interpose::lot {

namespace {

// CrossWake: how an unparker on another OS thread reaches a parked greenlet.
// Created by that unparker; `alive` is cleared by the waiter when it leaves,
// on its own thread, where the posted wake also runs — so no race.
struct CrossWake {
  detail::GreenletCore* greenlet;
  bool alive = true;
};

struct Waiter {
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  const void* key = nullptr;
  Want want{};
  int id = 0;
  std::uintptr_t token = 0;
  std::atomic<int> state{0};                 // 0 queued, 1 unparked; the futex word of OS waiters
  detail::GreenletCore* greenlet = nullptr;  // null: an OS thread waits on `state`
  pid_t tid = 0;                             // the OS thread it waits on
  HubHandle hub;                             // greenlet waiters: where cross-thread wakes go
  std::shared_ptr<CrossWake> cross;          // set by a cross-thread unparker
};

struct Bucket {
  SpinLock lock;
  Waiter* head = nullptr;
  Waiter* tail = nullptr;
};

constexpr std::size_t kBuckets = 1024;  // power of two
Bucket g_buckets[kBuckets];

Bucket& bucket_of(const void* key) noexcept {
  auto a = reinterpret_cast<std::uintptr_t>(key);
  a ^= a >> 17;
  a *= 0x9E3779B97F4A7C15ull;
  return g_buckets[(a >> 40) & (kBuckets - 1)];
}

void link(Bucket& b, Waiter& w) noexcept {
  w.prev = b.tail;
  w.next = nullptr;
  if (b.tail) b.tail->next = &w;
  else b.head = &w;
  b.tail = &w;
}

void unlink(Bucket& b, Waiter& w) noexcept {
  if (w.prev) w.prev->next = w.next;
  else b.head = w.next;
  if (w.next) w.next->prev = w.prev;
  else b.tail = w.prev;
  w.prev = w.next = nullptr;
}

Waiter* next_of(Waiter* from, const void* key) noexcept {
  while (from && from->key != key) from = from->next;
  return from;
}

thread_local pid_t t_tid = 0;
pid_t my_tid() noexcept {
  if (t_tid == 0) t_tid = static_cast<pid_t>(green::detail::os_tid());
  return t_tid;
}

long futex(std::atomic<int>* word, int op, int val, const timespec* ts) noexcept {
  return green::detail::sys(SYS_futex, reinterpret_cast<int*>(word), op | FUTEX_PRIVATE_FLAG, val, ts, nullptr, 0);
}

// CrossPost: the wake of a greenlet of another OS thread's hub, taken out of
// its Waiter under the bucket lock — once the lock is gone the waiter may see
// itself unparked (after a timeout, or a spurious wake) and leave — and
// posted after it: a post takes the hub's mailbox lock, which no one may wait
// for under a bucket lock (its own contention parks in this lot).
struct CrossPost {
  HubHandle hub;
  std::shared_ptr<CrossWake> wake;
  void post() const {
    // Runs on the waiter's hub, where `alive` is cleared when it leaves.
    hub.post([c = wake] {
      if (c->alive) detail::wake(c->greenlet);
    });
  }
};

// hand_over: under the bucket lock: record the token, mark unparked. Returns
// true when the caller wakes the waiter with wake_one after the lock; false
// for a greenlet of another hub, whose wake is then in *cross, to post.
bool hand_over(Waiter& w, std::uintptr_t token, CrossPost& cross) {
  w.token = token;
  if (!w.greenlet || w.tid == my_tid()) {
    w.state.store(1, std::memory_order_release);
    return true;
  }
  cross.wake = std::make_shared<CrossWake>(CrossWake{w.greenlet});
  cross.hub = w.hub;
  w.cross = cross.wake;
  w.state.store(1, std::memory_order_release);
  return false;
}

// wake_one: after the bucket lock: make an unparked waiter of this thread's
// hub, or an OS thread, run. Reads only what the waiter cannot free before it
// runs (an OS waiter may be gone: a futex wake on its old word is harmless).
void wake_one(Waiter* w) {
  if (!w->greenlet) {
    futex(&w->state, FUTEX_WAKE, 1, nullptr);
    return;
  }
  // Queued, never switched to on the spot (even from the hub): the caller
  // may still hold pointers to other waiters it is about to wake.
  detail::wake_queued(w->greenlet);
}

// One pending wake list lives on the unparker's stack; a broadcast to many
// waiters grows it in chunks.
class WakeList {
 public:
  void add(Waiter* w) {
    if (n_ < kInline) {
      inline_[n_++] = w;
    } else {
      overflow_.push_back(w);
    }
  }
  void add(CrossPost&& c) { cross_.push_back(std::move(c)); }
  void wake_all() {
    // No wake switches (wake_one queues greenlets), so every waiter listed
    // is still parked, and its Waiter alive, until this loop is done.
    for (std::size_t i = 0; i < n_; ++i) wake_one(inline_[i]);
    for (Waiter* w : overflow_) wake_one(w);
    for (const CrossPost& c : cross_) c.post();
  }

 private:
  static constexpr std::size_t kInline = 32;
  Waiter* inline_[kInline];
  std::size_t n_ = 0;
  std::vector<Waiter*> overflow_;
  std::vector<CrossPost> cross_;  // waiters of other hubs
};

// left_timespec: the time to `d` for a futex wait; null when forever.
const timespec* left_timespec(const Deadline& d, timespec& ts) noexcept {
  if (d.forever()) return nullptr;
  auto left = d.left();
  auto s = std::chrono::duration_cast<std::chrono::seconds>(left);
  ts.tv_sec = static_cast<time_t>(s.count());
  ts.tv_nsec = static_cast<long>((left - s).count());
  return &ts;
}

Result sleep_os(Bucket& b, Waiter& w, const Deadline& d) {
  for (;;) {
    if (w.state.load(std::memory_order_acquire) == 1) return Result::unparked;
    timespec ts;
    const timespec* rel = left_timespec(d, ts);
    if (rel && rel->tv_sec == 0 && rel->tv_nsec == 0) {
      std::lock_guard<SpinLock> g(b.lock);
      if (w.state.load(std::memory_order_acquire) == 1) return Result::unparked;
      unlink(b, w);
      return Result::timed_out;
    }
    futex(&w.state, FUTEX_WAIT, 0, rel);
  }
}

Result sleep_green(Bucket& b, Waiter& w, const Deadline& d, void (*abandon)(const void*, std::uintptr_t)) {
  std::optional<KeepAlive> reported;  // after a deadlock report: wait on, as natively
  auto leave = [&] {
    if (w.cross) w.cross->alive = false;
  };
  for (;;) {
    if (w.state.load(std::memory_order_acquire) == 1) {
      leave();
      return Result::unparked;
    }
    bool woke;
    try {
      woke = detail::park(w.want.reason, d.left());
    } catch (const LoopExit&) {
      if (!reported) {
        threads::report_deadlock();
        reported.emplace();
      }
      continue;
    } catch (...) {
      {
        std::lock_guard<SpinLock> g(b.lock);
        if (w.state.load(std::memory_order_acquire) == 0) {
          unlink(b, w);
          throw;
        }
      }
      leave();
      if (abandon) abandon(w.key, w.token);
      throw;
    }
    if (!woke) {
      std::lock_guard<SpinLock> g(b.lock);
      if (w.state.load(std::memory_order_acquire) == 0) {
        unlink(b, w);
        return Result::timed_out;
      }
    }
  }
}

}  // namespace

Result park(const void* key, FunctionRef<bool()> validate, FunctionRef<void()> before_sleep, const Deadline& d,
            const Want& want, std::uintptr_t* token, void (*abandon)(const void* key, std::uintptr_t token)) {
  Bucket& b = bucket_of(key);
  Waiter w;
  w.key = key;
  w.id = threads::self_id();
  w.tid = my_tid();
  bool green = !want.os_sleep && threads::mode() == threads::Mode::green;
  if (green) {
    w.greenlet = detail::current_core();
    w.hub = this_hub();
  }
  {
    std::lock_guard<SpinLock> g(b.lock);
    if (!validate()) return Result::invalid;
    w.want = want;
    link(b, w);
  }
  before_sleep();
  Result r = green ? sleep_green(b, w, d, abandon) : sleep_os(b, w, d);
  if (r == Result::unparked && token) *token = w.token;
  return r;
}

// Every unpark begins with handoff_come_back: an unparker that is a green
// thread gone on on a spare OS thread (hand-off) goes back to its hub's thread
// before any bucket lock. There its cached thread id (my_tid) is true again,
// so waking a waiter of its own hub happens on that hub's thread — not as a
// push onto the run queue of a hub that runs, or sleeps in its event loop, on
// another thread (test threads.handoff_wake).
void unpark_one(const void* key, FunctionRef<std::uintptr_t(bool, const Waiting&, bool)> decide) {
  detail::handoff_come_back();
  Bucket& b = bucket_of(key);
  Waiter* w;
  CrossPost cross;
  bool here;
  {
    std::lock_guard<SpinLock> g(b.lock);
    w = next_of(b.head, key);
    if (!w) {
      decide(false, Waiting{0, 0}, false);
      return;
    }
    bool more = next_of(w->next, key) != nullptr;
    std::uintptr_t token = decide(true, Waiting{w->want.data, w->id}, more);
    unlink(b, *w);
    here = hand_over(*w, token, cross);
  }
  if (here) wake_one(w);
  else cross.post();
}

std::size_t unpark_filter(const void* key, FunctionRef<void()> prepare,
                          FunctionRef<Pick(const Waiting&, std::uintptr_t&)> pick) {
  detail::handoff_come_back();
  Bucket& b = bucket_of(key);
  WakeList wakes;
  std::size_t taken = 0;
  {
    std::lock_guard<SpinLock> g(b.lock);
    prepare();
    Waiter* w = next_of(b.head, key);
    while (w) {
      Waiter* nx = next_of(w->next, key);
      std::uintptr_t token = 0;
      Pick p = pick(Waiting{w->want.data, w->id}, token);
      if (p == Pick::stop) break;
      if (p != Pick::skip) {
        unlink(b, *w);
        CrossPost cross;
        if (hand_over(*w, token, cross)) wakes.add(w);
        else wakes.add(std::move(cross));
        ++taken;
        if (p == Pick::take_and_stop) break;
      }
      w = nx;
    }
  }
  wakes.wake_all();
  return taken;
}

std::size_t unpark_all(const void* key, std::uintptr_t token) {
  return unpark_filter(
      key, [] {},
      [token](const Waiting&, std::uintptr_t& t) {
        t = token;
        return Pick::take;
      });
}

void with_lock(const void* key, FunctionRef<void()> f) {
  Bucket& b = bucket_of(key);
  std::lock_guard<SpinLock> g(b.lock);
  f();
}

void fork_lock() noexcept {
  for (Bucket& b : g_buckets) b.lock.lock();
}

void fork_unlock(bool child) noexcept {
  for (Bucket& b : g_buckets) {
    if (child) b.head = b.tail = nullptr;
    b.lock.unlock();
  }
}

bool has_waiters(const void* key) {
  Bucket& b = bucket_of(key);
  std::lock_guard<SpinLock> g(b.lock);
  return next_of(b.head, key) != nullptr;
}

}  // namespace green::interpose::lot
