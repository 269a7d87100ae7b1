// client_demo.h — the three runs every client-library example makes: the same
// blocking worker run one after another (unpatched), on one pthread each
// (unpatched), and in one greenlet each after green::patch_all().
//
// The workers call an unmodified client library (libpq, hiredis, libcurl,
// the MariaDB connector); what makes the last run concurrent is only that
// the program links green::interpose and calls green::patch_all(): the
// library's connect/poll/read/write then park the calling greenlet.
//
// Command line (after the example's own arguments):
//   --workers N      workers run at once by the pthread and greenlet runs (50)
//   --sequential N   workers run one after another (N, default --workers)
//   --check          exit 1 unless the greenlet run took less than half the
//                    sequential run (a coarse class, not a timing)
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "green/green.h"
#include "green/patch.h"

namespace client_demo {

struct Options {
  std::vector<std::string> args;  // the example's own (positional) arguments
  int workers = 50;
  int sequential = -1;  // -1: as many as workers
  bool check = false;
};

// parse: the positional arguments and the options above; a bad command line
// prints usage and exits 2.
inline Options parse(int argc, char** argv, const char* usage) {
  Options o;
  auto count = [&](int& i) {
    char* end = nullptr;
    long v = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : 0;
    if (!end || *end || v < 1 || v > 10000) {
      std::fprintf(stderr, "%s: %s needs a count from 1 to 10000\nusage: %s %s\n", argv[0], argv[i], argv[0], usage);
      std::exit(2);
    }
    ++i;
    return static_cast<int>(v);
  };
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--workers")) {
      o.workers = count(i);
    } else if (!std::strcmp(argv[i], "--sequential")) {
      o.sequential = count(i);
    } else if (!std::strcmp(argv[i], "--check")) {
      o.check = true;
    } else if (!std::strcmp(argv[i], "--help") || argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s %s [--workers N] [--sequential N] [--check]\n", argv[0], usage);
      std::exit(2);
    } else {
      o.args.emplace_back(argv[i]);
    }
  }
  if (o.sequential < 0) o.sequential = o.workers;
  return o;
}

using Worker = std::function<bool(int)>;  // true: worker i's results were right

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline int failures(const std::vector<int>& ok) {
  int bad = 0;
  for (int v : ok) bad += v ? 0 : 1;
  return bad;
}

// run: the three runs, their timings, and the exit status: 1 when a worker's
// results were wrong (or, with --check, the greenlets were not concurrent).
inline int run(const char* name, const Options& o, const Worker& worker) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<int> ok(static_cast<std::size_t>(o.sequential));
  for (int i = 0; i < o.sequential; ++i) ok[static_cast<std::size_t>(i)] = worker(i);
  double seq = seconds_since(t0);
  int bad = failures(ok);
  std::printf("%s: %d workers one after another (unpatched): %6.2f s\n", name, o.sequential, seq);

  t0 = std::chrono::steady_clock::now();
  ok.assign(static_cast<std::size_t>(o.workers), 0);
  {
    std::vector<std::thread> ts;
    for (int i = 0; i < o.workers; ++i) ts.emplace_back([&, i] { ok[static_cast<std::size_t>(i)] = worker(i); });
    for (auto& t : ts) t.join();
  }
  double threads = seconds_since(t0);
  bad += failures(ok);
  std::printf("%s: %d workers on %d pthreads (unpatched):   %6.2f s\n", name, o.workers, o.workers, threads);

  green::patch_all();
  t0 = std::chrono::steady_clock::now();
  ok.assign(static_cast<std::size_t>(o.workers), 0);
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < o.workers; ++i)
    gs.push_back(green::spawn([&, i] { ok[static_cast<std::size_t>(i)] = worker(i); }));
  green::joinall(gs);
  double greenlets = seconds_since(t0);
  bad += failures(ok);
  std::printf("%s: %d workers in %d greenlets (patch_all): %6.2f s\n", name, o.workers, o.workers, greenlets);

  if (bad) {
    std::printf("%s: FAILED: %d workers got wrong results\n", name, bad);
    return 1;
  }
  std::printf("%s: every result checked\n", name);
  if (o.check) {
    if (greenlets >= 0.5 * seq) {
      std::printf("%s: FAILED: %d greenlets took %.2f s, not less than half of %d sequential workers' %.2f s\n", name,
                  o.workers, greenlets, o.sequential, seq);
      return 1;
    }
    std::printf("%s: concurrent: %d greenlets took less than half the time of %d sequential workers\n", name, o.workers,
                o.sequential);
  }
  return 0;
}

}  // namespace client_demo
