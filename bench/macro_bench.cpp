// macro_bench — green's scripted benchmarks that Google Benchmark's repeat
// loop does not fit: large populations, timers, and socket ping-pong. Each
// mode prints "key value" lines that bench/bench.py puts into the table.
//
//   macro_bench spawn_join N        spawn N empty greenlets, then join them all
//   macro_bench alive N HOLD_MS     N greenlets alive at once, each in sleep()
//                                   until a common deadline HOLD_MS after start
//   macro_bench timers N MAX_MS     N greenlets sleeping random 1..MAX_MS ms;
//                                   lateness of each wakeup against its deadline,
//                                   and of a canary thread's 200 us sleeps meanwhile
//   macro_bench timer_floor N MAX_MS  N plain epoll_wait timeouts of 1..MAX_MS ms:
//                                   the machine's own wakeup lateness (the anchor)
//   macro_bench pingpong N          two greenlets, socketpair, N round trips of
//                                   64 bytes with the C++ API (green::Socket)
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <green/green.h>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point t0) { return std::chrono::duration<double, std::nano>(Clock::now() - t0).count(); }

// peak_rss_kib: the process's high-water mark of resident memory.
long peak_rss_kib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// rss_kib: resident memory now (the baseline a population is measured from).
long rss_kib() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

void report(const char* key, double value) { std::printf("%s %.1f\n", key, value); }

int spawn_join(long n) {
  std::vector<green::Greenlet<void>> gs;
  gs.reserve(static_cast<std::size_t>(n));
  auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) gs.push_back(green::spawn([] {}));
  for (auto& g : gs) g.join();
  report("spawn_join_ns", ns_since(t0) / static_cast<double>(n));
  return 0;
}

int alive(long n, long hold_ms) {
  std::vector<green::Greenlet<void>> gs;
  gs.reserve(static_cast<std::size_t>(n));
  const long base = rss_kib();
  long now_alive = 0, most_alive = 0, started = 0;
  green::Event all_started;
  auto t0 = Clock::now();
  const auto release = t0 + std::chrono::milliseconds(hold_ms);
  for (long i = 0; i < n; ++i) {
    gs.push_back(green::spawn([&] {
      most_alive = std::max(most_alive, ++now_alive);
      if (++started == n) all_started.set();
      green::sleep(std::chrono::duration_cast<green::Duration>(release - Clock::now()));
      --now_alive;
    }));
  }
  all_started.wait();
  const double start_ns = ns_since(t0);
  for (auto& g : gs) g.join();
  const double total_ns = ns_since(t0);
  const double released_ns = std::chrono::duration<double, std::nano>(Clock::now() - release).count();
  report("alive_spawn_ms", start_ns / 1e6);
  report("alive_most_at_once", static_cast<double>(most_alive));
  report("alive_release_ms", released_ns / 1e6);
  report("alive_total_ms", total_ns / 1e6);
  report("alive_rss_per_greenlet_bytes", static_cast<double>(peak_rss_kib() - base) * 1024.0 / static_cast<double>(n));
  return 0;
}

// Canary: a plain thread sleeping 200 us in a loop while the timers run, on
// the other core. How late it wakes is how long this machine stops a thread
// by itself (a VM's vCPU can be descheduled for milliseconds): the anchor
// for the timers' maximum.
class Canary {
 public:
  Canary()
      : thread_([this] {
          auto prev = Clock::now();
          while (!stop_.load(std::memory_order_relaxed)) {
            timespec ts{0, 200000};
            ::clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
            auto now = Clock::now();
            long late = std::chrono::duration_cast<std::chrono::microseconds>(now - prev).count() - 200;
            max_late_us_ = std::max(max_late_us_, late);
            prev = now;
          }
        }) {}
  // stop: end the thread; returns its largest lateness.
  long stop() {
    stop_ = true;
    thread_.join();
    return max_late_us_;
  }

 private:
  std::atomic<bool> stop_{false};
  long max_late_us_ = 0;
  std::thread thread_;
};

