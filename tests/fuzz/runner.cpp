// runner.cpp — see runner.h.
#include "runner.h"

#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "green/greenlet.h"
#include "green/hub.h"
#include "green/patch.h"
#include "green/queue.h"
#include "green/sleep.h"
#include "green/timeout.h"
#include "report.h"
#include "world.h"

namespace green_fuzz {

namespace {

using namespace std::chrono_literals;

// Longer than any single op's own wait (socket timeouts and polls of 1-4 ms,
// sleeps of 0-3 ms): it cuts only the waits that have no end of their own.
constexpr auto kOpBound = 10ms;

// GREEN_FUZZ_TRACE=1: each op on stderr as it starts, for a hang or a crash
// that fail() cannot report.
const bool kTrace = std::getenv("GREEN_FUZZ_TRACE") != nullptr;

Outcome traced(World& w, const Program& p, std::size_t i, const char* run) {
  if (kTrace) std::fprintf(stderr, "[%s] %2zu %s\n", run, i, describe(p.ops[i]).c_str());
  Outcome o = w.run(p.ops[i]);
  if (kTrace) {
    std::fprintf(stderr, "[%s] %2zu -> ", run, i);
    print_outcome(o);
    std::fputc('\n', stderr);
  }
  return o;
}

// The watchdog: an input running longer than kHang hangs (every wait in a
// program is a few ms). An OS thread of its own, not libFuzzer's -timeout:
// that one is a periodic SIGALRM, which interrupts whatever select or sleep
// the program is in (EINTR) and so changes outcomes at random.
constexpr auto kHang = 10s;
std::atomic<std::chrono::steady_clock::rep> g_input_started{0};

void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(200ms);
    auto started = g_input_started.load();
    if (started && std::chrono::steady_clock::now().time_since_epoch().count() - started >
                       std::chrono::steady_clock::duration(kHang).count())
      fail("the input hangs: still running after %lld s", static_cast<long long>(kHang.count()));
  }
}

int open_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

void check_fds(int before) {
  int after = open_fds();
  if (after != before) fail("%d fds open after the run, %d before", after, before);
}

void check_hub_at_rest() {
  green::HubStats s = green::hub_stats();
  if (s.live_greenlets || s.active_watchers || s.stacks_in_use || s.keepalives)
    fail("hub not at rest: %zu greenlets, %zu watchers, %zu stacks in use, %zu keepalives", s.live_greenlets,
         s.active_watchers, s.stacks_in_use, s.keepalives);
}

std::vector<Outcome> run_native(const Program& p) {
  std::vector<Outcome> out(p.ops.size());
  set_context({"native sequential", &p, &out});
  green::unpatch_all();
  World w(Schedule::sequential);
  for (std::size_t i = 0; i < p.ops.size(); ++i) out[i] = traced(w, p, i, "native");
  w.finish();
  return out;
}

// The baton: op i goes to its actor's inbox; the driver waits on `done`.
std::vector<Outcome> run_green_sequential(const Program& p) {
  std::vector<Outcome> out(p.ops.size());
  set_context({"green sequential", &p, &out});
  green::patch_all();
  World w(Schedule::sequential);
  std::vector<green::Queue<int>> inbox(static_cast<std::size_t>(p.actors));
  green::Queue<int> done;
  std::vector<green::Greenlet<void>> actors;
  for (auto& box : inbox)
    actors.push_back(green::spawn([&] {
      for (int i; (i = box.get()) >= 0; done.put(i))
        out[static_cast<std::size_t>(i)] = traced(w, p, static_cast<std::size_t>(i), "sequential");
    }));
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    inbox[static_cast<std::size_t>(p.ops[i].actor)].put(static_cast<int>(i));
    done.get();
  }
  for (auto& box : inbox) box.put(-1);
  for (auto& g : actors) g.get();
  w.finish();
  return out;
}

void run_green_concurrent(const Program& p) {
  std::vector<Outcome> out(p.ops.size());
  set_context({"green concurrent", &p, &out});
  green::patch_all();
  World w(Schedule::concurrent);
  std::vector<green::Greenlet<void>> actors;
  for (int a = 0; a < p.actors; ++a)
    actors.push_back(green::spawn([&, a] {
      for (std::size_t i = 0; i < p.ops.size(); ++i) {
        if (p.ops[i].actor != a) continue;
        green::Timeout t(kOpBound);
        try {
          out[i] = traced(w, p, i, "concurrent");
        } catch (const green::Timeout& e) {
          if (!(e == t)) throw;
          out[i].timed_out = true;
        }
      }
    }));
  for (auto& g : actors) g.get();
  w.finish();
}

}  // namespace

void init() {
  // Writes to a pipe or socket whose reader is gone give EPIPE, as the program wants.
  ::signal(SIGPIPE, SIG_IGN);
  // Make the hub (its epoll fd and eventfd) before the first input counts fds.
  green::patch_all();
  green::sleep(1ms);
  green::unpatch_all();
  std::thread(watchdog).detach();
}

void run_input(const std::uint8_t* data, std::size_t size) {
  Program p = decode(data, size);
  if (p.ops.empty()) return;
  g_input_started = std::chrono::steady_clock::now().time_since_epoch().count();
  int fds = open_fds();
  std::vector<Outcome> native = run_native(p);
  check_fds(fds);
  std::vector<Outcome> green = run_green_sequential(p);
  check_hub_at_rest();
  check_fds(fds);
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    if (native[i] == green[i]) continue;
    set_context({"green sequential", &p, &green});
    std::fprintf(stderr, "op %zu: native ", i);
    print_outcome(native[i]);
    std::fprintf(stderr, ", green ");
    print_outcome(green[i]);
    std::fputc('\n', stderr);
    fail("op %zu (%s) differs from the native run", i, describe(p.ops[i]).c_str());
  }
  run_green_concurrent(p);
  check_hub_at_rest();
  check_fds(fds);
  green::unpatch_all();
  set_context({});
  g_input_started = 0;
}

}  // namespace green_fuzz
