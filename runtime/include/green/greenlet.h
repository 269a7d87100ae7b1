// green/greenlet.h — spawn greenlets and wait for them (gevent.Greenlet).
//
//   auto g = green::spawn([](int x) { green::sleep(10ms); return x * 2; }, 21);
//   int v = g.get();                    // 42; waits, rethrows a failure
//
// spawn() returns at once; the new greenlet runs when the caller next blocks or
// yields, in spawn order (FIFO). Handles are cheap to copy (shared ownership)
// and dropping every handle does not stop a greenlet: it runs to its end.
//
// Failure: an exception escaping a greenlet stays in it. The hub reports
// "<name> failed with <what>" once (on stderr unless green/error_handler.h
// says otherwise), get() rethrows it, join() never throws it. A greenlet that
// ends with GreenletExit (what kill() delivers) is successful.
//
// Threads: a greenlet belongs to the hub of the OS thread that spawned it; its
// handle's methods must be called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "green/detail/greenlet_core.h"
#include "green/duration.h"
#include "green/errors.h"

namespace green {

// LinkId: names one link()/rawlink() callback, for unlink. Never 0.
using LinkId = std::uint64_t;

// AnyGreenlet: a handle to a greenlet of any result type.
class AnyGreenlet {
 public:
  AnyGreenlet() = default;
  explicit AnyGreenlet(std::shared_ptr<detail::GreenletCore> core) noexcept : core_(std::move(core)) {}

  // join: wait until the greenlet is dead or `timeout` passed. Returns whether
  // it is dead. Never throws the greenlet's own exception; a Timeout or kill
  // aimed at the caller does interrupt it. Joining yourself is a logic_error.
  bool join(Duration timeout = forever) const { return detail::join_core(*core_, timeout); }

  // ready: dead (finished, failed or killed). Never blocks.
  bool ready() const noexcept { return core_->ready(); }
  // started: it began running (or died); false while it waits for its first turn.
  bool started() const noexcept { return core_->state_ != detail::GreenletCore::State::created; }
  // successful: dead without an exception (GreenletExit counts as success).
  bool successful() const noexcept { return core_->ready() && core_->successful_; }
  // exception: the exception it failed with, else null. A greenlet killed with
  // GreenletExit did not fail: null, as gevent's `exception` is None (see
  // killed_by). Killed with another exception, it failed with that one.
  std::exception_ptr exception() const noexcept { return core_->successful_ ? nullptr : core_->exception_; }
  // killed_by: the GreenletExit it ended with (gevent makes it the greenlet's
  // value), else null.
  std::exception_ptr killed_by() const noexcept { return core_->successful_ ? core_->exception_ : nullptr; }

  // kill: raise `exc` (GreenletExit when null) in the greenlet at its next
  // switch point. A greenlet killed before it started never runs; its links
  // still fire. With `block`, waits up to `timeout` for it to die; returns
  // whether it is dead. Killing the current greenlet throws `exc` at once.
  bool kill(std::exception_ptr exc = nullptr, bool block = true, Duration timeout = forever) const {
    return detail::kill_core(*core_, std::move(exc), block, timeout);
  }

  // link: once the greenlet is dead (soon, if it already is), spawn a new
  // greenlet that runs `cb(*this)` — gevent's link. The callback may block
  // (join, sleep, I/O); if it throws, that greenlet fails and is reported
  // like any other. Callbacks start in link order. Returns an id for unlink.
  LinkId link(std::function<void(const AnyGreenlet&)> cb) const {
    return detail::link_core(
        *core_, [g = *this, cb = std::move(cb)] { cb(g); }, true);
  }
  // rawlink: call `cb(*this)` in the hub itself once the greenlet is dead,
  // without a greenlet of its own: cheaper, but it must not block — a
  // blocking call inside throws BlockingInHubError, and an exception escaping
  // it is printed ("a link callback failed with ..."). Never inline: even on
  // a dead greenlet it runs at the caller's next switch. In link order with
  // link()'s callbacks.
  LinkId rawlink(std::function<void(const AnyGreenlet&)> cb) const {
    return detail::link_core(
        *core_, [g = *this, cb = std::move(cb)] { cb(g); }, false);
  }
  // link_value / link_exception: link() that fires only on success / failure.
  LinkId link_value(std::function<void(const AnyGreenlet&)> cb) const {
    return link([cb = std::move(cb)](const AnyGreenlet& g) {
      if (g.successful()) cb(g);
    });
  }
  LinkId link_exception(std::function<void(const AnyGreenlet&)> cb) const {
    return link([cb = std::move(cb)](const AnyGreenlet& g) {
      if (!g.successful()) cb(g);
    });
  }
  // unlink: forget the callback `id` names; false when it already fired (or
  // was never linked here). Never blocks.
  bool unlink(LinkId id) const noexcept { return detail::unlink_core(*core_, id); }
  // unlink_all: forget every callback not yet fired. Greenlets joining or
  // waiting on this one are not callbacks and keep waiting.
  void unlink_all() const noexcept { detail::unlink_all_core(*core_); }
  // has_links: whether a callback is linked and has not fired yet.
  bool has_links() const noexcept { return detail::has_links_core(*core_); }

