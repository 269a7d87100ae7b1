// gate/real.h — the libc functions behind the hooks, found lazily with
// dlsym(RTLD_NEXT). real.cpp is the only file in green that calls dlsym.
//
//   ssize_t n = REAL(read)(fd, buf, len);
//
// Each symbol is looked up on its first use and cached. dlsym may allocate,
// and an allocator may call a hooked function: a hook reached while a lookup
// is in progress on the same thread gets a null pointer from real_fn, and
// REAL() then fails the call with ENOSYS (counted as "during dlsym") instead of
// recursing forever.
#pragma once

#include <cstddef>
#include <type_traits>

#include "gate/gate.h"
#include "gate/libc_decls.h"

namespace green::interpose {

// real_fn: the next definition of hook `h` after ours, or null (see above).
void* real_fn(Hook h) noexcept;

// libc_private: a symbol of libc or ld.so that green calls but does not hook
// (GLIBC_PRIVATE entry points, libthread_db's layout descriptors), or null.
// For a thread-local symbol, its address in the calling thread's block.
void* libc_private(const char* name) noexcept;
// thread_db_offset: the byte offset of a field as libc's libthread_db
// descriptor `name` gives it ("_thread_db_pthread_tid": struct pthread's
// tid), or ~0 when libc does not export that descriptor.
std::size_t thread_db_offset(const char* name) noexcept;

template <class R>
R fail_value() noexcept;

// RealCall<F>: the real function as type F, or a stand-in that fails with
// ENOSYS. noexcept is part of some libc declarations' types (__THROW).
template <class F>
struct RealCall;
template <class R, bool NE, class... A>
struct RealCall<R (*)(A...) noexcept(NE)> {
  using Fn = R (*)(A...) noexcept(NE);
  static Fn get(Hook h) noexcept {
    if (void* p = real_fn(h)) return reinterpret_cast<Fn>(p);
    return &fail;
  }
  static R fail(A...) noexcept { return fail_value<R>(); }
};
template <class R, bool NE, class... A>
struct RealCall<R (*)(A..., ...) noexcept(NE)> {
  using Fn = R (*)(A..., ...) noexcept(NE);
  static Fn get(Hook h) noexcept {
    if (void* p = real_fn(h)) return reinterpret_cast<Fn>(p);
    return &fail;
  }
  static R fail(A..., ...) noexcept { return fail_value<R>(); }
};

// fail_value: -1 (or null) with errno ENOSYS: the call did not happen.
void set_enosys() noexcept;
template <class R>
R fail_value() noexcept {
  set_enosys();
  if constexpr (std::is_pointer_v<R>) {
    return nullptr;
  } else if constexpr (!std::is_void_v<R>) {
    return static_cast<R>(-1);
  }
}

}  // namespace green::interpose

#define REAL(name) (::green::interpose::RealCall<decltype(&::name)>::get(::green::interpose::Hook::name))