int timers(long n, long max_ms) {
  Canary canary;
  std::vector<long> late_us(static_cast<std::size_t>(n));
  std::vector<green::Greenlet<void>> gs;
  gs.reserve(static_cast<std::size_t>(n));
  std::mt19937 rng(42);
  std::uniform_int_distribution<long> pick(1, max_ms);
  for (long i = 0; i < n; ++i) {
    const long ms = pick(rng);
    gs.push_back(green::spawn([&late_us, i, ms] {
      const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
      green::sleep(std::chrono::milliseconds(ms));
      late_us[static_cast<std::size_t>(i)] =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - deadline).count();
    }));
  }
  for (auto& g : gs) g.join();
  report("timers_canary_max_late_us", static_cast<double>(canary.stop()));
  std::sort(late_us.begin(), late_us.end());
  report("timers_p99_late_us", static_cast<double>(late_us[static_cast<std::size_t>(n * 99 / 100)]));
  report("timers_max_late_us", static_cast<double>(late_us.back()));
  report("timers_early",
         static_cast<double>(std::count_if(late_us.begin(), late_us.end(), [](long v) { return v < 0; })));
  return 0;
}

// timer_floor: the anchor for the timers row — how late a plain epoll_wait
// with a millisecond timeout wakes on this machine (the kernel's timer slack
// and the hypervisor's scheduling), N sequential waits of 1..MAX_MS ms.
int timer_floor(long n, long max_ms) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return 1;
  std::vector<long> late_us;
  std::mt19937 rng(7);
  std::uniform_int_distribution<long> pick(1, max_ms);
  for (long i = 0; i < n; ++i) {
    const long ms = pick(rng);
    epoll_event ev;
    const auto t0 = Clock::now();
    ::epoll_wait(ep, &ev, 1, static_cast<int>(ms));
    late_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0 - std::chrono::milliseconds(ms))
            .count());
  }
  ::close(ep);
  std::sort(late_us.begin(), late_us.end());
  report("timer_floor_p99_late_us", static_cast<double>(late_us[static_cast<std::size_t>(n * 99 / 100)]));
  report("timer_floor_max_late_us", static_cast<double>(late_us.back()));
  return 0;
}

void must(bool ok, const char* what) {
  if (!ok) {
    std::perror(what);
    std::exit(1);
  }
}

int pingpong(long n) {
  int ends[2];
  must(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0, "macro_bench: socketpair");
  constexpr std::size_t kMsg = 64;
  // green::Socket: the C++ API for sockets (recv, then park on EAGAIN).
  auto side = [n](int fd, bool first) {
    green::Socket s(fd);
    char buf[kMsg] = {1};
    for (long i = 0; i < n; ++i) {
      if (first) s.send_all(buf, kMsg);
      s.recv_exact(buf, kMsg);
      if (!first) s.send_all(buf, kMsg);
    }
  };
  auto t0 = Clock::now();
  auto b = green::spawn(side, ends[1], false);
  auto a = green::spawn(side, ends[0], true);
  a.join();
  b.join();
  report("pingpong_cpp_ns", ns_since(t0) / static_cast<double>(n));
  return 0;  // each Socket closed its end
}

long arg(int argc, char** argv, int i, long fallback) { return i < argc ? std::atol(argv[i]) : fallback; }

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "spawn_join") return spawn_join(arg(argc, argv, 2, 1000000));
  if (mode == "alive") return alive(arg(argc, argv, 2, 1000000), arg(argc, argv, 3, 5000));
  if (mode == "timers") return timers(arg(argc, argv, 2, 100000), arg(argc, argv, 3, 1000));
  if (mode == "pingpong") return pingpong(arg(argc, argv, 2, 100000));
  if (mode == "timer_floor") return timer_floor(arg(argc, argv, 2, 200), arg(argc, argv, 3, 10));
  std::fprintf(
      stderr,
      "usage: macro_bench spawn_join N | alive N HOLD_MS | timers N MAX_MS | pingpong N | timer_floor N MAX_MS\n");
  return 2;
}
