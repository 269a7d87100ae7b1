// core/hub.cpp — the scheduler: park, wake, pick_next, and the hub fiber's loop.
// See hub_core.h for who runs when, and docs/architecture.md for one iteration.
#include "core/hub_core.h"
#include "core/hub_switch.h"

#include <sys/syscall.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "core/fork.h"
#include "core/handoff.h"
#include "core/thread_pointer.h"
#include "diag/diagnostics.h"
#include "green/error_handler.h"
#include "green/errors.h"
#include "green/settings.h"
#include "raw_syscall.h"
#include "runtime_internal.h"

namespace green::detail {

constinit thread_local Hub* Hub::tls_hub_ = nullptr;
constinit thread_local GreenletCore* Hub::tls_away_ = nullptr;

namespace {

// The main greenlet (the thread's own stack) and the hub fiber are greenlets
// that never run a body.
class SpecialCore final : public GreenletCore {
 public:
  using GreenletCore::GreenletCore;
  void body() override {}
  void drop_body() noexcept override {}
};

constexpr std::size_t kHubStack = 256 * 1024;

Stack stack_of(const FiberState& f) noexcept {
  return Stack{f.stack_base, f.stack_size, static_cast<Slab*>(f.stack_slab)};
}

// Destroys the hub when its thread exits — but one of N hubs (hub_set.h),
// which the watchdog and the other hubs keep reading and posting to while the
// process lives: its thread ends only with main's (the process exits).
struct HubOwner {
  Hub* hub = nullptr;
  ~HubOwner() {
    if (hub && hub->set_index() < 0) delete hub;
  }
};
thread_local HubOwner tls_owner;

}  // namespace

Hub& Hub::create() {
  auto* h = new Hub();
  tls_owner.hub = h;
  tls_hub_ = h;
  diagnostics_hub_created(*h);
  return *h;
}

Hub::Hub()
    : errno_offset_(reinterpret_cast<char*>(&errno) - static_cast<char*>(thread_pointer())),
      os_tp_(thread_pointer()),
      main_(std::make_shared<SpecialCore>(0)),
      hub_core_(std::make_shared<SpecialCore>(kHubStack)),
      stacks_(static_cast<std::size_t>(setting_number("GREEN_STACK_POOL"))),
      mailbox_(std::make_shared<Mailbox>()),
      batch_budget_(std::chrono::microseconds(setting_number("GREEN_MAX_BATCH_US"))),
      tid_(os_tid()) {
  main_->is_main_ = true;
  main_->set_name("main");
  main_->state_ = GreenletCore::State::running;
  main_->hub_ = this;
  fiber_adopt_thread(main_->fiber_);
  current_ = main_.get();

  hub_core_->set_name("hub");
  hub_core_->hub_ = this;
  Stack s = stack_map(kHubStack);
  hub_core_->fiber_.stack_base = s.base;
  hub_core_->fiber_.stack_size = s.size;
  hub_core_->fiber_.stack_slab = s.slab;
  fiber_prepare(hub_core_->fiber_, &Hub::hub_entry);

  mailbox_->loop = &loop_;
  loop_.set_async(&Hub::on_async, this);
}

Hub::~Hub() {
  if (trace_on()) trace_hub_gone();
  {
    std::lock_guard<std::mutex> lock(mailbox_->mutex);
    mailbox_->loop = nullptr;
  }
  // Exiting from inside a greenlet (exit() in a spawned greenlet): every stack
  // may still be in use, including the one we run on. Leave it all to the OS.
  if (current_ != main_.get()) {
    tls_hub_ = nullptr;
    return;
  }
  // Queued work will never run: drop what it holds (dead greenlets waiting for
  // their links, greenlets that never started). Still reachable as this
  // thread's hub meanwhile, so objects destroyed on the way can unqueue themselves.
  while (auto* r = static_cast<Runnable*>(ready_.pop_front()))
    if (r->ops->discard) r->ops->discard(r);
  tls_hub_ = nullptr;
  fiber_release(hub_core_->fiber_);
  stack_unmap(stack_of(hub_core_->fiber_));
}

// --- switching -----------------------------------------------------------

bool Hub::prepare_first(GreenletCore& g) noexcept {
  try {
    Stack s = stacks_.take(g.fiber_.stack_size);
    g.fiber_.stack_base = s.base;
    g.fiber_.stack_size = s.size;
    g.fiber_.stack_slab = s.slab;
  } catch (...) {
    finish(g, std::current_exception(), true);
    return false;
  }
  fiber_prepare(g.fiber_, &Hub::greenlet_entry);
  return true;
}

void Hub::recycle(FiberState* from) noexcept {
  // Nothing runs on a finished greenlet's stack any more: recycle it.
  fiber_release(*from);
  stacks_.give(stack_of(*from));
  from->stack_base = nullptr;
  from->stack_size = 0;
  from->stack_slab = nullptr;
  from->finished = false;
  // Its links fired before it switched away (greenlet_entry); the runtime's
  // reference goes now. May destroy the greenlet, `from` with it: nothing may follow.
  GreenletCore::of(from).after_notify();
}

// Out of line: the clock's timespec would be an addressed local of every
// caller, which keeps yield_switch from making its jump a tail call.
// A due timer ends a chain of handoffs too, and tells run_ready to look at
// the clock even if the chain was a single handoff: the hub fires it.
bool Hub::within_batch() noexcept {
  const Deadline now = Deadline::now();
  if (now >= batch_deadline_) return false;
  timer_cut_ = loop_.timer_due(now);
  return !timer_cut_;
}

void Hub::throw_pending(GreenletCore& g) { std::rethrow_exception(std::exchange(g.pending_, nullptr)); }

// --- the public scheduling operations -------------------------------------

bool Hub::park(const char* reason, Duration timeout) {
  GreenletCore* me = current_;
  if (in_hub()) {
    throw BlockingInHubError(std::string("green: blocking call (") + reason +
                             ") made inside the hub, e.g. from a link callback or a function posted to the "
                             "hub; the hub cannot wait without stopping every greenlet. Spawn a greenlet "
                             "for blocking work.");
  }
  if (me->pending_) throw_pending(*me);
  if (timeout <= Duration::zero()) return false;

  struct Expiry {
    GreenletCore* g;
    bool fired = false;
  } expiry{me};
  // No timer at all for a wait without a timeout (joins, most fd waits).
  std::optional<Timer> timer;
  me->wait_deadline_ = Deadline::never();
  if (timeout != forever) {
    timer.emplace(
        [](void* arg) {
          auto* e = static_cast<Expiry*>(arg);
          e->fired = true;
          e->g->hub_->wake(e->g);
        },
        &expiry);
    timer->start(loop_, timeout, me);
    me->wait_deadline_ = Deadline::after(timeout);
  }

  park_switch(*me, reason);
  timer.reset();
  if (me->pending_) throw_pending(*me);
  return !expiry.fired;
}

void Hub::wake(GreenletCore* g) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  if (current_ == hub_core_.get() && !defer_wakes_) {
    switch_to(*g);  // straight into the waiter: no trip through the queue
    return;
  }
  g->state_ = GreenletCore::State::ready;
  schedule(*g);
}

