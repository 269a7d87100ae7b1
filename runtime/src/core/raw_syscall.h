// core/raw_syscall.h — a system call without libc's syscall(): for code that
// must not reach the interposer's hook of syscall() (it asks which green
// thread is calling, which the switch path and a spare OS thread taking over
// a green thread's descriptor cannot answer mid-change), and that must not
// write errno (whose location is the descriptor being changed).
// Returns the kernel's result: -errno on failure.
#pragma once

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

}  // namespace green::detail
