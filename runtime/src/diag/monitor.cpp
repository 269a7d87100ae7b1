// diag/monitor.cpp — GREEN_MAX_BLOCKING_MS: a watchdog thread that reports a
// greenlet running too long without yielding (gevent's monitor thread).
//
// A greenlet that computes, or calls a blocking function green does not know,
// stops every other greenlet of its thread. The watchdog sees it from outside:
// each hub counts its switches (one relaxed store on the switch path) and libev
// marks the time its loop waits in the kernel (EventLoop::track_polling). A hub
// whose counter has not moved for the limit while it was not polling is
// blocked. The report needs the blocked thread's own view — the running
// greenlet's name and a backtrace of what it is doing — so the watchdog sends
// that thread SIGURG (like Go's preemption: the signal programs least expect
// to use, ignored by default) and the handler writes the report with
// async-signal-safe calls. Each episode is reported once: the next switch or
// poll starts a new one.
//
// In green-threads mode the same watchdog does hand-off (core/handoff.h): a
// hub that has not switched for GREEN_HANDOFF_US gets SIGURG, and the handler
// hands the running green thread to a spare OS thread when it can; when it
// cannot (green's own code runs), it asks again after twice the wait, up to
// 10 ms. The watchdog sleeps half the hand-off delay while some hub runs, and
// backs off to 10 ms while every hub polls: nothing to do costs nothing.
// For hand-off the handler runs on the interrupted stack (no SA_ONSTACK): it
// is the green thread's own, and the green thread resumes from it elsewhere.
//
// The handler runs with SA_RESTART: an interrupted read or write carries on.
// Calls that never restart (nanosleep, poll, epoll_wait) return EINTR once,
// as with any signal; a SIGURG that is not ours goes to the handler installed
// before ours.
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "core/fork.h"
#include "core/handoff.h"
#include "core/hub_core.h"
#include "core/hub_set.h"
#include "diag/diagnostics.h"
#include "diag/signal_safe.h"
#include "green/settings.h"
#include "raw_syscall.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

constexpr int kReportSignal = SIGURG;
using Clock = std::chrono::steady_clock;

// Watched: one hub, as the watchdog sees it. Created and removed by the hub's
// thread (under Monitor::mutex); the other fields belong to the watchdog.
struct Watched {
  const std::atomic<unsigned long long>* switches = nullptr;
  const std::atomic<bool>* may_hand_off = nullptr;
  std::atomic<bool>* handoff_asked = nullptr;
  std::atomic<bool> polling{false};
  pid_t tid = 0;
  unsigned long long last = ~0ull;
  Clock::time_point since;
  bool reported = false;
  Clock::duration handoff_wait{};  // hand-off: how long this episode waits before the next attempt
  Clock::time_point handoff_at;    // when the next attempt is due
};

struct Monitor {
  std::mutex mutex;
  std::vector<Watched*> hubs;
  unsigned long long limit_ms = 0;
};
// Never destroyed: the watchdog is detached and may run while the process exits.
Monitor* g_monitor = nullptr;
std::once_flag g_started;

// Set by the watchdog right before it signals; taken by the handler.
std::atomic<bool> g_request{false};
std::atomic<void (*)()> g_deadlock_reporter{nullptr};
std::atomic<unsigned long long> g_elapsed_ms{0};
struct sigaction g_previous;

void chain(int sig, siginfo_t* info, void* uctx) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) g_previous.sa_sigaction(sig, info, uctx);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
  }
}

void on_report_signal(int sig, siginfo_t* info, void* uctx) {
  int saved_errno = errno;
  // The hub this thread runs (a green thread's descriptor names it too): each
  // hub is asked on its own, several in one look of the watchdog.
  Hub* here = Hub::peek_in_signal();
  if (info->si_code == SI_TKILL && info->si_pid == ::getpid() && here && here->handoff_asked().exchange(false)) {
    // On success this returns on a spare OS thread, in the green thread that
    // ran here; errno is that green thread's own.
    bool went = handoff_try(uctx);
    if (went || !g_request.load()) {
      errno = saved_errno;
      return;
    }
  }
  if (info->si_code != SI_TKILL || info->si_pid != ::getpid() || !g_request.exchange(false)) {
    chain(sig, info, uctx);
    errno = saved_errno;
    return;
  }
  SignalLine line;
  Hub* hub = here;
  GreenletCore* g = hub ? hub->current() : nullptr;
  if (g == nullptr) {
    line.add("green: this thread");
  } else if (hub->in_hub()) {
    line.add("green: the hub (a callback it runs: link, posted function, timer)");
  } else {
    line.add("green: greenlet '");
    add_name(line, *g);
    line.add("'");
  }
  line.add(" has run for ");
  line.add(g_elapsed_ms.load());
  line.add(" ms without yielding (GREEN_MAX_BLOCKING_MS=");
  line.add(g_monitor->limit_ms);
  line.add("); every other greenlet of its thread waits meanwhile. It is running:\n");
  line.write_to(2);
  void* frames[48];
  int n = ::backtrace(frames, 48);
  ::backtrace_symbols_fd(frames, n, 2);
  errno = saved_errno;
}

constexpr Clock::duration kIdlePeriod = std::chrono::milliseconds(10);