void Hub::yield() { yield_landed(yield_switch()); }

void Hub::refuse_yield_in_hub() {
  park("sleep(0)", Duration::zero());  // in the hub: throws
  std::abort();
}

// The jump is the tail call: the greenlet resumed lands straight in its own
// caller of yield_switch (green::yield, inline in user code), not in a return
// from here — a return whose predicted address would be the other greenlet's.
boost::context::detail::transfer_t Hub::yield_switch() {
  GreenletCore* me = current_;
  if (in_hub()) refuse_yield_in_hub();
  me->state_ = GreenletCore::State::ready;
  schedule(*me);
  // When the budget sends us to the hub we stay queued: the hub polls, then
  // resumes the queue with us in it.
  GreenletCore* next = pick_next();
  if (next == me) return stay_running(*me);
  me->fiber_.saved_errno = *errno_location();  // not on this frame: it is gone when we resume
  begin_switch(*next);                         // may install next's descriptor: errno is read above
  return fiber_jump(me->fiber_, next->fiber_, yield_record_);
}

// Out of line, as the jump is: GCC turns a function into tail calls only when
// every path returns a call's result.
boost::context::detail::transfer_t Hub::stay_running(GreenletCore& me) noexcept {
  me.state_ = GreenletCore::State::running;
  return {nullptr, nullptr};
}

