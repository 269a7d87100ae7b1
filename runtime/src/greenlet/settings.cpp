// greenlet/settings.cpp — the registry of GREEN_* environment settings (green/settings.h).
//
// To add a setting: add a row here (name, default, one-sentence help) and read
// it with setting_text/setting_number. `green-run --help-env` prints this table.
#include "green/settings.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace green {

namespace {
constexpr Setting kSettings[] = {
    {"GREEN_STACK_SIZE", "65536",
     "Bytes of address space per greenlet stack, guard page included (sanitizer builds use 4x); only touched "
     "pages cost memory. Raise it for deep recursion."},
    {"GREEN_STACK_POOL", "1024",
     "How many freed stacks each hub keeps with their memory for reuse; further freed stacks give their memory "
     "back to the kernel and keep only their address space."},
    {"GREEN_MAX_BATCH_US", "500",
     "Longest time (microseconds) ready greenlets may run back to back before the hub polls for I/O again "
     "(a timer that comes due meanwhile fires within a few of them, not at the end)."},
    {"GREEN_THREADS", "0",
     "N >= 1: green-threads mode on N hubs (green-run --threads sets the CPUs the process may run on; "
     "--threads=N sets N): under the preload, the program's pthreads become green threads spread over N OS "
     "threads (1: all on the main thread), and its mutexes, conditions, rwlocks, semaphores, barriers and once "
     "controls park them instead of blocking the thread."},
    {"GREEN_THREAD_TLS", "1",
     "Green-threads mode: 1 gives each green thread its own thread-local storage and thread descriptor "
     "(__thread, thread_local, errno, glibc's per-thread state), as a pthread has; 0 makes every green thread "
     "share its OS thread's (and GREEN_HANDOFF_US cannot move a stuck one to a spare OS thread)."},
    {"GREEN_HANDOFF_US", "1000",
     "Green-threads mode: a green thread that runs this many microseconds without a switch point (it computes, "
     "spins, or blocks in a call green cannot see) goes on on a spare OS thread, and the other green threads "
     "go on without it; it comes back at its next call into green. 0: off (such a thread stops the others)."},
    {"GREEN_SPARE_THREADS", "64",
     "Green-threads mode: most spare OS threads hand-off (GREEN_HANDOFF_US) keeps, each running one green "
     "thread that stopped switching; made as needed, reused, never more (at most 256)."},
    {"GREEN_THREAD_STACK_SIZE", "0",
     "Green-threads mode: bytes of address space for a thread created without an explicit stack size; 0 means "
     "what a pthread gets natively (RLIMIT_STACK, usually 8 MiB). Only touched pages cost memory."},
    {"GREEN_STDIO", "1",
     "1: stdio reads and flushes on pipes, sockets, ttys park the greenlet (green's read/write in glibc's FILE "
     "vtables); 0: they block the thread as in glibc (for a program whose threads or greenlets use one such FILE "
     "at the same time while one of them waits in it: docs/interposition.md)."},
    {"GREEN_STATS", "0", "1: at exit, print counters of hooked calls, including those that went straight to libc."},
    {"GREEN_DUMP_SIGNAL", "off",
     "A signal (number or name: USR1, SIGUSR2, 10) on which the first hub of the process prints every greenlet, "
     "its state and what it waits on to stderr (see green/dump.h); off by default. Under the preload the hub is "
     "then created at load, so the signal works from the start."},
    {"GREEN_MAX_BLOCKING_MS", "0",
     "0: off. N: a watchdog thread reports (to stderr, with a backtrace) any greenlet that runs N ms without "
     "yielding, which stops every other greenlet of its thread; it interrupts that thread with SIGURG to take "
     "the backtrace."},
    {"GREEN_TRACE", "off",
     "off, or a file path: write what the hubs do (greenlet runs and switches, waits on fds, timers and locks, hooked "
     "blocking calls that parked, hub iterations; per OS thread) there as Chrome trace-event JSON, for Perfetto, "
     "chrome://tracing or tools/green-trace; off: no trace, and no cost beyond one test per switch."},
    {"GREEN_TRACE_MAX_MB", "256",
     "Most megabytes GREEN_TRACE writes; past that, events are dropped and the file ends with a note that it "
     "was truncated."},
    {"GREEN_ERROR_OUTPUT", "stderr",
     "Where the line \"<name> failed with <what>\" goes when a greenlet fails (green::set_error_handler "
     "overrides it): stderr, off (silent), or a file path to append to."},
    {"GREEN_THREADPOOL_SIZE", "8",
     "Most OS threads the shared thread pool (run_in_thread, getaddrinfo under the preload) runs at once."},
};

const Setting* find(const char* name) {
  for (const Setting& s : kSettings)
    if (std::strcmp(s.name, name) == 0) return &s;
  return nullptr;
}

bool parse(const char* text, unsigned long long& out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || errno != 0 || text[0] == '-') return false;
  switch (*end) {
    case 'k':
    case 'K':
      v <<= 10;
      ++end;
      break;
    case 'm':
    case 'M':
      v <<= 20;
      ++end;
      break;
    case 'g':
    case 'G':
      v <<= 30;
      ++end;
      break;
    default: break;
  }
  if (*end == 'i' && end[1] == 'B') end += 2;
  else if (*end == 'B') ++end;
  if (*end != '\0') return false;
  out = v;
  return true;
}
}  // namespace

std::span<const Setting> settings() noexcept { return kSettings; }

std::string setting_text(const char* name) {
  const Setting* s = find(name);
  if (!s) {
    std::fprintf(stderr, "green: internal error: setting %s is not in the registry (settings.cpp)\n", name);
    std::abort();
  }
  const char* v = std::getenv(name);
  return v && *v ? v : s->default_value;
}

unsigned long long setting_number(const char* name) {
  std::string text = setting_text(name);
  unsigned long long v = 0;
  if (parse(text.c_str(), v)) return v;
  const Setting* s = find(name);
  std::fprintf(stderr, "green: ignoring %s=%s: not a number (use e.g. 65536 or 64k); using the default %s\n", name,
               text.c_str(), s->default_value);
  parse(s->default_value, v);
  return v;
}

}  // namespace green
