// greenlet/c_api.cpp — green/green_c.h over the C++ API.
#include "green/green_c.h"

#include <cerrno>
#include <cmath>
#include <new>

#include "green/greenlet.h"
#include "green/io.h"
#include "green/sleep.h"

struct green_greenlet {
  green::Greenlet<void*> g;
};

namespace {
green::Duration to_duration(double seconds) {
  if (seconds < 0 || std::isnan(seconds)) return green::forever;
  return green::seconds(seconds);
}
}  // namespace

extern "C" {

green_greenlet_t* green_spawn(green_fn_t fn, void* arg) {
  try {
    return new green_greenlet{green::spawn(fn, arg)};
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
    return nullptr;
  }
}

int green_join(green_greenlet_t* g, double timeout) {
  if (&g->g.core() == green::detail::current_core()) {
    errno = EDEADLK;
    return -1;
  }
  if (g->g.join(to_duration(timeout))) return 0;
  errno = ETIMEDOUT;
  return -1;
}

int green_get(green_greenlet_t* g, void** result, double timeout) {
  if (green_join(g, timeout) != 0) return -1;
  if (g->g.exception() || g->g.killed_by()) {
    errno = ECANCELED;
    return -1;
  }
  if (result) *result = g->g.get();
  return 0;
}

int green_kill(green_greenlet_t* g, int block, double timeout) {
  if (g->g.kill(nullptr, block != 0, to_duration(timeout))) return 0;
  errno = ETIMEDOUT;
  return -1;
}

int green_ready(const green_greenlet_t* g) { return g->g.ready() ? 1 : 0; }

void green_release(green_greenlet_t* g) { delete g; }

int green_sleep(double seconds) {
  green::sleep(seconds <= 0 || std::isnan(seconds) ? green::Duration::zero() : green::seconds(seconds));
  return 0;
}

void green_yield(void) { green::yield(); }

int green_wait_read(int fd, double timeout) {
  int r = green::wait_fd(fd, green::READ, to_duration(timeout));
  return r < 0 ? -1 : (r ? 1 : 0);
}

int green_wait_write(int fd, double timeout) {
  int r = green::wait_fd(fd, green::WRITE, to_duration(timeout));
  return r < 0 ? -1 : (r ? 1 : 0);
}

void green_set_name(green_greenlet_t* g, const char* name) { g->g.set_name(name ? name : ""); }

}  // extern "C"
