// spawn_joinall — three workers counting and sleeping a random fraction of a
// second each step, joined with joinall. The total is about the longest
// worker's time, not the sum: the sleeps overlap.
#include <green/green.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main() {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> ms(50, 250);
  const auto t0 = Clock::now();

  std::vector<green::Greenlet<double>> workers;
  for (int w = 1; w <= 3; ++w) {
    std::vector<int> naps{ms(rng), ms(rng), ms(rng)};
    workers.push_back(green::spawn(
        [t0](int id, std::vector<int> steps) {
          double slept = 0;
          for (std::size_t i = 0; i < steps.size(); ++i) {
            std::printf("[%5.3fs] worker %d: count %zu, sleeping %d ms\n", since(t0), id, i + 1, steps[i]);
            green::sleep(std::chrono::milliseconds(steps[i]));
            slept += steps[i] / 1000.0;
          }
          std::printf("[%5.3fs] worker %d: done after %.3f s of sleep\n", since(t0), id, slept);
          return slept;
        },
        w, std::move(naps)));
  }

  green::joinall(workers);
  double longest = 0, sum = 0;
  for (auto& g : workers) {
    longest = std::max(longest, g.get());
    sum += g.get();
  }
  std::printf("\ntotal %.3f s — longest worker slept %.3f s, all together %.3f s\n", since(t0), longest, sum);
  return 0;
}
