// own_locks.cpp — green's own locks (std::mutex inside the runtime) are held
// by green's OS threads too (the watchdog, spares, pool workers). A green
// thread that waits for one must not park as if for a program's mutex: the
// hub, with nothing armed, would call it a deadlock (a fresh-clone CI run
// printed one from gzip: its main thread was making its hub while the
// watchdog held the hub list's lock).
//
// The program links the runtime and makes itself "green's code"
// (handoff_add_code) and starts its holder as green starts its own threads
// (start_named_thread: an OS thread in either run). Natively nothing of that
// matters; under the preload the runtime is the preload's. Either way the
// main thread waits 300 ms for the lock and gets it. What the run writes to
// stderr (a deadlock report) is caught in a file and shown on stdout, which
// the runner compares with the native run's.
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "os_threads.h"
#include "runtime_internal.h"

namespace {

std::mutex g_lock;
std::atomic<bool> g_held{false};

void holder(void*) {
  {
    std::lock_guard<std::mutex> hold(g_lock);
    g_held.store(true, std::memory_order_release);
    const timespec pause{0, 300 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  g_held.store(false, std::memory_order_release);  // done with everything of main's
}

}  // namespace

int main() {
  std::FILE* caught = std::tmpfile();
  if (!caught || ::dup2(::fileno(caught), STDERR_FILENO) < 0) return 1;
  green::detail::handoff_add_code(reinterpret_cast<const void*>(&holder));
  green::detail::start_named_thread("green-holder", &holder, nullptr);
  const timespec tick{0, 1000 * 1000};
  for (int i = 0; i < 5000 && !g_held.load(std::memory_order_acquire); ++i) ::nanosleep(&tick, nullptr);
  // An ordinary thread of the program's, for the runner's count: a second OS
  // thread natively, a green thread under the preload (green-holder, green's
  // by its name, is not counted).
  std::thread([] { note_os_threads("own_locks.thread"); }).join();
  {
    std::lock_guard<std::mutex> mine(g_lock);
    std::printf("the main thread got the lock after the holder let it go\n");
  }
  while (g_held.load(std::memory_order_acquire)) ::nanosleep(&tick, nullptr);
  std::rewind(caught);
  char line[256];
  while (std::fgets(line, sizeof line, caught)) std::printf("stderr: %s", line);
  return 0;
}
