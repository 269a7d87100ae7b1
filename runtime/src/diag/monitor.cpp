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
#include "core/hub_core.h"
#include "diag/diagnostics.h"
#include "diag/signal_safe.h"
#include "green/settings.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

constexpr int kReportSignal = SIGURG;
using Clock = std::chrono::steady_clock;

// Watched: one hub, as the watchdog sees it. Created and removed by the hub's
// thread (under Monitor::mutex); the other fields belong to the watchdog.
struct Watched {
  const std::atomic<unsigned long long>* switches = nullptr;
  std::atomic<bool> polling{false};
  pid_t tid = 0;
  unsigned long long last = ~0ull;
  Clock::time_point since;
  bool reported = false;
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
  if (info->si_code != SI_TKILL || info->si_pid != ::getpid() || !g_request.exchange(false)) {
    chain(sig, info, uctx);
    errno = saved_errno;
    return;
  }
  SignalLine line;
  Hub* hub = Hub::peek();
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

void watch() {
  auto limit = std::chrono::milliseconds(g_monitor->limit_ms);
  auto period = std::max<std::chrono::milliseconds>(limit / 4, std::chrono::milliseconds(1));
  for (;;) {
    std::this_thread::sleep_for(period);
    std::lock_guard<std::mutex> lock(g_monitor->mutex);
    auto now = Clock::now();
    for (Watched* w : g_monitor->hubs) {
      unsigned long long count = w->switches->load(std::memory_order_relaxed);
      if (w->polling.load(std::memory_order_relaxed)) {
        w->last = ~0ull;  // idle: whatever runs next starts a new episode
        continue;
      }
      if (count != w->last) {
        w->last = count;
        w->since = now;
        w->reported = false;
        continue;
      }
      if (w->reported || now - w->since < limit) continue;
      w->reported = true;
      g_elapsed_ms.store(static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - w->since).count()));
      g_request.store(true);
      ::syscall(SYS_tgkill, ::getpid(), w->tid, kReportSignal);
    }
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
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  ::sigaction(kReportSignal, &sa, &g_previous);
  // A real thread even when the program's pthreads are greenlets: it must run while they do not yield.
  NativeThreads native;
  std::thread(&watch).detach();
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
  if (!g_monitor) return;
  // The watchdog thread is gone and may have held the mutex.
  new (&g_monitor->mutex) std::mutex;
  g_monitor->hubs.clear();  // other threads' hubs never run here
  if (Watched* w = t_unwatch.watched) {
    w->tid = static_cast<pid_t>(::syscall(SYS_gettid));
    w->last = ~0ull;
    w->reported = false;
    g_monitor->hubs.push_back(w);
  }
  try {
    NativeThreads native;
    std::thread(&watch).detach();
  } catch (...) {
    // No thread, no monitor in this child; nothing else depends on it.
  }
}

void monitor_hub_created(Hub& hub) {
  static const unsigned long long limit_ms = setting_number("GREEN_MAX_BLOCKING_MS");
  if (limit_ms == 0) return;
  std::call_once(g_started, start, limit_ms);
  auto* w = new Watched;
  w->switches = &hub.switch_count();
  w->tid = static_cast<pid_t>(::syscall(SYS_gettid));
  hub.loop().track_polling(&w->polling);
  std::lock_guard<std::mutex> lock(g_monitor->mutex);
  g_monitor->hubs.push_back(w);
  t_unwatch.watched = w;
  t_unwatch.loop = &hub.loop();
}

}  // namespace green::detail
