// core/runtime_internal.cpp — runtime_internal.h, but for its fd waits (fd_wait.cpp).
#include "runtime_internal.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>
#include <exception>
#include <thread>

#include "core/hub_core.h"
#include "green/detail/sched.h"
#include "raw_syscall.h"

namespace green::detail {

bool hub_exists() noexcept { return Hub::peek() != nullptr; }

int os_tid() noexcept { return static_cast<int>(raw_syscall(SYS_gettid)); }

EventLoop* this_thread_loop() noexcept {
  Hub* h = Hub::peek();
  return h ? &h->loop() : nullptr;
}

void forget_watches_on(EventLoop* loop, int fd) noexcept {
  if (loop) loop->forget_watches(fd);
}

bool parking_reaches_loop() noexcept {
  Hub* h = Hub::peek();
  return !h || (!h->in_hub() && h->nothing_ready());
}

GreenletCore* running_greenlet() noexcept {
  Hub* h = Hub::peek();
  return h && !h->in_hub() ? h->current() : nullptr;
}

void wake_queued(GreenletCore* g) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  Hub& hub = *g->hub_;
  bool was = hub.defer_wakes_;
  hub.defer_wakes_ = true;
  hub.wake(g);
  hub.defer_wakes_ = was;
}

void interrupt(GreenletCore* g, std::exception_ptr e) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  if (!g->pending_) g->pending_ = std::move(e);
  wake_queued(g);
}

namespace {
thread_local int t_native_threads = 0;
}
NativeThreads::NativeThreads() noexcept { ++t_native_threads; }
NativeThreads::~NativeThreads() { --t_native_threads; }
bool native_threads_requested() noexcept { return t_native_threads > 0; }

void start_named_thread(const char* name, void (*fn)(void*), void* arg) {
  std::atomic<bool> named{false};
  {
    NativeThreads native;
    std::thread([&named, name, fn, arg] {
      ::prctl(PR_SET_NAME, name);
      named.store(true, std::memory_order_release);  // `named` is the creator's: not touched after this
      fn(arg);
    }).detach();
  }
  // Until the new thread is past its last use of `named` (a made thread
  // always runs). Raw sleeps: the creator may be a greenlet, whose nanosleep
  // would park.
  const timespec tick{0, 50000};
  while (!named.load(std::memory_order_acquire)) raw_syscall(SYS_nanosleep, reinterpret_cast<long>(&tick), 0);
}

}  // namespace green::detail
