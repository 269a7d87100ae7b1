// threads/hooks_thread.cpp — green-threads mode: pthread_create spawns a greenlet;
// join, detach, exit, self, names, cancellation and sched_yield follow it.
//
// A green thread's pthread_t is the address of its GreenThread record; it is
// valid until the thread is joined (or, detached, until it ends). Calls on a
// pthread_t that is not a live green thread go to glibc (an OS thread's), so
// a program mixing both keeps working. Outside the mode, all go to glibc.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "gate/real.h"
#include "green/detail/greenlet_core.h"
#include "green/greenlet.h"
#include "green/settings.h"
#include "green/sleep.h"
#include "runtime_internal.h"
#include "threads/identity.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;
using gi::Hook;

namespace {

std::atomic<unsigned> g_numbers{0};

// stack_size: what the thread asked for, else what a pthread gets by default
// (RLIMIT_STACK, as glibc) unless GREEN_THREAD_STACK_SIZE says otherwise.
// Address space only: untouched pages cost nothing.
std::size_t stack_size(const pthread_attr_t* attr) {
  std::size_t size = 0;
  if (attr) pthread_attr_getstacksize(attr, &size);
  if (size == 0 || !attr) {
    if (auto s = green::setting_number("GREEN_THREAD_STACK_SIZE")) return static_cast<std::size_t>(s);
    pthread_attr_t def;
    if (pthread_getattr_default_np(&def) == 0) {
      pthread_attr_getstacksize(&def, &size);
      pthread_attr_destroy(&def);
    }
  }
  if (size < 16384) size = 16384;
  return size;
}

// call_start: start(arg), recording in *user_frame the stack pointer the
// start routine is entered with — the slot of its return address into
// thread_main_unwound. Below it the stack is the program's own, which is what
// hand-off looks at (core/handoff.h). A jump, not a call: no frame of ours
// between the routine and its caller.
extern "C" void* green_call_start(void* (*start)(void*), void* arg, void** user_frame);
__asm__(
    ".text\n"
    ".globl green_call_start\n"
    ".hidden green_call_start\n"
    ".type green_call_start, @function\n"
    "green_call_start:\n"
    "  .cfi_startproc\n"
    "  movq %rsp, (%rdx)\n"
    "  movq %rdi, %rax\n"
    "  movq %rsi, %rdi\n"
    "  jmp *%rax\n"
    "  .cfi_endproc\n"
    ".size green_call_start, .-green_call_start\n");

void* thread_main_unwound(gt::GreenThread* t) {
  // The frame pthread_exit's unwinding ends in: nothing here needs cleanup.
  int marker = 0;
  t->exit_frame = &marker;
  if (setjmp(t->exit_jmp) == 0) return green_call_start(t->start, t->arg, &t->user_frame);
  return t->result;
}

void run_thread(gt::GreenThread* t) {
  t->core = green::detail::current_core();
  t->core->thread_record_ = t;
  gt::tls_begin(t);
  if (!t->cancel_pending) {
    try {
      t->result = thread_main_unwound(t);
      // From here on only green's code runs on this stack, and its frames
      // now lie where the routine's were: hand-off, which takes the stack
      // below user_frame for the program's own, must not look again (it
      // handed a thread off inside tls_end's call to free, and the hub
      // resumed it twice: threads.fork_busy under load).
      t->user_frame = nullptr;
      // A thread that ends on a spare OS thread (hand-off) comes back to its
      // hub's thread before anything of green's runs for it.
      green::detail::handoff_come_back();
    } catch (...) {
      // Natively an exception leaving a thread's start routine terminates the
      // process; the same here (it names the exception).
      std::terminate();
    }
  } else {
    t->result = PTHREAD_CANCELED;  // canceled before it started: never runs
  }
  // glibc's order: C++ thread_local destructors, TSD destructors, the TLS block.
  gt::tls_run_destructors(t);
  gt::run_specific_destructors(t);
  gt::tls_end(t);
  t->core->thread_record_ = nullptr;
  t->core = nullptr;
  green::detail::hub_unload(t->hub);
  if (gt::thread_finished(t)) {
    gt::registry_remove(t);
    delete t;
  }
}

// start_elsewhere: start `t` on another hub (t->hub), whose thread makes its
// descriptor (a copy of that thread's green thread_locals: its hub) and starts
// it. Throws what allocation throws; the caller undoes.
void start_elsewhere(gt::GreenThread* t) {
  auto body = [t] { run_thread(t); };
  auto core = std::make_shared<green::detail::Task<void, decltype(body)>>(t->stack_size, std::move(body));
  core->set_name("thread " + std::to_string(t->number));
  t->created_on = green::detail::hub_tid(t->hub);
  gt::registry_add(t);
  auto made_there = [](void* arg) {
    auto* th = static_cast<gt::GreenThread*>(arg);
    gt::publish_descriptor(th, gt::tls_create(th->id));
  };
  if (!green::detail::hub_start(t->hub, std::move(core), made_there, t)) throw std::bad_alloc();
}

// cancel_here: pthread_cancel on `t`'s hub's thread.
void cancel_here(gt::GreenThread* t) {
  if (t->done || t->exiting) return;
  t->cancel_pending = true;
  // Parked in a cancellation point with cancellation enabled: end that wait now.
  if (t->core && t->cancel_enabled && t->in_cancel_point)
    green::detail::interrupt(t->core, std::make_exception_ptr(gt::Canceled{}));
}

// Joins: wait for `t` to finish (until `d`), collect its value, free it.
int join(gt::GreenThread* t, void** ret, const gi::Deadline& d, bool try_only) {
  gt::GreenThread* self = gt::current();
  if (t == self || (self && t->joiner_of == self)) return EDEADLK;
  if (t->detached || t->joined) return EINVAL;
  if (!t->done) {
    if (try_only) return EBUSY;
    gt::CancelPoint cp;
    t->joined = true;
    if (self) self->joiner_of = t;
    gt::WaitNote note("pthread_join", t, t->id, "joining");
    while (!t->done) {
      auto r = gi::lot::park(
          t, [&] { return !t->done; }, [] {}, d, {"pthread_join"}, nullptr, nullptr);
      if (r == gi::lot::Result::timed_out && !t->done) {
        t->joined = false;
        if (self) self->joiner_of = nullptr;
        return ETIMEDOUT;
      }
    }
    if (self) self->joiner_of = nullptr;
  }
  if (ret) *ret = t->result;
  gt::registry_remove(t);
  delete t;
  return 0;
}

// set_cancel_flag: pthread_setcancelstate and pthread_setcanceltype, which
// differ only in the flag and its two values: `value` must be `yes` or `no`;
// *old gets the flag's previous value in those terms. Plain threads: `real`.
template <class Real>
int set_cancel_flag(Real real, bool gt::GreenThread::*flag, int value, int* old, int yes, int no) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t) return real(value, old);
  if (value != yes && value != no) return EINVAL;
  if (old) *old = t->*flag ? yes : no;
  t->*flag = value == yes;
  return 0;
}

}  // namespace

