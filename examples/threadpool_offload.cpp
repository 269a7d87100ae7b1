// threadpool_offload — CPU-bound work handed to OS threads with
// green::run_in_thread while the hub keeps running other greenlets.
//
// A "heartbeat" greenlet ticks every 5 ms (think: a server answering
// requests). The same prime-counting jobs run twice: first inline in
// greenlets (the hub thread is busy computing, so the heartbeat stalls), then
// offloaded with run_in_thread (the heartbeat keeps ticking, and the jobs run
// in parallel on the pool's threads).
//
//   threadpool_offload [--quick]
#include <green/green.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// count_primes: deliberately slow trial division (pure CPU, never yields).
long count_primes(long limit) {
  long n = 0;
  for (long i = 2; i < limit; ++i) {
    bool prime = true;
    for (long d = 2; d * d <= i; ++d) {
      if (i % d == 0) {
        prime = false;
        break;
      }
    }
    n += prime;
  }
  return n;
}

struct Run {
  long primes = 0;
  int ticks = 0;
  int longest_gap_ms = 0;
  double seconds = 0;
};

// run: `jobs` prime counts, each in its own greenlet, through `work`, while
// the heartbeat ticks; returns the total and what the heartbeat saw.
template <class Work>
Run run(int jobs, long limit, Work work) {
  Run r;
  bool done = false;
  auto heartbeat = green::spawn([&] {
    auto last = Clock::now();
    while (!done) {
      green::sleep(5ms);
      auto now = Clock::now();
      int gap = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count());
      if (gap > r.longest_gap_ms) r.longest_gap_ms = gap;
      last = now;
      ++r.ticks;
    }
  });
  const auto t0 = Clock::now();
  std::vector<green::Greenlet<long>> gs;
  for (int i = 0; i < jobs; ++i) gs.push_back(green::spawn([&] { return work(limit); }));
  for (auto& g : gs) r.primes += g.get();
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  heartbeat.join();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  const int jobs = 4;
  const long limit = quick ? 400000 : 1500000;

  Run inline_run = run(jobs, limit, [](long l) { return count_primes(l); });
  std::printf("inline:    %ld primes in %.2f s; heartbeat ticked %d times, longest gap %d ms\n", inline_run.primes,
              inline_run.seconds, inline_run.ticks, inline_run.longest_gap_ms);

  Run offloaded = run(jobs, limit, [](long l) { return green::run_in_thread([l] { return count_primes(l); }); });
  std::printf("offloaded: %ld primes in %.2f s; heartbeat ticked %d times, longest gap %d ms\n", offloaded.primes,
              offloaded.seconds, offloaded.ticks, offloaded.longest_gap_ms);

  const bool same = inline_run.primes == offloaded.primes;
  std::printf("results %s; the heartbeat kept ticking while offloaded: %s\n", same ? "match" : "DIFFER",
              offloaded.ticks > inline_run.ticks ? "yes" : "no");
  return same ? 0 : 1;
}
