// green/local.h — a value per greenlet (gevent.local).
//
//   green::local<std::string> request_id;          // usually a global or a member
//   green::spawn([&] { *request_id = "r1"; handle(); });   // handle() sees "r1"
//   green::spawn([&] { *request_id = "r2"; handle(); });   // ... and this one "r2"
//
// Each greenlet sees its own T: constructed (by `init`, else T{}) the first
// time that greenlet touches this local, destroyed when that greenlet dies
// (as its links fire, before anyone joining it resumes). The main greenlet's
// value lives until its thread exits. Usable from any greenlet of any hub; a
// value belongs to the greenlet (and so to the OS thread) that made it.
//
// Never blocks or switches. Errors: whatever T's construction throws (then no
// value is stored). Kill and Timeout: not affected (nothing waits).
//
// Destroying a local<T> does not reach into other greenlets: values already
// made are destroyed with their greenlets, and never seen again (a new local
// at the same address starts empty).
//
// Cost of a lookup (get(), *, ->): the thread's hub (one TLS read), a
// one-entry cache of the last greenlet's store (else a hash lookup), then a
// scan of that greenlet's values (most greenlets hold one or two). Measured
// by local_test's LookupCost on a loaded 2-core machine: about 30 ns per
// get() of an existing value, against well under 1 ns for a thread_local. The
// first use in a greenlet also allocates its value and, once per greenlet, a
// small store linked to it. Hoist `T& v = x.get();` out of hot loops.
//
// T's destructor runs as the greenlet dies, in the hub: it must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

namespace green {

namespace detail {
// local_find: this greenlet's value for local `key`, or null.
void* local_find(std::uint64_t key);
// local_put: store `value` (destroyed by `destroy`) for `key` in this greenlet.
void local_put(std::uint64_t key, void* value, void (*destroy)(void*));
// local_erase: destroy this greenlet's value for `key`, if any.
void local_erase(std::uint64_t key) noexcept;
std::uint64_t local_new_key() noexcept;
}  // namespace detail

template <class T>
class local {
 public:
  // local: values start as T{} (T must be default-constructible).
  local() : init_([] { return T{}; }) {}
  // local(init): each greenlet's value starts as init(), called in that greenlet.
  explicit local(std::function<T()> init) : init_(std::move(init)) {}
  local(const local&) = delete;
  local& operator=(const local&) = delete;

  // get: the current greenlet's value, made on first use.
  T& get() {
    if (void* v = detail::local_find(key_)) return *static_cast<T*>(v);
    T* v = new T(init_());
    try {
      detail::local_put(key_, v, [](void* p) { delete static_cast<T*>(p); });
    } catch (...) {
      delete v;
      throw;
    }
    return *v;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // has_value: whether the current greenlet has made its value yet.
  bool has_value() const { return detail::local_find(key_) != nullptr; }
  // reset: destroy the current greenlet's value; the next use makes a new one.
  void reset() noexcept { detail::local_erase(key_); }

 private:
  std::uint64_t key_ = detail::local_new_key();
  std::function<T()> init_;
};

}  // namespace green