extern "C" {

int pthread_create(pthread_t* out, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  if (gt::mode() != gt::Mode::green || green::detail::native_threads_requested()) {
    int rc = REAL(pthread_create)(out, attr, start, arg);
    if (rc == 0 && gt::on()) gt::tls_real_thread_made();
    return rc;
  }
  gi::count(Hook::pthread_create, gi::Why::green);
  auto* t = new (std::nothrow) gt::GreenThread();
  if (!t) return EAGAIN;
  t->number = g_numbers.fetch_add(1, std::memory_order_relaxed) + 1;
  t->id = gt::kFirstGreenId + static_cast<int>(t->number);
  t->created_on = green::detail::os_tid();
  t->start = start;
  t->arg = arg;
  int detach = PTHREAD_CREATE_JOINABLE;
  if (attr) pthread_attr_getdetachstate(attr, &detach);
  t->detached = detach == PTHREAD_CREATE_DETACHED;
  try {
    t->stack_size = stack_size(attr);
    // With N hubs, the least loaded one (green/detail/sched.h has the rest).
    t->hub = green::detail::hub_pick();
    if (t->hub >= 0 && t->hub != green::detail::hub_index_here()) {
      start_elsewhere(t);
      *out = reinterpret_cast<pthread_t>(t);
      return 0;
    }
    green::SpawnOptions o;
    o.name = "thread " + std::to_string(t->number);
    o.stack_size = t->stack_size;
    gt::registry_add(t);
    green::spawn_with(std::move(o), run_thread, t);
  } catch (...) {
    gt::registry_remove(t);
    green::detail::hub_unload(t->hub);
    delete t;
    return EAGAIN;
  }
  // After the spawn, which made this thread's hub if it had none: the new
  // descriptor's copy of green's thread_locals must name it.
  gt::publish_descriptor(t, gt::tls_create(t->id));
  *out = reinterpret_cast<pthread_t>(t);
  return 0;
}

int pthread_join(pthread_t th, void** ret) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_join)(th, ret);
  return join(t, ret, gi::Deadline::never(), false);
}

int pthread_tryjoin_np(pthread_t th, void** ret) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_tryjoin_np)(th, ret);
  return join(t, ret, gi::Deadline::never(), true);
}

int pthread_clockjoin_np(pthread_t th, void** ret, clockid_t clock, const struct timespec* abs) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_clockjoin_np)(th, ret, clock, abs);
  if (abs && !t->done && !gi::valid_abstime(clock, abs)) return EINVAL;
  return join(t, ret, abs ? gi::Deadline::at(clock, *abs) : gi::Deadline::never(), false);
}

int pthread_timedjoin_np(pthread_t th, void** ret, const struct timespec* abs) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_timedjoin_np)(th, ret, abs);
  return pthread_clockjoin_np(th, ret, CLOCK_REALTIME, abs);
}

int pthread_detach(pthread_t th) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_detach)(th);
  switch (gt::detach(t)) {
    case gt::Detach::already: return EINVAL;
    case gt::Detach::finished:
      // Finished and never joined: nothing left to wait for.
      gt::registry_remove(t);
      delete t;
      return 0;
    case gt::Detach::done: break;
  }
  return 0;
}

