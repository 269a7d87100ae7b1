// threads/hooks_dlopen.cpp — dlopen: a library with initial-exec (static) TLS
// loaded while green threads have descriptors of their own gets its initial
// values in theirs too (threads/static_tls.h).
//
// glibc's dlopen takes its caller from its own return address: the object
// calling it decides the namespace, and where a bare name is searched for
// (that object's DT_RUNPATH, or DT_RPATH, and $ORIGIN). A hook calling glibc's
// dlopen would make green the caller and search green's paths instead — a
// known trap of preloaded dlopen wrappers (a program finding its plugins
// through its RUNPATH no longer finds them). So:
//
// - `dlopen` itself is a stub that jumps, leaving the program's return
//   address in place: to glibc's dlopen, unless a green thread of this hub
//   calls while green threads have descriptors of their own; then to
//   green_dlopen_spreading, which knows the program's return address.
// - green_dlopen_spreading calls glibc's dlopen with a return address inside
//   the calling object: a `ret` instruction there (any 0xc3 byte of its
//   executable code, searched from the caller's return address on, so most
//   likely the calling function's own), under which it has put its own return
//   address. glibc finds the program's object as the caller, and its return
//   goes through that `ret` back to green. Where no such byte is found, green
//   calls glibc's dlopen itself (green's paths, as other wrappers do).
//
// A backtrace taken inside dlopen (in a library's constructor) passes through
// that `ret`: exact when it ends the caller's function, else it may stop there.
// glibc 2.36 on x86-64 only (per-green-thread descriptors need it); no
// shadow stack there (glibc enables none before 2.39).
#include <dlfcn.h>
#include <errno.h>
#include <link.h>

#include <cstdint>

#include "gate/real.h"
#include "runtime_internal.h"
#include "threads/static_tls.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;
using gi::Hook;

extern "C" {

[[gnu::visibility("hidden")]] void* green_dlopen_route() noexcept;
[[gnu::visibility("hidden")]] void* green_dlopen_spreading(const char* file, int mode);
// green_call_via(ret, fn, file, mode): fn(file, mode), entered with `ret`, the
// address of a `ret` instruction, as its return address; that instruction
// returns to green_call_via's own continuation.
[[gnu::visibility("hidden")]] void* green_call_via(const void* ret, void* fn, const char* file, int mode);

}  // extern "C"

// The stub: the arguments kept across the choice, then a jump.
__asm__(
    ".text\n"
    ".globl dlopen\n"
    ".type dlopen, @function\n"
    "dlopen:\n"
    "  .cfi_startproc\n"
    "  pushq %rdi\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  pushq %rsi\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  subq $8, %rsp\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  call green_dlopen_route\n"
    "  addq $8, %rsp\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  popq %rsi\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  popq %rdi\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  jmp *%rax\n"
    "  .cfi_endproc\n"
    ".size dlopen, .-dlopen\n"
    "\n"
    ".globl green_call_via\n"
    ".hidden green_call_via\n"
    ".type green_call_via, @function\n"
    "green_call_via:\n"
    "  .cfi_startproc\n"
    "  leaq 1f(%rip), %rax\n"
    "  pushq %rax\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  pushq %rdi\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  movq %rsi, %rax\n"
    "  movq %rdx, %rdi\n"
    "  movl %ecx, %esi\n"
    "  jmp *%rax\n"
    "1:\n"
    "  .cfi_adjust_cfa_offset -16\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size green_call_via, .-green_call_via\n");

namespace {

struct Search {
  std::uintptr_t caller;
  bool found = false;  // an object holds the caller: `ret` is its, if any
  const void* ret = nullptr;
  const void* main_ret = nullptr;  // the program's own, for a caller in no object
  bool first = true;
};

// A 0xc3 byte in [lo, hi), the first from `from` on, else the last before it.
const void* find_ret(std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t from) noexcept {
  for (std::uintptr_t a = from; a < hi; ++a)
    if (*reinterpret_cast<const unsigned char*>(a) == 0xc3) return reinterpret_cast<const void*>(a);
  for (std::uintptr_t a = from; a > lo; --a)
    if (*reinterpret_cast<const unsigned char*>(a - 1) == 0xc3) return reinterpret_cast<const void*>(a - 1);
  return nullptr;
}

int search_object(dl_phdr_info* info, std::size_t, void* arg) {
  auto* s = static_cast<Search*>(arg);
  const bool main_program = s->first;
  s->first = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type != PT_LOAD || (p.p_flags & (PF_X | PF_R)) != (PF_X | PF_R)) continue;
    const std::uintptr_t lo = info->dlpi_addr + p.p_vaddr, hi = lo + p.p_memsz;
    if (s->caller >= lo && s->caller < hi) {
      s->found = true;
      s->ret = find_ret(lo, hi, s->caller);
      return 1;
    }
    if (main_program && !s->main_ret) s->main_ret = find_ret(lo, hi, lo);
  }
  return 0;
}

// ret_in_caller: a `ret` in the object holding `caller` — as glibc, the main
// program when no object holds it — or null.
const void* ret_in_caller(const void* caller) noexcept {
  Search s{reinterpret_cast<std::uintptr_t>(caller)};
  dl_iterate_phdr(search_object, &s);
  return s.found ? s.ret : s.main_ret;
}

}  // namespace

extern "C" {

void* green_dlopen_route() noexcept {
  // mode() brings a green thread on a spare back to its hub's thread.
  if (gt::tls_static_area() != 0 && gt::mode() == gt::Mode::green)
    return reinterpret_cast<void*>(&green_dlopen_spreading);
  return reinterpret_cast<void*>(REAL(dlopen));
}

void* green_dlopen_spreading(const char* file, int mode) {
  const void* caller = __builtin_return_address(0);  // the program's: the stub jumped here
  gi::count(Hook::dlopen, gi::Why::green);
  int saved = errno;
  gt::StaticTlsLoad load;
  const void* ret = ret_in_caller(caller);
  errno = saved;
  auto real = REAL(dlopen);
  void* handle;
  {
    // The library's constructors run with these frames below: hand-off must
    // not take the thread away from them.
    green::detail::CallingProgram back;
    handle = ret ? green_call_via(ret, reinterpret_cast<void*>(real), file, mode) : real(file, mode);
  }
  if (handle) {
    saved = errno;
    load.spread();
    errno = saved;
  }
  return handle;
}

}  // extern "C"