void Hub::yield_landed(boost::context::detail::transfer_t t) {
  GreenletCore* me = current_;
  if (t.fctx) {
    after_switch(fiber_land(t));
    *errno_location() = me->fiber_.saved_errno;
  }
  if (me->pending_) throw_pending(*me);
}

void Hub::start(const std::shared_ptr<GreenletCore>& g, Duration delay) {
  g->hub_ = this;
  g->self_ = g;
  g->id_ = ++next_id_;
  ++live_;
  greenlets_.push_back(static_cast<RegistryNode&>(*g));
  if (delay <= Duration::zero()) {
    schedule(*g);
    return;
  }
  auto* t = new Timer(
      [](void* arg) {
        auto* core = static_cast<GreenletCore*>(arg);
        delete static_cast<Timer*>(core->start_timer_);
        core->start_timer_ = nullptr;
        core->hub_->schedule(*core);
      },
      g.get());
  g->start_timer_ = t;
  t->start(loop_, delay, g.get());
}

void Hub::kill_unstarted(GreenletCore& g, std::exception_ptr e) noexcept {
  if (g.start_timer_) {
    delete static_cast<Timer*>(g.start_timer_);
    g.start_timer_ = nullptr;
  }
  unqueue(g);
  bool failed = true;
  try {
    std::rethrow_exception(e);
  } catch (const GreenletExit&) {
    failed = false;
  } catch (...) {
  }
  finish(g, std::move(e), failed);
}

void Hub::finish(GreenletCore& g, std::exception_ptr exc, bool failed, bool notify) noexcept {
  g.state_ = GreenletCore::State::dead;
  g.wait_reason_ = nullptr;
  IntrusiveList::remove(static_cast<RegistryNode&>(g));
  g.exception_ = std::move(exc);
  g.successful_ = !failed;
  if (failed) report_error(g.name(), g.exception_);
  g.drop_body();
  --live_;
  if (notify) g.notify_links();  // self_ is released once the links fired
}

// --- the fibers' entry points ----------------------------------------------

void Hub::greenlet_entry(FiberState* self, FiberState* from) {
  auto& g = GreenletCore::of(self);
  Hub& hub = *g.hub_;
  hub.after_switch(from);
  std::exception_ptr exc;
  bool failed = false;
  try {
    g.body();
  } catch (const GreenletExit&) {
    exc = std::current_exception();
  } catch (...) {
    exc = std::current_exception();
    failed = true;
  }
  hub.finish(g, std::move(exc), failed, false);
  // The links fire here, on the dead greenlet's own stack, rather than from a
  // hub callback: a joiner is then queued at once and the next greenlet runs
  // without a trip through the hub (two switches per join instead of three).
  // As in the hub, they must not block: park() refuses a dead greenlet.
  g.fire_links_now();
  self->finished = true;  // after_switch recycles the stack and drops self_
  hub.switch_to(*hub.pick_next());
  std::abort();  // a finished greenlet is never resumed
}

void Hub::hub_entry(FiberState* self, FiberState* from) {
  Hub& hub = *GreenletCore::of(self).hub_;
  hub.after_switch(from);
  hub.run();
}

void Hub::run() {
  for (;;) {
    if (trace_on()) [[unlikely]]
      trace_hub_iteration();
    run_ready();
    if (ready_.empty() && !idlers_.empty()) {
      // Poll once without blocking: I/O and due timers come before idle().
      in_loop_ = true;
      loop_.run_once(false);
      in_loop_ = false;
      if (ready_.empty()) wake_idlers();
      continue;
    }
    if (ready_.empty() && nothing_can_wake()) {
      report_block_forever();
      continue;
    }
    const bool block = ready_.empty();
    // One of N hubs: say so when nothing of ours can end this sleep.
    const bool stuck = set_holds_ != 0 && block && only_set_holds();
    if (stuck) [[unlikely]]
      stuck_.store(true, std::memory_order_release);
    in_loop_ = true;
    loop_.run_once(block);
    in_loop_ = false;
    if (stuck) [[unlikely]]
      stuck_.store(false, std::memory_order_release);
  }
}

