// threads/hooks_tsd.cpp — green-threads mode: thread-specific data per green thread,
// and pthread_once that parks instead of blocking the OS thread.
//
// Keys are glibc's own (pthread_key_create allocates one there), so OS
// threads keep glibc's storage and destructors; a green thread keeps its
// values in its GreenThread record, tagged with the key's generation so a
// deleted-and-recreated key never shows a predecessor's value. The main
// thread is an OS thread here: it uses glibc's storage.
#include <errno.h>
#include <limits.h>
#include <pthread.h>

#include <atomic>

#include "gate/real.h"
#include "gate/spinlock.h"
#include "runtime_internal.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

struct KeyInfo {
  std::atomic<void (*)(void*)> destructor{nullptr};
  std::atomic<unsigned> generation{1};
};
KeyInfo g_keys[PTHREAD_KEYS_MAX];

// once states (the control word): glibc's layout for the values that matter.
constexpr int kOnceInit = 0;
constexpr int kOnceRunning = 1;
constexpr int kOnceDone = 2;

// OnceRun: a once routine that does not complete (a cancel, pthread_exit, an
// exception) resets the control so another caller runs it, as glibc does.
struct OnceRun {
  pthread_once_t* once;
  bool finished = false;
  ~OnceRun() {
    std::atomic_ref<int>(*once).store(finished ? kOnceDone : kOnceInit, std::memory_order_release);
    gi::lot::unpark_all(once, 0);
  }
};

}  // namespace

namespace green::interpose::threads {

void run_specific_destructors(GreenThread* t) {
  // As glibc: up to PTHREAD_DESTRUCTOR_ITERATIONS rounds, since a destructor
  // may set values again.
  for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; ++round) {
    bool any = false;
    for (std::size_t k = 0; k < t->specific.size(); ++k) {
      auto& s = t->specific[k];
      if (!s.value) continue;
      void* v = s.value;
      s.value = nullptr;
      if (s.generation != g_keys[k].generation.load(std::memory_order_acquire)) continue;
      if (auto d = g_keys[k].destructor.load(std::memory_order_acquire)) {
        green::detail::CallingProgram back;  // hand-off: green's frames are live below d
        d(v);
        any = true;
      }
    }
    if (!any) break;
  }
  t->specific.clear();
  t->specific.shrink_to_fit();
}

}  // namespace green::interpose::threads

extern "C" {

int pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  int r = REAL(pthread_key_create)(key, destructor);
  if (r == 0 && *key < PTHREAD_KEYS_MAX) g_keys[*key].destructor.store(destructor, std::memory_order_release);
  return r;
}

int pthread_key_delete(pthread_key_t key) {
  int r = REAL(pthread_key_delete)(key);
  if (r == 0 && key < PTHREAD_KEYS_MAX) {
    g_keys[key].destructor.store(nullptr, std::memory_order_release);
    g_keys[key].generation.fetch_add(1, std::memory_order_acq_rel);
  }
  return r;
}

void* pthread_getspecific(pthread_key_t key) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t) return REAL(pthread_getspecific)(key);
  if (key >= t->specific.size()) return nullptr;
  const auto& s = t->specific[key];
  return s.generation == g_keys[key].generation.load(std::memory_order_acquire) ? s.value : nullptr;
}

int pthread_setspecific(pthread_key_t key, const void* value) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t) return REAL(pthread_setspecific)(key, value);
  if (key >= PTHREAD_KEYS_MAX) return EINVAL;
  unsigned gen = g_keys[key].generation.load(std::memory_order_acquire);
  try {
    if (key >= t->specific.size()) t->specific.resize(key + 1);
  } catch (...) {
    return ENOMEM;
  }
  t->specific[key] = {const_cast<void*>(value), gen};
  return 0;
}

int pthread_once(pthread_once_t* once, void (*init)(void)) {
  if (!gt::on()) return REAL(pthread_once)(once, init);
  std::atomic_ref<int> state(*once);
  for (;;) {
    int s = state.load(std::memory_order_acquire);
    if (s == kOnceDone) return 0;
    if (s == kOnceInit) {
      int expected = kOnceInit;
      if (!state.compare_exchange_strong(expected, kOnceRunning, std::memory_order_acq_rel)) continue;
      OnceRun run{once};
      {
        green::detail::CallingProgram back;  // hand-off: green's frames are live below init
        init();
      }
      run.finished = true;
      return 0;
    }
    // green's own std::call_once sleeps as an OS thread (parking_lot.h: os_sleep).
    gi::lot::Want want{"pthread_once"};
    want.os_sleep = green::detail::is_green_code(__builtin_return_address(0));
    gt::WaitNote note("pthread_once: waits for another thread's init routine", once);
    gi::lot::park(
        once, [&] { return state.load(std::memory_order_acquire) == kOnceRunning; }, [] {}, gi::Deadline::never(), want,
        nullptr, nullptr);
  }
}

}  // extern "C"
