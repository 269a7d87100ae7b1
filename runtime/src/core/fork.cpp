// core/fork.cpp — the child's side of fork() (see fork.h).
#include "core/fork.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include "core/hub_core.h"
#include "core/hub_set.h"
#include "diag/trace.h"

namespace green::detail {

namespace {

void in_child() noexcept {
  if (Hub* hub = Hub::peek()) hub->after_fork_child();
  hub_set_after_fork_child();
  threadpool_after_fork_child();
  monitor_after_fork_child();
  trace_after_fork_child();
}

std::once_flag g_registered;

}  // namespace

void fork_setup() {
  std::call_once(g_registered, [] { ::pthread_atfork(nullptr, nullptr, &in_child); });
}

void fork_child_done() {
  // Like a forked child's usual _exit: the parent's atexit handlers and static
  // destructors are not the child's to run (and main's frames are abandoned).
  std::fflush(nullptr);
  ::_exit(0);
}

void Hub::after_fork_child() noexcept {
  GreenletCore* me = current_;
  // Held, perhaps, by a thread that does not exist here.
  new (&mailbox_->mutex) std::mutex;
  auto abandon = [this](GreenletCore& g) {
    g.state_ = GreenletCore::State::abandoned;
    unqueue(g);
  };
  // Abandoned greenlets stay listed, so a dump in the child shows them.
  live_ = 0;
  greenlets_.for_each([&](ListNode& n) {
    auto& g = GreenletCore::of(n);
    if (&g == me) {
      ++live_;
    } else {
      abandon(g);
    }
  });
  if (me != main_.get()) abandon(*main_);
  // The fd waits all belong to abandoned greenlets (the forker is running).
  fd_slots_.clear();
  loop_.reinit_after_fork();
  // The forking greenlet's timers (a Timeout it armed, its own sleep) go on;
  // those of the greenlets left behind would only keep the loop alive.
  loop_.drop_timers_if([](const void* owner) {
    return owner && static_cast<const GreenletCore*>(owner)->state_ == GreenletCore::State::abandoned;
  });
  if (keepalives_ != 0) loop_.hold();
}

}  // namespace green::detail
