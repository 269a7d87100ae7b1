// toolkit/signal.cpp — green::signal_handler (green/signal.h) on a libev signal watch.
#include "green/signal.h"

#include <signal.h>
#include <string.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "core/hub_core.h"
#include "green/greenlet.h"

namespace green {

namespace detail {

struct SignalHandlerState {
  SignalHandlerState(int signo, std::function<void()> f) : fn(std::move(f)), watch(&fire, this) {
    const char* abbrev = ::sigabbrev_np(signo);
    name = "signal " + (abbrev ? std::string(abbrev) : std::to_string(signo));
  }
  // fire: in the hub; spawning never waits.
  static void fire(void* arg) {
    auto* s = static_cast<SignalHandlerState*>(arg);
    SpawnOptions opts;
    opts.name = s->name;
    green::spawn_with(std::move(opts), s->fn);
  }
  std::function<void()> fn;
  std::string name;
  SignalWatch watch;
};

}  // namespace detail

SignalHandler::SignalHandler() noexcept = default;
SignalHandler::~SignalHandler() = default;
SignalHandler::SignalHandler(SignalHandler&&) noexcept = default;
SignalHandler& SignalHandler::operator=(SignalHandler&&) noexcept = default;

void SignalHandler::cancel() noexcept { state_.reset(); }

SignalHandler signal_handler(int signo, std::function<void()> f) {
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP)
    throw std::invalid_argument("green::signal_handler: signal " + std::to_string(signo) +
                                " cannot be caught (SIGKILL, SIGSTOP or out of range)");
  if (!f) throw std::invalid_argument("green::signal_handler: empty function");
  detail::Hub& hub = detail::Hub::get();
  auto state = std::make_unique<detail::SignalHandlerState>(signo, std::move(f));
  if (!state->watch.start(hub.loop(), signo))
    throw std::logic_error("green::signal_handler: " + state->name +
                           " is already watched by another thread's hub (or GREEN_DUMP_SIGNAL); a signal can "
                           "be watched by one hub at a time");
  SignalHandler h;
  h.state_ = std::move(state);
  return h;
}

}  // namespace green