  // name: "Greenlet-<id>" unless set (to a non-empty name); used in failure
  // reports and dumps.
  const std::string& name() const { return core_->name(); }
  void set_name(std::string n) const { core_->set_name(std::move(n)); }

  explicit operator bool() const noexcept { return core_ != nullptr; }
  friend bool operator==(const AnyGreenlet& a, const AnyGreenlet& b) noexcept { return a.core_ == b.core_; }

  // linkable / core: the waitable object behind the handle (green::wait uses it).
  detail::Linkable& linkable() const noexcept { return *core_; }
  detail::GreenletCore& core() const noexcept { return *core_; }

 protected:
  std::shared_ptr<detail::GreenletCore> core_;
};

// Greenlet<T>: a handle to a greenlet whose function returns T.
template <class T>
class Greenlet : public AnyGreenlet {
 public:
  Greenlet() = default;
  explicit Greenlet(std::shared_ptr<detail::ResultSlot<T>> core) noexcept : AnyGreenlet(std::move(core)) {}
  // `core` is a ResultSlot<T> (spawn_with's).
  Greenlet(std::shared_ptr<detail::GreenletCore> core, detail::AdoptCore) noexcept : AnyGreenlet(std::move(core)) {}

  // get: wait up to `timeout` and return the value. Rethrows the exception the
  // greenlet failed with; throws green::Timeout if it is still running when
  // `timeout` passes. Killed with GreenletExit (gevent returns the
  // GreenletExit as the value): a void greenlet returns normally; any other
  // has no T to return and throws that GreenletExit, which is not a
  // std::exception (green/errors.h) — killed_by() asks without throwing.
  T get(Duration timeout = forever) const {
    detail::get_wait(*core_, timeout);
    if constexpr (!std::is_void_v<T>) {
      auto& slot = static_cast<detail::ResultSlot<T>&>(*core_);
      if (!slot.value_) std::rethrow_exception(core_->exception_);
      return *slot.value_;
    }
  }
};

// SpawnOptions: spawn_with's knobs. Zero stack_size means the default
// (GREEN_STACK_SIZE, 64 KiB of address space; only touched pages cost memory).
struct SpawnOptions {
  std::string name;
  std::size_t stack_size = 0;
  Duration delay = Duration::zero();
};

// spawn_with: spawn with a name, stack size or start delay.
template <class F, class... A>
auto spawn_with(SpawnOptions opts, F&& f, A&&... a) {
  using T = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
  auto fn = [f = std::forward<F>(f), ... a = std::forward<A>(a)]() mutable -> T {
    return std::invoke(std::move(f), std::move(a)...);
  };
  std::size_t stack = opts.stack_size ? opts.stack_size : detail::default_stack_size();
  // Held as the base from the start: no converted temporary (a reference
  // count up and down) on the way to the hub and into the handle.
  std::shared_ptr<detail::GreenletCore> core = std::make_shared<detail::Task<T, decltype(fn)>>(stack, std::move(fn));
  detail::start_core(core, opts.delay, std::move(opts.name));
  return Greenlet<T>(std::move(core), detail::AdoptCore{});
}

// spawn: start f(args...) in a new greenlet. Returns at once; the greenlet
// runs when the caller next yields. Arguments are copied/moved into it.
template <class F, class... A>
auto spawn(F&& f, A&&... a) {
  return spawn_with(SpawnOptions{}, std::forward<F>(f), std::forward<A>(a)...);
}

// spawn_later: like spawn, but the greenlet becomes ready after `delay`.
template <class F, class... A>
auto spawn_later(Duration delay, F&& f, A&&... a) {
  SpawnOptions o;
  o.delay = delay;
  return spawn_with(std::move(o), std::forward<F>(f), std::forward<A>(a)...);
}

// getcurrent: a handle to the running greenlet (the thread's main greenlet
// when none was spawned). Its join() from itself is a logic_error.
inline AnyGreenlet getcurrent() { return AnyGreenlet(detail::current_shared()); }

}  // namespace green
