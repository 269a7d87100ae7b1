// threads/thread_registry.cpp — the live green threads: validation of pthread_t
// values, joins, main's pthread_exit, and the deadlock report.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gate/spinlock.h"
#include "runtime_internal.h"
#include "threads/threads.h"

namespace green::interpose::threads {

namespace {
SpinLock g_lock;
// Leaked on purpose: green threads may still finish while static
// destructors run (exit() from a green thread). Made at first use: a hub
// made by a constructor that runs before this file's (GREEN_DUMP_SIGNAL's)
// already asks about threads.
struct Registry {
  std::unordered_set<GreenThread*> threads;
  std::unordered_map<int, GreenThread*> by_id;
};
Registry& registry() {
  static Registry& r = *new Registry();
  return r;
}
// Not yet finished; written under g_lock, read also under a bucket lock.
std::atomic<std::size_t> g_running{0};
// Key main's pthread_exit waits on for "every green thread finished".
const char g_all_done_key = 0;

void describe(const GreenThread& t, char* out, std::size_t n) {
  if (t.name[0]) std::snprintf(out, n, "thread %u '%s'", t.number, t.name);
  else std::snprintf(out, n, "thread %u", t.number);
}

const GreenThread* by_id(int id) {
  auto it = registry().by_id.find(id);
  return it == registry().by_id.end() ? nullptr : it->second;
}
}  // namespace

void registry_add(GreenThread* t) {
  std::lock_guard<SpinLock> g(g_lock);
  registry().threads.insert(t);
  try {
    registry().by_id.emplace(t->id, t);
  } catch (...) {
    registry().threads.erase(t);
    throw;
  }
  ++g_running;
}

void registry_remove(GreenThread* t) {
  std::lock_guard<SpinLock> g(g_lock);
  registry().threads.erase(t);
  registry().by_id.erase(t->id);
}

int with_live(int id, int (*fn)(const GreenThread* t)) noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  const GreenThread* t = by_id(id);
  return fn(t && !t->done ? t : nullptr);
}

GreenThread* find_live(int id) noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  auto it = registry().by_id.find(id);
  return it == registry().by_id.end() || it->second->done ? nullptr : it->second;
}

GreenThread* from_pthread(pthread_t p) noexcept {
  auto* t = reinterpret_cast<GreenThread*>(p);
  std::lock_guard<SpinLock> g(g_lock);
  return registry().threads.count(t) ? t : nullptr;
}

void each_descriptor(void (*fn)(void* thread_pointer, void* arg), void* arg) noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  for (GreenThread* t : registry().threads)
    if (t->thread_pointer) fn(t->thread_pointer, arg);
}

void publish_descriptor(GreenThread* t, void* thread_pointer) noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  t->thread_pointer = thread_pointer;
}

void registry_fork_lock() noexcept { g_lock.lock(); }
void registry_fork_unlock() noexcept { g_lock.unlock(); }

std::size_t live_threads() noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  return g_running;
}

bool thread_finished(GreenThread* t) {
  bool last, detached;
  {
    std::lock_guard<SpinLock> g(g_lock);
    t->done = true;
    detached = t->detached;
    last = --g_running == 0;
  }
  lot::unpark_all(t, 0);
  if (last) lot::unpark_all(&g_all_done_key, 0);
  return detached;
}

Detach detach(GreenThread* t) noexcept {
  std::lock_guard<SpinLock> g(g_lock);
  if (t->detached) return Detach::already;
  if (t->done) return Detach::finished;
  t->detached = true;
  return Detach::done;
}

void wait_all_finished() {
  WaitNote note("pthread_exit in main: waits for every thread to finish", nullptr);
  while (live_threads() != 0) {
    lot::park(
        &g_all_done_key, [] { return g_running != 0; }, [] {}, Deadline::never(), {"pthread_exit (main)"}, nullptr,
        nullptr);
  }
}

void report_deadlock() noexcept {
  // Composed under the registry lock, written after it: the write itself is a
  // hooked call that could park.
  std::string text =
      "green: deadlock: every green thread is blocked and nothing can wake them (no I/O, timer or thread "
      "outside green can release them). Waiting on, as the program would natively:\n";
  auto line = [&text](const char* who, const GreenThread& t) {
    char owner[96] = "";
    if (t.wait_owner != 0) {
      if (const GreenThread* o = by_id(t.wait_owner)) {
        char d[48];
        describe(*o, d, sizeof d);
        std::snprintf(owner, sizeof owner, ", %s %s", t.wait_relation, d);
      } else if (t.wait_owner == ::getpid()) {
        std::snprintf(owner, sizeof owner, ", %s the main thread", t.wait_relation);
      } else {
        std::snprintf(owner, sizeof owner, ", %s OS thread %d", t.wait_relation, t.wait_owner);
      }
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %s: %s %p%s\n", who, t.wait_reason ? t.wait_reason : "running or ready",
                  t.wait_object, owner);
    text += buf;
  };
  try {
    std::lock_guard<SpinLock> g(g_lock);
    if (g_main_notes.wait_reason) line("main thread", g_main_notes);
    std::vector<GreenThread*> all(registry().threads.begin(), registry().threads.end());
    std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->number < b->number; });
    for (GreenThread* t : all) {
      if (t->done) continue;
      char d[48];
      describe(*t, d, sizeof d);
      line(d, *t);
    }
  } catch (...) {
    text += "  (out of memory listing the threads)\n";
  }
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace green::interpose::threads
