// threads/main_exit.cpp — the end of the process after main() ended its own
// thread with pthread_exit (threads.h: exit_once_main_ended).
#include <dirent.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "raw_syscall.h"
#include "runtime_internal.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace green::interpose::threads {

namespace {

// other_threads: the process's OS threads but the caller, the main thread
// and green's own ("green-..."): a thread the program made outside green
// (glibc's timer helper, one made before the mode) keeps it alive natively.
// -1 when /proc cannot tell.
int other_threads() noexcept {
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return -1;
  const long self = green::detail::os_tid(), main_tid = ::getpid();
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    long id = std::strtol(e->d_name, nullptr, 10);
    if (id <= 0 || id == self || id == main_tid) continue;
    char path[64], comm[32] = "";
    std::snprintf(path, sizeof path, "/proc/self/task/%ld/comm", id);
    if (FILE* f = std::fopen(path, "r")) {
      if (!std::fgets(comm, sizeof comm, f)) comm[0] = 0;
      std::fclose(f);
    }
    n += std::strncmp(comm, "green-", 6) != 0;
  }
  ::closedir(d);
  return n;
}

// The main thread's descriptor's tid word (exit_once_main_ended).
int* g_main_tid_word = nullptr;

}  // namespace

// exit_once_main_ended: from main's pthread_exit once no green thread is
// left: an OS thread of green's waits for the main thread to end (the kernel
// clears its tid word and wakes the futex on it), then calls exit(0) once
// nothing else of the program runs — as glibc's last thread would. Without
// a verified descriptor layout, or without /proc, the process lives on as
// green's threads keep it.
void exit_once_main_ended() noexcept {
  g_main_tid_word = tls_os_tid_word();
  if (!g_main_tid_word) return;
  auto watch = [](void*) {
    int v;
    while ((v = __atomic_load_n(g_main_tid_word, __ATOMIC_ACQUIRE)) != 0)
      green::detail::raw_syscall(SYS_futex, reinterpret_cast<long>(g_main_tid_word), FUTEX_WAIT, v, 0);
    const timespec tick{0, 10000000};
    // A green thread its destructors made, or a thread of the program's own.
    while (live_threads() != 0 || other_threads() != 0)
      green::detail::raw_syscall(SYS_nanosleep, reinterpret_cast<long>(&tick), 0);
    std::exit(0);
  };
  try {
    green::detail::start_named_thread("green-exit", watch, nullptr);
  } catch (...) {
    // No thread: the process then lives on as before.
  }
}

}  // namespace green::interpose::threads
