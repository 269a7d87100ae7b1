// diag/dump.cpp — green::dump (green/dump.h), the listing at the end of LoopExit's
// message, and GREEN_DUMP_SIGNAL.
//
// The hub keeps every started, not yet dead greenlet on a list (Hub::greenlets,
// linked in start(), unlinked in finish()); park() records what a greenlet
// waits on. So a dump costs nothing until it is asked for, and nothing is added
// to the switch path. A signal never prints from its handler: libev's handler
// only records it, and the dump runs later in the hub like any callback.
#include "green/dump.h"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <sstream>

#include "core/hub_core.h"
#include "core/hub_set.h"
#include "diag/diagnostics.h"
#include "diag/parked_stack.h"
#include "green/settings.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

void write_backtrace(std::ostream& out, const char* indent) {
  void* frames[64];
  int n = ::backtrace(frames, 64);
  // Frame 0 is this function.
  if (n > 1) write_frames(out, indent, frames + 1, static_cast<std::size_t>(n - 1), true);
}

// write_parked_backtrace: a suspended greenlet's frames, from its saved context.
void write_parked_backtrace(GreenletCore& g, std::ostream& out, const char* indent) {
  using State = GreenletCore::State;
  const void* frames[64];
  bool started = g.state_ == State::parked || g.state_ == State::ready;
  std::size_t n = parked_frames(g.fiber_, started, frames, 64);
  if (n == 0) return;
  write_frames(out, indent, const_cast<void* const*>(frames), n, true);
}

void describe(GreenletCore& g, bool current, std::ostream& out) {
  using State = GreenletCore::State;
  out << '\'' << g.name() << "' #" << g.id_ << ": ";
  if (current) {
    out << "running (the caller of dump)";
    return;
  }
  switch (g.state_) {
    case State::created: out << "not started yet"; return;
    case State::ready: out << "ready to run"; return;
    case State::running: out << "running"; return;
    case State::dead: out << "dead"; return;
    case State::abandoned: out << "left behind by fork (never runs again)"; return;
    case State::parked: break;
  }
  out << "parked on " << (g.wait_reason_ ? g.wait_reason_ : "something");
  if (g.wait_greenlet_) out << " ('" << g.wait_greenlet_->name() << "')";
  if (g.wait_fd_ >= 0) out << " (fd " << g.wait_fd_ << ')';
  if (!g.wait_deadline_.forever()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(g.wait_deadline_.left());
    out << ", times out in " << left.count() << " ms";
  }
}

// parse_signal: "USR1", "SIGUSR1" or "10" -> 10; 0 for off, -1 for nonsense.
int parse_signal(const std::string& text) {
  if (text.empty() || text == "off" || text == "0") return 0;
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (end != text.c_str() && *end == '\0') return n > 0 && n < NSIG ? static_cast<int>(n) : -1;
  std::string name = text.compare(0, 3, "SIG") == 0 ? text.substr(3) : text;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev && name == abbrev) return sig;
  }
  return -1;
}

// The dump signal's watch lives as long as the thread of the hub that took it
// (destroyed before that hub: constructed after it, in the same thread).
thread_local std::unique_ptr<SignalWatch> t_dump_watch;
std::atomic<bool> g_dump_signal_taken{false};

void write_dump(Hub& hub) {
  std::string text = dump_hub_text(hub, "  ");
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void on_dump_signal(void* arg) {
  write_dump(*static_cast<Hub*>(arg));
  // With N hubs each lists its own greenlets, on its own thread.
  hub_set_each_other([] { write_dump(Hub::get()); });
}

}  // namespace

void dump_hub(Hub& hub, std::ostream& out, const char* indent) {
  std::size_t spawned = 0;
  hub.greenlets().for_each([&](ListNode&) { ++spawned; });
  out << indent << "green: greenlets of thread " << green::detail::os_tid() << " (main and " << spawned
      << " spawned):\n";
  GreenletCore* current = hub.current();
  auto line = [&](GreenletCore& g) {
    out << indent << "  ";
    describe(g, &g == current, out);
    out << '\n';
    if (&g == current) write_backtrace(out, indent);
    else write_parked_backtrace(g, out, indent);
  };
  line(*hub.main());
  hub.greenlets().for_each([&](ListNode& n) { line(GreenletCore::of(n)); });
  if (hub.in_hub()) out << indent << "  (dumped from the hub itself: no greenlet is running)\n";
}

std::string dump_hub_text(Hub& hub, const char* indent) {
  std::ostringstream out;
  dump_hub(hub, out, indent);
  return out.str();
}

void dump_signal_setup(Hub& hub) {
  std::string text = setting_text("GREEN_DUMP_SIGNAL");
  int sig = parse_signal(text);
  if (sig == 0 || g_dump_signal_taken.exchange(true)) return;
  if (sig < 0) {
    std::fprintf(stderr, "green: ignoring GREEN_DUMP_SIGNAL=%s: not a signal (use a number or a name such as USR1)\n",
                 text.c_str());
    return;
  }
  t_dump_watch = std::make_unique<SignalWatch>(&on_dump_signal, &hub);
  if (!t_dump_watch->start(hub.loop(), sig)) {
    std::fprintf(stderr,
                 "green: ignoring GREEN_DUMP_SIGNAL=%s: the signal is already watched by green::signal_handler\n",
                 text.c_str());
    t_dump_watch.reset();
  }
}

}  // namespace green::detail

namespace green {

void dump(std::ostream& out) {
  detail::Hub* hub = detail::Hub::peek();
  if (!hub) {
    out << "green: thread " << green::detail::os_tid() << " has no hub, so no greenlets\n";
    return;
  }
  detail::dump_hub(*hub, out, "");
}

std::string dump_text() {
  std::ostringstream out;
  dump(out);
  return out.str();
}

}  // namespace green
