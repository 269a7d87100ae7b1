// gate/stats.cpp — GREEN_STATS: the counters and the report at exit.
#include "gate/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "green/settings.h"
#include "runtime_internal.h"

namespace green::interpose {

namespace {
const char* const kHookNames[] = {
#define HOOK(family, name) #name,
#include "hooked_symbols.def"
#undef HOOK
};
const char* const kWhyNames[] = {"green",        "parked",       "parked_first",  "off",  "hub",
                                 "other_thread", "not_pollable", "user_nonblock", "dlsym"};
static_assert(sizeof(kWhyNames) / sizeof(kWhyNames[0]) == kWhyCount);

std::atomic<unsigned long long> g_counts[kHookCount][kWhyCount];

// Where the report goes: a copy of stderr taken at load, because many
// programs (coreutils) close stderr in their own atexit handlers, which run
// before ours. Only taken when GREEN_STATS asks for a report.
int g_stats_fd = -1;

void print_stats() {
  FILE* out = ::fdopen(g_stats_fd, "w");
  if (!out) return;
  // Every process of a run reports (shell wrappers fork many): say whose report it is.
  std::fprintf(out, "green: hooked calls of pid %d (%s) (GREEN_STATS=1)\n%-18s", static_cast<int>(::getpid()),
               program_invocation_short_name, "symbol");
  for (const char* w : kWhyNames) std::fprintf(out, " %13s", w);
  std::fputc('\n', out);
  for (std::size_t h = 0; h < kHookCount; ++h) {
    unsigned long long total = 0;
    for (std::size_t w = 0; w < kWhyCount; ++w) total += g_counts[h][w].load(std::memory_order_relaxed);
    if (total == 0) continue;
    std::fprintf(out, "%-18s", kHookNames[h]);
    for (std::size_t w = 0; w < kWhyCount; ++w)
      std::fprintf(out, " %13llu", g_counts[h][w].load(std::memory_order_relaxed));
    std::fputc('\n', out);
  }
  if (const unsigned hubs = detail::hub_set_size(); hubs > 1) {
    std::fprintf(out, "hubs: %u; green threads placed on each:", hubs);
    for (unsigned i = 0; i < hubs; ++i)
      std::fprintf(out, "%s %llu", i ? "," : "", detail::hub_placed(static_cast<int>(i)));
    std::fputc('\n', out);
  }
  const detail::HandoffCounts h = detail::handoff_counts();
  if (h.spares != 0)
    std::fprintf(out,
                 "hand-off: %llu green thread(s) went on on a spare OS thread; %u spare(s) made, %u busy now; "
                 "%llu look(s) found green's own code running\n",
                 h.handoffs, h.spares, h.busy, h.declined);
  std::fclose(out);
}

// At load: only decide whether to print the counters at exit. The hub itself
// starts with the first call that has to wait.
__attribute__((constructor)) void init_stats() {
  if (setting_number("GREEN_STATS") == 0) return;
  // A high number, close-on-exec: out of the way of the program's own fds.
  g_stats_fd = ::fcntl(2, F_DUPFD_CLOEXEC, 500);
  if (g_stats_fd >= 0) std::atexit(print_stats);
}
}  // namespace

void count(Hook h, Why w) noexcept {
  g_counts[static_cast<std::size_t>(h)][static_cast<std::size_t>(w)].fetch_add(1, std::memory_order_relaxed);
}

const char* hook_name(Hook h) noexcept { return kHookNames[static_cast<unsigned>(h)]; }

}  // namespace green::interpose
