// greenlet/timeout.cpp — green::Timeout (green/timeout.h).
#include "green/timeout.h"

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

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

Timeout::Timeout(Duration d, std::exception_ptr exc) : Timeout(d, deferred, std::move(exc)) { start(); }

Timeout::Timeout(Duration d, Deferred, std::exception_ptr exc)
    : exc_(std::move(exc)), id_(next_id()), duration_(d), owner_(true) {
  describe_duration();
}

Timeout::Timeout(const Timeout& other) noexcept : BaseException(other), id_(other.id_), duration_(other.duration_) {
  __builtin_memcpy(what_, other.what_, sizeof what_);
}

Timeout::Timeout(Unarmed, Duration d) noexcept : id_(next_id()), duration_(d) { describe_duration(); }

Timeout::~Timeout() {
  delete state_;
  state_ = nullptr;
}

void Timeout::describe_duration() noexcept {
  std::snprintf(what_, sizeof what_, "green::Timeout: %lld us passed",
                static_cast<long long>(duration_.count() / 1000));
}

void Timeout::check_startable(const char* call) const {
  if (!owner_)
    throw std::logic_error(std::string("green::Timeout::") + call +
                           ": this Timeout is a copy (a caught or expired() one); start the one that was constructed");
  if (closed_)
    throw std::logic_error(std::string("green::Timeout::") + call + ": the Timeout was closed; make a new one");
}

void Timeout::start() {
  check_startable("start");
  if (pending()) throw std::logic_error("green::Timeout::start: already pending; cancel it first or call restart(d)");
  if (duration_ == forever) return;
  detail::Hub& hub = detail::Hub::get();
  if (!state_) state_ = new State(this);
  state_->target = hub.current();
  state_->exc = exc_;
  state_->timer.start(hub.loop(), duration_, state_->target);
}

void Timeout::restart(Duration d) {
  check_startable("restart");
  cancel();
  duration_ = d;
  describe_duration();
  start();
}

void Timeout::cancel() noexcept {
  if (state_) state_->timer.stop();
}

void Timeout::close() noexcept {
  cancel();
  closed_ = true;
}

bool Timeout::pending() const noexcept { return state_ && state_->timer.active(); }

Timeout Timeout::expired(Duration d) { return Timeout(Unarmed{}, d); }

}  // namespace green
