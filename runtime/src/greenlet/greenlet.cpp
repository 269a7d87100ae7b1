// greenlet/greenlet.cpp — spawn, join, get, kill and link, on top of the hub.
#include <string>
#include <system_error>

#include "core/container_of.h"
#include "core/hub_core.h"
#include "core/hub_switch.h"
#include "green/detail/waitlist.h"
#include "green/errors.h"
#include "green/greenlet.h"
#include "green/settings.h"
#include "green/timeout.h"
#include "green/waiter.h"

namespace green::detail {

namespace {

// A greenlet that never ran when its thread exits will never run: let it go.
// One that ran is left alone: its stack holds live frames nobody can unwind.
const RunnableOps greenlet_ops{nullptr, [](Runnable* r) {
                                 auto& g = static_cast<GreenletCore&>(*r);
                                 if (g.state_ == GreenletCore::State::created) auto keep = std::move(g.self_);
                               }};

}  // namespace

GreenletCore::GreenletCore(std::size_t stack_size) noexcept : Runnable(greenlet_ops) { fiber_.stack_size = stack_size; }

GreenletCore& GreenletCore::of(FiberState* f) noexcept { return *GREEN_CONTAINER_OF(f, GreenletCore, fiber_); }

GreenletCore::~GreenletCore() {
  if (start_timer_) delete static_cast<Timer*>(start_timer_);
  if (Runnable::linked())
    if (Hub* h = Hub::peek()) h->unqueue(*this);
}

const std::string& GreenletCore::name() {
  if (!name_ || name_->empty()) set_name("Greenlet-" + std::to_string(id_));
  return *name_;
}

void GreenletCore::after_notify() noexcept {
  // Links have fired: the runtime's reference is no longer needed. This may
  // destroy *this; nothing may follow.
  auto keep = std::move(self_);
}

std::size_t default_stack_size() {
  static const std::size_t size = [] {
    auto n = static_cast<std::size_t>(setting_number("GREEN_STACK_SIZE"));
#if defined(GREEN_ASAN) || defined(GREEN_TSAN)
    n *= 4;  // sanitizer frames are several times larger
#endif
    return n;
  }();
  return size;
}

GreenletCore* current_core() { return Hub::get().current(); }

std::shared_ptr<GreenletCore> current_shared() {
  Hub& hub = Hub::get();
  GreenletCore* c = hub.current();
  if (c->is_main_) return hub.main();
  if (c->self_) return c->self_;
  throw std::logic_error("green: getcurrent() called from the hub; there is no current greenlet there");
}

void start_core(const std::shared_ptr<GreenletCore>& g, Duration delay, std::string&& name) {
  if (!name.empty()) g->set_name(std::move(name));
  Hub::get().start(g, delay);
}

// wait_linkable's work, parking in the hub directly (hub_switch.h): a join is
// the one wait every spawn ends in, and each frame between the switch and the
// caller is a return the CPU mispredicts when the joiner resumes.
bool join_core(GreenletCore& g, Duration timeout) {
  if (g.ready()) return true;
  Hub& hub = Hub::get();
  GreenletCore* me = hub.current();
  if (&g == me) throw std::logic_error("green: a greenlet cannot join itself: it would wait forever");
  struct Node final : LinkNode {
    GreenletCore* joiner;
    bool fired = false;
    explicit Node(GreenletCore* j) noexcept : joiner(j) {}
    ~Node() {
      Linkable::unlink(*this);
      joiner->wait_greenlet_ = nullptr;
    }
    void fire() override {
      fired = true;
      joiner->hub_->wake(joiner);
    }
  } node(me);
  me->wait_greenlet_ = &g;
  g.rawlink(node);
  hub.park_until(node.fired, timeout, "join: a greenlet to finish");
  return g.ready();
}

void get_wait(GreenletCore& g, Duration timeout) {
  if (!join_core(g, timeout)) throw Timeout::expired(timeout);
  if (!g.successful_) std::rethrow_exception(g.exception_);
}

bool kill_core(GreenletCore& g, std::exception_ptr exc, bool block, Duration timeout) {
  if (!exc) exc = std::make_exception_ptr(GreenletExit());
  if (g.ready()) return true;
  Hub& hub = Hub::get();
  if (&g == hub.current()) std::rethrow_exception(exc);
  if (g.state_ == GreenletCore::State::created) {
    hub.kill_unstarted(g, std::move(exc));
    return true;
  }
  if (!g.pending_) g.pending_ = std::move(exc);
  hub.wake(&g);
  if (!block) return g.ready();
  return join_core(g, timeout);
}

}  // namespace green::detail
