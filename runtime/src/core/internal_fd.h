// core/internal_fd.h — green's own file descriptors, out of the program's way.
//
// The hub's epoll fd (libev's), its doorbell eventfd and timerfd, and the pidfds a
// waitpid parks on are green's, not the program's. The kernel hands out the
// lowest free number, so created plainly they sit among the program's own
// (3, 4, 5...), where a shell dup2s its pipes, closes "its" fds and forks: it
// then closes the hub's epoll fd, or gives a child green's eventfd as its
// standard input. So every one of them is moved, as shells move their own,
// to the top of the fd range (F_DUPFD_CLOEXEC from a little below
// RLIMIT_NOFILE's soft limit, capped at kTopCap), made close-on-exec, and
// registered here: the interposer's close, close_range and closefrom leave
// registered numbers alone and answer EBADF as if they were not open, which is
// what the program sees natively (docs/interposition.md).
//
// A program may also want one of these numbers (its dup2 onto it, or an
// F_DUPFD that natively returns it): each is registered with the owner that
// moves it away then (InternalFdOwner: the EventLoop for its three, a wait's
// PidfdOwner), and the hook's call goes on once green no longer uses it.
//
// libev creates its fds itself: the loop opens an InternalFdScope around the
// libev calls that create or close them, and the interposer's hooks of
// epoll_create/epoll_create1/eventfd hand what they create to adopt_created_fd.
// Without the interposer (a C++ program linking libgreen) libev's epoll fd
// stays where the kernel put it (the doorbell and the timerfd are green's own
// and move up either way); the program is green's author then.
#pragma once

#include "runtime_internal.h"  // the declarations: the interposer calls them too
