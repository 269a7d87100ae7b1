// greenlet/timeout.cpp — green::Timeout (green/timeout.h).
#include "green/timeout.h"

#include <atomic>
#include <cstdio>

#include "core/hub_core.h"
#include "green/detail/sched.h"

namespace green {

// State: the owner's armed timer and whom it fires at.
struct Timeout::State {
  State(Timeout* o) : timer(&State::fire, this), owner(o) {}
  static void fire(void* arg) {
    auto* s = static_cast<State*>(arg);
    detail::GreenletCore* g = s->target;
    // The first exception delivered wins: a kill already on its way is not
    // replaced by a timeout.
    if (!g->pending_) g->pending_ = s->exc ? s->exc : std::make_exception_ptr(Timeout(*s->owner));
    detail::wake(g);
  }
  detail::Timer timer;
  Timeout* owner;
  detail::GreenletCore* target = nullptr;
  std::exception_ptr exc;
};

namespace {
std::uint64_t next_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}
}  // namespace

Timeout::Timeout(Duration d, std::exception_ptr exc) : id_(next_id()), duration_(d) {
  std::snprintf(what_, sizeof what_, "green::Timeout: %lld us passed", static_cast<long long>(d.count() / 1000));
  if (d == forever) return;
  detail::Hub& hub = detail::Hub::get();
  state_ = new State(this);
  state_->target = hub.current();
  state_->exc = std::move(exc);
  state_->timer.start(hub.loop(), d, state_->target);
}

Timeout::Timeout(const Timeout& other) noexcept : id_(other.id_), duration_(other.duration_) {
  __builtin_memcpy(what_, other.what_, sizeof what_);
}

Timeout::Timeout(Unarmed, Duration d) noexcept : id_(next_id()), duration_(d) {
  std::snprintf(what_, sizeof what_, "green::Timeout: %lld us passed", static_cast<long long>(d.count() / 1000));
}

Timeout::~Timeout() { cancel(); }

void Timeout::cancel() noexcept {
  delete state_;
  state_ = nullptr;
}

bool Timeout::pending() const noexcept { return state_ && state_->timer.active(); }

Timeout Timeout::expired(Duration d) { return Timeout(Unarmed{}, d); }

}  // namespace green
