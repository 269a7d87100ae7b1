// threads/shared_objects.h — process-shared pthread objects in green-threads mode.
//
// An object initialised with PTHREAD_PROCESS_SHARED may be used by another
// process, which knows nothing of green: glibc keeps handling it, in glibc's
// layout. Their addresses are remembered here (there are few, usually none,
// so the common check is one atomic load).
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_set>

#include "gate/spinlock.h"

namespace green::interpose::threads {

class SharedObjects {
 public:
  void add(const void* p) {
    std::lock_guard<SpinLock> g(lock_);
    if (set().insert(p).second) count_.fetch_add(1, std::memory_order_release);
  }
  // init_native: remember `p` as process-shared and let glibc initialise it
  // (`init` is the real pthread_*_init call).
  template <class Init>
  int init_native(const void* p, Init init) {
    add(p);
    return init();
  }
  // remove: true when `p` was one.
  bool remove(const void* p) {
    if (count_.load(std::memory_order_acquire) == 0) return false;
    std::lock_guard<SpinLock> g(lock_);
    if (!set().erase(p)) return false;
    count_.fetch_sub(1, std::memory_order_release);
    return true;
  }
  bool contains(const void* p) {
    if (count_.load(std::memory_order_acquire) == 0) return false;
    std::lock_guard<SpinLock> g(lock_);
    return set().count(p) != 0;
  }

 private:
  // Leaked on purpose: objects are used until the process exits.
  std::unordered_set<const void*>& set() {
    if (!set_) set_ = new std::unordered_set<const void*>();
    return *set_;
  }
  SpinLock lock_;
  std::atomic<std::size_t> count_{0};
  std::unordered_set<const void*>* set_ = nullptr;
};

}  // namespace green::interpose::threads