void Hub::run_ready() {
  batch_deadline_ = Deadline::after(batch_budget_);
  direct_switches_ = 0;
  unsigned n = 0;
  while (auto* r = static_cast<Runnable*>(ready_.pop_front())) {
    const unsigned handoffs = direct_switches_;
    if (!r->is_greenlet()) {
      r->ops->run(r);
    } else {
      auto* g = static_cast<GreenletCore*>(r);
      if (prepare(*g)) switch_to(*g);
    }
    // Time-bounded batch: ready work cannot starve I/O polling and timers.
    // The clock is read every 16 entries, and after any entry that went on
    // into a chain of direct handoffs (pick_next: up to 64 greenlets) — a
    // clock read per entry would cost more than a cheap entry itself.
    if (direct_switches_ - handoffs > 1 || (++n & 15) == 0 || timer_cut_) {
      timer_cut_ = false;
      const Deadline now = Deadline::now();
      if (now > batch_deadline_) break;
      if (loop_.timer_due(now)) fire_timers_in_batch();
    }
  }
}

// A timer that comes due in the middle of a long batch fires there, not at
// the batch's end: with 100,000 greenlets starting, the timers due meanwhile
// were late by up to the whole budget (p99 0.84 ms against 0.17-0.23 ms for
// the timers due after the start). As in the loop's dispatch, the greenlets
// the timers wake run at once and come back here when they park.
void Hub::fire_timers_in_batch() {
  in_loop_ = true;
  loop_.fire_due_timers();
  in_loop_ = false;
}

bool Hub::nothing_can_wake() noexcept {
  if (loop_.armed() != 0 || keepalives_ != 0) return false;
  std::lock_guard<std::mutex> lock(mailbox_->mutex);
  return mailbox_->posted.empty();
}

bool Hub::only_set_holds() noexcept {
  if (loop_.armed() != 0 || keepalives_ != set_holds_) return false;
  std::lock_guard<std::mutex> lock(mailbox_->mutex);
  return mailbox_->posted.empty();
}

void Hub::hold_for_set() noexcept {
  if (set_holds_ != 0) return;
  set_holds_ = 1;
  keepalive_add();
}

void Hub::release_for_set() noexcept {
  if (set_holds_ == 0) return;
  set_holds_ = 0;
  keepalive_drop();
}

void Hub::report_block_forever() {
  GreenletCore& m = *main_;
  // A forked child whose forking greenlet (and what it spawned) finished.
  if (m.state_ == GreenletCore::State::abandoned) fork_child_done();
  if (m.state_ != GreenletCore::State::parked) {
    std::fprintf(stderr, "green: internal error: the hub has nothing to do, yet the main greenlet is not parked\n");
    std::abort();
  }
  if (main_waits_quiet_) {  // green::wait(): the end it waits for, not an error
    quiet_reached_ = true;
    switch_to(m);
    return;
  }
  {
    // Scoped: the hub stays suspended here until something runs it again, which
    // may be never (the program exits after catching LoopExit); strings still
    // alive on its stack would then leak.
    std::string what = m.wait_reason_ ? m.wait_reason_ : "something";
    if (m.wait_greenlet_) what += " (" + m.wait_greenlet_->name() + ")";
    if (m.wait_fd_ >= 0) what += " (fd " + std::to_string(m.wait_fd_) + ")";
    std::string msg = "this operation would block forever: the main greenlet waits for " + what +
                      ", and nothing can wake it (no greenlet is ready, and no timer, fd watch or "
                      "KeepAlive is active)";
    if (live_ != 0) msg += "; " + std::to_string(live_) + " spawned greenlet(s) are parked forever too";
    msg += "\n" + dump_hub_text(*this, "  ");
    m.pending_ = std::make_exception_ptr(LoopExit(msg));
  }
  switch_to(m);
}

void Hub::install_thread_pointer(void* tp) noexcept {
  set_thread_pointer(tp ? tp : os_tp_);
  installed_tp_ = tp;
  may_hand_off_.store(tp != nullptr && current_ != hub_core_.get(), std::memory_order_relaxed);
  if (tp) tp_switching_ = true;  // from now on every switch checks
}

// The hub runs on whichever descriptor is installed: only green's own code
// runs there, and it reads the same values in every descriptor (green's
// thread_locals are copied into each, or reached per OS thread; errno is
// saved and restored by each greenlet in its own). So a green thread that
// parks and the next one that runs cost one fs-base write, not two. A
// descriptor stops being installed before it is freed (thread_pointer_changed).
void Hub::switch_thread_pointer(GreenletCore& next) noexcept {
  const ThreadRecord* record = next.thread_record_;
  void* tp = record ? record->thread_pointer : nullptr;
  // Only such a green thread could be handed off: the watchdog signals this
  // thread only while one runs (a single-threaded program never gets SIGURG).
  may_hand_off_.store(tp != nullptr && &next != hub_core_.get(), std::memory_order_relaxed);
  if (tp == installed_tp_ || &next == hub_core_.get()) return;
  install_thread_pointer(tp);
}