void pthread_exit(void* value) {
  if (gt::on()) {
    if (gt::GreenThread* t = gt::current()) gt::exit_thread(t, value);
    if (gi::is_main_thread() && !gi::in_hub_now()) {
      // main() ending its own thread: the process lives on until every other
      // thread ended, as natively.
      gt::wait_all_finished();
      // Then glibc ends main's thread (its cleanup handlers, TSD and
      // thread_local destructors). Natively the process ends there, its last
      // thread calling exit(0); green's own OS threads (hubs, the watchdog)
      // would keep it alive for ever, so one of green's does that instead.
      gt::exit_once_main_ended();
    }
  }
  // Not REAL(): clang makes noreturn part of the function's type, which
  // RealCall does not match.
  if (auto real = reinterpret_cast<void (*)(void*)>(gi::real_fn(Hook::pthread_exit))) real(value);
  std::abort();  // only if glibc's could not be found
}

pthread_t pthread_self(void) {
  if (gt::on())
    if (gt::GreenThread* t = gt::current()) return reinterpret_cast<pthread_t>(t);
  return REAL(pthread_self)();
}

// glibc's <pthread.h> defines pthread_equal inline when optimising, and clang
// refuses a second definition: ours takes the symbol through its asm name.
int green_pthread_equal(pthread_t a, pthread_t b) __asm__("pthread_equal");
int green_pthread_equal(pthread_t a, pthread_t b) { return a == b; }

int pthread_setname_np(pthread_t th, const char* name) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_setname_np)(th, name);
  std::size_t n = std::strlen(name);
  if (n >= sizeof t->name) return ERANGE;
  std::memcpy(t->name, name, n + 1);
  return 0;
}

int pthread_getname_np(pthread_t th, char* buf, size_t len) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_getname_np)(th, buf, len);
  // Unnamed: the program's name, as a new thread natively inherits it.
  const char* name = t->name[0] ? t->name : program_invocation_short_name;
  std::size_t n = strnlen(name, 15);
  if (len < n + 1) return ERANGE;
  std::memcpy(buf, name, n);
  buf[n] = '\0';
  return 0;
}

int pthread_getattr_np(pthread_t th, pthread_attr_t* attr) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_getattr_np)(th, attr);
  // Its greenlet's stack, as glibc reports a pthread's: above the guard page.
  // (glibc's own would read a descriptor, or the OS thread's stack.)
  if (int rc = pthread_attr_init(attr)) return rc;
  const auto guard = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  pthread_attr_setguardsize(attr, guard);
  if (t->detached) pthread_attr_setdetachstate(attr, PTHREAD_CREATE_DETACHED);
  const green::detail::FiberState* f = t->core ? &t->core->fiber_ : nullptr;
  if (f && f->stack_base && f->stack_size > guard)
    pthread_attr_setstack(attr, static_cast<char*>(f->stack_base) + guard, f->stack_size - guard);
  else pthread_attr_setstacksize(attr, t->stack_size);  // not started (or finished): no stack yet
  return 0;
}

int pthread_kill(pthread_t th, int sig) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_kill)(th, sig);
  return gt::signal_thread(t, sig, nullptr);
}

int pthread_cancel(pthread_t th) {
  gt::GreenThread* t = gt::on() ? gt::from_pthread(th) : nullptr;
  if (!t) return REAL(pthread_cancel)(th);
  green::detail::handoff_come_back();  // interrupt() below is the hub's, on its thread
  if (t->hub >= 0 && t->hub != green::detail::hub_index_here() && green::detail::hub_set_size() > 1) {
    // Its state is its hub's: act there (asynchronously, as natively).
    const int id = t->id;
    green::detail::hub_post(t->hub, [id] {
      if (gt::GreenThread* live = gt::find_live(id)) cancel_here(live);
    });
    return 0;
  }
  cancel_here(t);
  return 0;
}

void pthread_testcancel(void) {
  if (!gt::on()) return REAL(pthread_testcancel)();
  gt::act_on_cancel();
}

int pthread_setcancelstate(int state, int* old) {
  auto real = [](int v, int* o) { return REAL(pthread_setcancelstate)(v, o); };
  return set_cancel_flag(real, &gt::GreenThread::cancel_enabled, state, old, PTHREAD_CANCEL_ENABLE,
                         PTHREAD_CANCEL_DISABLE);
}

int pthread_setcanceltype(int type, int* old) {
  auto real = [](int v, int* o) { return REAL(pthread_setcanceltype)(v, o); };
  return set_cancel_flag(real, &gt::GreenThread::cancel_async, type, old, PTHREAD_CANCEL_ASYNCHRONOUS,
                         PTHREAD_CANCEL_DEFERRED);
}

int sched_yield(void) {
  if (gt::mode() != gt::Mode::green) return REAL(sched_yield)();
  gi::count(Hook::sched_yield, gi::Why::green);
  green::yield();
  return 0;
}

}  // extern "C"