// ask_handoff: the hand-off part of one look at a stuck hub.
void ask_handoff(Watched* w, Clock::time_point now, Clock::duration delay) {
  if (w->handoff_wait == Clock::duration{}) {
    w->handoff_wait = delay;
    w->handoff_at = w->since + delay;
  }
  if (now < w->handoff_at) return;
  handoff_keep_spare_ready();
  w->handoff_wait = std::min<Clock::duration>(w->handoff_wait * 2, kIdlePeriod);
  w->handoff_at = now + w->handoff_wait;
  w->handoff_asked->store(true);
  green::detail::sys(SYS_tgkill, ::getpid(), w->tid, kReportSignal);
}

void watch() {
  const unsigned long long limit_ms = g_monitor->limit_ms;
  auto limit = std::chrono::milliseconds(limit_ms);
  const bool handoff = handoff_enabled();
  const Clock::duration delay = std::chrono::microseconds(handoff_delay_us());
  Clock::duration busy_period = kIdlePeriod;
  if (limit_ms) busy_period = std::max<Clock::duration>(limit / 4, std::chrono::milliseconds(1));
  if (handoff)
    busy_period = std::min<Clock::duration>(busy_period,
                                            std::max<Clock::duration>(delay / 2, std::chrono::microseconds(50)));
  Clock::duration period = busy_period;
  for (;;) {
    std::this_thread::sleep_for(period);
    std::lock_guard<std::mutex> lock(g_monitor->mutex);
    auto now = Clock::now();
    bool all_idle = true;
    for (Watched* w : g_monitor->hubs) {
      unsigned long long count = w->switches->load(std::memory_order_relaxed);
      if (w->polling.load(std::memory_order_relaxed)) {
        w->last = ~0ull;  // idle: whatever runs next starts a new episode
        continue;
      }
      all_idle = false;
      if (count != w->last) {
        w->last = count;
        w->since = now;
        w->reported = false;
        w->handoff_wait = {};
        continue;
      }
      if (handoff && w->may_hand_off->load(std::memory_order_relaxed)) ask_handoff(w, now, delay);
      if (!limit_ms || w->reported || now - w->since < limit) continue;
      w->reported = true;
      g_elapsed_ms.store(static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - w->since).count()));
      g_request.store(true);
      green::detail::sys(SYS_tgkill, ::getpid(), w->tid, kReportSignal);
    }
    if (hub_set_all_stuck())
      if (auto report = g_deadlock_reporter.load(std::memory_order_acquire)) report();
    period = all_idle ? std::min<Clock::duration>(period * 2, kIdlePeriod) : busy_period;
  }
}

void start(unsigned long long limit_ms) {
  g_monitor = new Monitor;
  g_monitor->limit_ms = limit_ms;
  // The first backtrace() loads libgcc's unwinder (malloc, dlopen): not in the handler.
  void* warm[1];
  (void)::backtrace(warm, 1);
  struct sigaction sa {};
  sa.sa_sigaction = &on_report_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART | (handoff_enabled() ? 0 : SA_ONSTACK);
  sigemptyset(&sa.sa_mask);
  ::sigaction(kReportSignal, &sa, &g_previous);
  // A real thread even when the program's pthreads are greenlets: it must run while they do not yield.
  start_named_thread(
      "green-monitor", [](void*) { watch(); }, nullptr);
}

// Unwatches this thread's hub at thread exit, before the hub goes (constructed
// after it in the same thread, so destroyed first).
struct Unwatch {
  Watched* watched = nullptr;
  EventLoop* loop = nullptr;
  ~Unwatch() {
    if (!watched) return;
    std::lock_guard<std::mutex> lock(g_monitor->mutex);
    auto& hubs = g_monitor->hubs;
    hubs.erase(std::remove(hubs.begin(), hubs.end(), watched), hubs.end());
    loop->track_polling(nullptr);
    delete watched;
  }
};
thread_local Unwatch t_unwatch;

}  // namespace

void monitor_after_fork_child() noexcept {
  handoff_after_fork_child();
  if (!g_monitor) return;
  // The watchdog thread is gone and may have held the mutex.
  new (&g_monitor->mutex) std::mutex;
  g_monitor->hubs.clear();  // other threads' hubs never run here
  if (Watched* w = t_unwatch.watched) {
    w->tid = static_cast<pid_t>(green::detail::os_tid());
    w->last = ~0ull;
    w->reported = false;
    g_monitor->hubs.push_back(w);
  }
  try {
    start_named_thread(
        "green-monitor", [](void*) { watch(); }, nullptr);
  } catch (...) {
    // No thread, no monitor in this child; nothing else depends on it.
  }
}

void set_deadlock_reporter(void (*report)()) noexcept { g_deadlock_reporter.store(report, std::memory_order_release); }

void monitor_hub_created(Hub& hub) {
  static const unsigned long long limit_ms = setting_number("GREEN_MAX_BLOCKING_MS");
  if ((limit_ms == 0 && !handoff_enabled() && !hub_set_wanted()) || t_unwatch.watched) return;
  std::call_once(g_started, start, limit_ms);
  auto* w = new Watched;
  w->switches = &hub.switch_count();
  w->may_hand_off = &hub.may_hand_off();
  w->handoff_asked = &hub.handoff_asked();
  w->tid = static_cast<pid_t>(green::detail::os_tid());
  hub.loop().track_polling(&w->polling);
  std::lock_guard<std::mutex> lock(g_monitor->mutex);
  g_monitor->hubs.push_back(w);
  t_unwatch.watched = w;
  t_unwatch.loop = &hub.loop();
}

}  // namespace green::detail
