// core/fork.h — fork() and green: the child goes on with the forking greenlet only.
//
// pthread_atfork handlers (registered with the first hub) do the work, so a
// plain fork() is enough, from C++ or under the preload. In the child, on the
// forking thread:
//  - the hub keeps running the greenlet that called fork; every other greenlet
//    of that hub is abandoned: it never runs again, wakes do nothing, joining
//    it waits forever ("would block forever" if nothing else can wake). When
//    the forking greenlet was not main, the child process exits (status 0,
//    stdio flushed, like _exit: no atexit handlers) once nothing is left to run;
//  - the event loop is a fresh one: watchers started before the fork are
//    forgotten (the parent's epoll registrations are never touched);
//    signal watches (GREEN_DUMP_SIGNAL, signal handlers) carry over;
//  - the shared thread pool (run_in_thread, the resolver) starts empty;
//  - the blocking monitor, if on, watches the child's hub with a new thread.
// Hubs of other threads stay in memory, never run (those threads do not exist
// in the child), as with any multi-threaded fork.
#pragma once

namespace green::detail {

class Hub;

// fork_setup: register the atfork handlers (once per process).
void fork_setup();

// fork_child_done: the forked child has nothing left to run: _exit(0).
[[noreturn]] void fork_child_done();

// threadpool_after_fork_child / monitor_after_fork_child: their parts of the
// child's reset (threadpool.cpp, monitor.cpp).
void threadpool_after_fork_child() noexcept;
void monitor_after_fork_child() noexcept;

}  // namespace green::detail
