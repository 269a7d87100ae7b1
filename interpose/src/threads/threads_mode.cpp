// threads/threads_mode.cpp — whether green-threads mode is on, who is calling, and
// the per-call notes (what a thread waits on, cancellation points).
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "gate/gate.h"
#include "green/detail/greenlet_core.h"
#include "green/detail/sched.h"
#include "green/settings.h"
#include "runtime_internal.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace green::interpose::threads {

namespace {
// -1 undecided, 0 off, 1 on. Decided by the first hook that asks, which may
// run before main() (a library constructor locking a mutex) — the setting is
// read from the environment then, and never changes afterwards.
std::atomic<int> g_on{-1};

bool decide() noexcept {
#ifdef GREEN_INTERPOSE_PRELOAD
  int v = setting_number("GREEN_THREADS") != 0 ? 1 : 0;
#else
  int v = 0;  // green::interpose (linked into a C++ program): never
#endif
  int expected = -1;
  if (g_on.compare_exchange_strong(expected, v, std::memory_order_acq_rel) && v == 1) {
    // Before any hub exists (its watchdog starts with it): a green thread
    // that stops switching goes on on a spare OS thread (core/handoff.h).
    detail::handoff_add_code(reinterpret_cast<const void*>(&decide));
    detail::handoff_enable();
    // With N hubs the watchdog tells a deadlock (core/hub_set.h).
    detail::set_deadlock_reporter(&report_deadlock);
  }
  return g_on.load(std::memory_order_acquire) == 1;
}

thread_local int t_tid = 0;
int tid() noexcept {
  if (t_tid == 0) t_tid = static_cast<int>(green::detail::os_tid());
  return t_tid;
}
}  // namespace

bool on() noexcept {
  int v = g_on.load(std::memory_order_relaxed);
  if (__builtin_expect(v >= 0, 1)) return v == 1;
  return decide();
}

Mode mode() noexcept {
  if (!on()) return Mode::native;
  if (detail::running_greenlet()) return Mode::green;
  // No hub yet: the main thread gets one at its first wait.
  return !detail::hub_exists() && is_main_thread() ? Mode::green : Mode::os;
}

int self_id() noexcept {
  detail::GreenletCore* g = detail::running_greenlet();
  if (g && !g->is_main_) {
    if (auto* t = static_cast<GreenThread*>(g->thread_record_)) return t->id;
    // A greenlet that is not a pthread (spawned through the C++ or C API).
    return kFirstGreenId | static_cast<int>((reinterpret_cast<std::uintptr_t>(g) >> 4) & 0x1fffffff);
  }
  return tid();
}

GreenThread* current() noexcept {
  detail::GreenletCore* g = detail::running_greenlet();
  return g ? static_cast<GreenThread*>(g->thread_record_) : nullptr;
}

// The main thread's notes, for the deadlock report.
GreenThread g_main_notes;

WaitNote::WaitNote(const char* reason, const void* object, int owner, const char* relation) noexcept : t_(current()) {
  if (!t_ && is_main_thread()) t_ = &g_main_notes;
  if (!t_) return;
  t_->wait_reason = reason;
  t_->wait_object = object;
  t_->wait_owner = owner;
  t_->wait_relation = relation;
}

WaitNote::~WaitNote() {
  if (!t_) return;
  t_->wait_reason = nullptr;
  t_->wait_object = nullptr;
  t_->wait_owner = 0;
}

CancelPoint::CancelPoint() : t_(on() ? current() : nullptr) {
  if (!t_) return;
  act_on_cancel();
  was_ = t_->in_cancel_point;
  t_->in_cancel_point = true;
}

CancelPoint::~CancelPoint() {
  if (t_) t_->in_cancel_point = was_;
}

void act_on_cancel() {
  GreenThread* t = current();
  if (t && t->cancel_pending && t->cancel_enabled && !t->exiting) exit_thread(t, PTHREAD_CANCELED);
}

}  // namespace green::interpose::threads
