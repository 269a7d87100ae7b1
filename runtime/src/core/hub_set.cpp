// core/hub_set.cpp — N hubs for green-threads mode (core/hub_set.h).
#include "core/hub_set.h"

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/hub_core.h"
#include "core/hub_switch.h"
#include "diag/diagnostics.h"
#include "green/settings.h"
#include "raw_syscall.h"

namespace green::detail {

namespace {

constexpr unsigned kMaxHubs = 256;

struct Slot {
  Hub* hub = nullptr;
  std::shared_ptr<Mailbox> mailbox;
  std::atomic<int> load{0};                   // live green threads placed here
  std::atomic<unsigned long long> placed{0};  // all placed here (GREEN_STATS)
  int tid = 0;
  unsigned long long seen_switches = ~0ull;  // the watchdog's, for all_stuck
};

// Filled once, before `g_count` is published; read without a lock after.
Slot g_slots[kMaxHubs];
std::atomic<unsigned> g_count{0};  // 0: not started (one hub, the caller's)
std::atomic<int> g_started_hubs{0};
std::atomic<bool> g_wanted{false};
std::once_flag g_start_once;
// The watchdog's: how many consecutive looks found every hub stuck.
unsigned g_stuck_looks = 0;

// Per fd number, the hubs that registered it with their loops since its last
// close (bit = index % 64). Mapped once, lazily touched.
std::atomic<std::uint64_t>* g_watchers = nullptr;
std::size_t g_watchers_n = 0;

void map_watchers() noexcept {
  rlimit r{};
  std::size_t n = ::getrlimit(RLIMIT_NOFILE, &r) == 0 ? static_cast<std::size_t>(r.rlim_max) : 0;
  n = std::min<std::size_t>(n == 0 || r.rlim_max == RLIM_INFINITY ? 1u << 20 : n, 1u << 20);
  void* p = ::mmap(nullptr, n * sizeof(std::uint64_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;  // closes then wake only their own hub's waiters
  g_watchers = static_cast<std::atomic<std::uint64_t>*>(p);
  g_watchers_n = n;
}

void fill(Slot& s, Hub& h, int index) {
  h.set_set_index(index);
  s.hub = &h;
  s.mailbox = h.mailbox();
  s.tid = h.tid();
}

void hub_main(void* arg) {
  Slot& s = *static_cast<Slot*>(arg);
  Hub& h = Hub::get();
  fill(s, h, static_cast<int>(&s - g_slots));
  h.hold_for_set();
  g_started_hubs.fetch_add(1, std::memory_order_release);
  raw_syscall(SYS_futex, reinterpret_cast<long>(&g_started_hubs), FUTEX_WAKE_PRIVATE, INT_MAX);
  // This stack has nothing to do: green threads run on their own.
  for (;;) h.park_untimed("green-hub: runs green threads");
}

void start(unsigned n) {
  g_wanted.store(true, std::memory_order_release);
  Hub& here = Hub::get();
  monitor_hub_created(here);  // watched now even without hand-off: deadlocks
  map_watchers();
  fill(g_slots[0], here, 0);
  g_slots[0].load.store(1, std::memory_order_relaxed);  // the caller's own thread
  here.hold_for_set();
  unsigned made = 1;
  for (; made < n; ++made) {
    try {
      start_named_thread("green-hub", &hub_main, &g_slots[made]);
    } catch (...) {
      break;  // fewer hubs: still correct
    }
  }
  // Each new hub fills its slot on its own thread; raw futex waits: the
  // caller is a greenlet, and green's own waits must not park it.
  int started;
  while ((started = g_started_hubs.load(std::memory_order_acquire)) < static_cast<int>(made) - 1)
    raw_syscall(SYS_futex, reinterpret_cast<long>(&g_started_hubs), FUTEX_WAIT_PRIVATE, started, 0);
  g_count.store(made, std::memory_order_release);
}

}  // namespace

bool hub_set_wanted() noexcept { return g_wanted.load(std::memory_order_acquire); }

unsigned hub_set_size() noexcept {
  unsigned n = g_count.load(std::memory_order_acquire);
  return n ? n : 1;
}

int hub_pick() {
  static const unsigned wanted = std::clamp<unsigned>(static_cast<unsigned>(setting_number("GREEN_THREADS")), 1u,
                                                      kMaxHubs);
  if (wanted <= 1) return -1;
  std::call_once(g_start_once, start, wanted);
  unsigned n = g_count.load(std::memory_order_acquire);
  if (n <= 1) return -1;
  // The least loaded; ties go to the caller's own hub, then the lowest index.
  int here = hub_index_here();
  int best = here >= 0 ? here : 0;
  int best_load = g_slots[best].load.load(std::memory_order_relaxed);
  for (unsigned i = 0; i < n; ++i) {
    int l = g_slots[i].load.load(std::memory_order_relaxed);
    if (l < best_load) {
      best = static_cast<int>(i);
      best_load = l;
    }
  }
  g_slots[best].load.fetch_add(1, std::memory_order_relaxed);
  g_slots[best].placed.fetch_add(1, std::memory_order_relaxed);
  return best;
}

unsigned long long hub_placed(int index) noexcept { return g_slots[index].placed.load(std::memory_order_relaxed); }

int hub_tid(int index) noexcept { return g_slots[index].tid; }

void hub_unload(int index) noexcept {
  if (index >= 0) g_slots[index].load.fetch_sub(1, std::memory_order_relaxed);
}

int hub_index_here() noexcept {
  Hub* h = Hub::peek_in_signal();
  unsigned n = g_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (g_slots[i].hub == h) return static_cast<int>(i);
  return -1;
}

bool hub_post(int index, std::function<void()> fn) { return mailbox_post(*g_slots[index].mailbox, std::move(fn)); }

bool hub_start(int index, std::shared_ptr<GreenletCore> g, void (*before)(void*), void* arg) {
  return hub_post(index, [g = std::move(g), before, arg] {
    before(arg);
    Hub::get().start(g, Duration::zero());
  });
}

void hub_set_note_watch(int fd, int index) noexcept {
  if (fd < 0 || static_cast<std::size_t>(fd) >= g_watchers_n) return;
  const std::uint64_t bit = 1ull << (index & 63);
  if (!(g_watchers[fd].load(std::memory_order_relaxed) & bit)) g_watchers[fd].fetch_or(bit, std::memory_order_acq_rel);
}

void hub_set_notify_close(int fd) noexcept {
  if (fd < 0 || static_cast<std::size_t>(fd) >= g_watchers_n) return;
  std::uint64_t mask = g_watchers[fd].exchange(0, std::memory_order_acq_rel);
  if (mask == 0) return;
  const int here = hub_index_here();
  unsigned n = g_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (static_cast<int>(i) != here && (mask & (1ull << (i & 63)))) forget_watches_on(&g_slots[i].hub->loop(), fd);
}

void hub_set_each_other(const std::function<void()>& fn) {
  const int here = hub_index_here();
  unsigned n = g_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (static_cast<int>(i) != here) hub_post(static_cast<int>(i), fn);
}

bool hub_set_all_stuck() noexcept {
  unsigned n = g_count.load(std::memory_order_acquire);
  if (n <= 1) return false;
  bool all = handoff_counts().busy == 0;
  for (unsigned i = 0; i < n; ++i) {
    Slot& s = g_slots[i];
    unsigned long long now = s.hub->switch_count().load(std::memory_order_relaxed);
    all = all && s.hub->stuck() && s.mailbox->pending.load(std::memory_order_acquire) == 0 && now == s.seen_switches;
    s.seen_switches = now;
  }
  g_stuck_looks = all ? g_stuck_looks + 1 : 0;
  return g_stuck_looks == 2;  // once per episode: the next switch starts another
}

void hub_set_after_fork_child() noexcept {
  unsigned n = g_count.load(std::memory_order_acquire);
  if (n <= 1) return;
  Hub* here = Hub::peek_in_signal();
  g_count.store(1, std::memory_order_release);
  if (!here) return;
  fill(g_slots[0], *here, 0);
  g_slots[0].load.store(0, std::memory_order_relaxed);
  here->release_for_set();
}

}  // namespace green::detail
