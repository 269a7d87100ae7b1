// threads/fork_guard.cpp — fork() while other OS threads run green's
// bookkeeping: with N hubs (and the watchdog, spares) another thread may hold
// one of green's spin locks at the moment of the fork, and the child — which
// has only the forking thread — would spin on it for ever (CPython's
// test_threading forked into a child stuck in the registry's lock). As
// glibc does for malloc's arenas, every such lock is taken before the fork and
// let go after it, in the parent and in the child; so the child inherits each
// one free and its structure whole. In the child the parking lot also forgets
// every waiter: each was another thread's, and a lock handed to one of them
// would stay taken for ever (natively those threads simply do not exist).
//
// Registered from the preload's constructor, before the program's and its
// libraries' handlers: glibc runs prepare handlers last-registered first, so
// these locks are taken after every other handler ran (which may still lock
// the program's mutexes through the hooks), and let go first after the fork.
// Green-threads mode only; a no-op otherwise.
#include <pthread.h>

#include "io/fdtable.h"
#include "threads/parking_lot.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace green::interpose::threads {

namespace {

bool g_held = false;  // the forking thread's: prepare took the locks

void prepare() noexcept {
  if (!on()) return;
  registry_fork_lock();
  tls_fork_lock();
  fd_fork_lock();
  lot::fork_lock();
  g_held = true;
}

void after(bool child) noexcept {
  if (!g_held) return;
  g_held = false;
  lot::fork_unlock(child);
  fd_fork_unlock();
  tls_fork_unlock();
  registry_fork_unlock();
}

void in_parent() noexcept { after(false); }
void in_child() noexcept { after(true); }

[[gnu::constructor]] void register_guard() { ::pthread_atfork(&prepare, &in_parent, &in_child); }

}  // namespace

}  // namespace green::interpose::threads