// --- hand-off (core/handoff.h) ----------------------------------------

// In a signal handler that interrupted `g` in its own code (handoff_try made
// sure): nothing here may allocate or lock — `g` may hold malloc's lock, and
// it runs again only once the hub has landed and given it to its spare.
void Hub::displace(GreenletCore& g) noexcept {
  g.state_ = GreenletCore::State::parked;
  g.wait_reason_ = "running on a spare OS thread (hand-off)";
  g.fiber_.away = true;
  tls_away_ = &g;  // in g's own descriptor: what brings it back
  may_hand_off_.store(false, std::memory_order_relaxed);
  GreenletCore& hub = *hub_core_;
  current_ = &hub;
  hub.state_ = GreenletCore::State::running;
  // Not g's descriptor: g goes on with it on the spare.
  install_thread_pointer(nullptr);
  switches_.store(switches_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  fiber_switch(g.fiber_, hub.fiber_);
  // On the spare, which switched in from its own stack: nothing to recycle.
}

void Hub::send_away(FiberState* from) noexcept {
  from->away = false;
  keepalive_add();  // it will be back: the hub cannot be out of work meanwhile
  handoff_give_job(from);
}

void Hub::come_back() noexcept {
  GreenletCore* g = tls_away_;
  FiberState* from = fiber_switch(g->fiber_, handoff_spare_home(handoff_spare_of(g)));
  // Resumed by the hub, on its thread, like any woken greenlet (come_home
  // cleared tls_away_ already: a signal handler on the hub's thread right
  // after the switch installed g's descriptor must not see it set).
  g->wait_reason_ = nullptr;
  g->hub_->after_switch(from);
}

void Hub::post_come_home(GreenletCore* g) {
  mailbox_post(*mailbox_, [this, g] { come_home(g); });
}

void Hub::come_home(GreenletCore* g) noexcept {
  keepalive_drop();
  void* tp = g->thread_record_->thread_pointer;
  // g's own copy of tls_away_, through its descriptor: static TLS sits at the
  // same offset from every thread pointer.
  auto* here = reinterpret_cast<char*>(&tls_away_);
  *reinterpret_cast<GreenletCore**>(here - static_cast<char*>(thread_pointer()) + static_cast<char*>(tp)) = nullptr;
  wake(g);
}

// --- cross-thread, counters -------------------------------------------

bool mailbox_post(Mailbox& m, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(m.mutex);
  if (!m.loop) return false;
  m.posted.push_back(std::move(fn));
  m.pending.fetch_add(1, std::memory_order_acq_rel);
  // Under the lock: the hub clears `loop` under the same lock before it goes.
  m.loop->async_send();
  return true;
}

void Hub::on_async(void* arg) {
  auto* hub = static_cast<Hub*>(arg);
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(hub->mailbox_->mutex);
    work.swap(hub->mailbox_->posted);
  }
  // Wakes queue instead of switching until the whole batch ran: a posted
  // function that wakes a greenlet must not suspend the hub in the middle of
  // `work`, delaying the rest of the batch (and leaking it if nothing ever
  // runs the hub again).
  bool outer = hub->defer_wakes_;
  hub->defer_wakes_ = true;
  for (auto& fn : work) {
    try {
      fn();
    } catch (...) {
      report_error("green: a function posted to the hub", std::current_exception());
    }
  }
  hub->defer_wakes_ = outer;
  hub->mailbox_->pending.fetch_sub(work.size(), std::memory_order_acq_rel);
}

void Hub::keepalive_add() noexcept {
  if (keepalives_++ == 0) loop_.hold();
}
void Hub::keepalive_drop() noexcept {
  if (--keepalives_ == 0) loop_.release();
}

HubStats Hub::stats() const noexcept {
  HubStats s;
  s.live_greenlets = live_;
  s.active_watchers = loop_.armed();
  s.stacks_in_use = stacks_.in_use();
  s.stacks_pooled = stacks_.pooled();
  s.keepalives = keepalives_;
  s.switches = switches_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace green::detail
