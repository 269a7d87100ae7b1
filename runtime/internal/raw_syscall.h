// raw_syscall.h — system calls without libc's syscall(), for green's own
// code (libgreen and the interposer): under the preload, syscall() is the
// interposer's hook, which treats the call as the program's — it may hand the
// green thread to a spare OS thread in the middle of it (core/handoff.h), in
// the middle of green's code — and asks which green thread is calling, which
// the switch path cannot answer mid-change.
//
// raw_syscall: the kernel's result (-errno on failure), errno untouched (its
// location may be the descriptor being changed).
// sys: syscall(2)'s contract — -1 with errno on failure.
#pragma once

#include <errno.h>

#include <type_traits>

namespace green::detail {

inline long raw_syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) noexcept {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

template <class T>
inline long syscall_arg(T v) noexcept {
  if constexpr (std::is_null_pointer_v<T>) return 0;
  else if constexpr (std::is_pointer_v<T>) return reinterpret_cast<long>(v);
  else return static_cast<long>(v);
}

template <class... A>
inline long sys(long nr, A... args) noexcept {
  static_assert(sizeof...(A) <= 6, "a system call takes at most six arguments");
  long r = raw_syscall(nr, syscall_arg(args)...);
  if (r < 0 && r > -4096) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return r;
}

}  // namespace green::detail
