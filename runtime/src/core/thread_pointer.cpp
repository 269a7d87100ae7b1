// core/thread_pointer.cpp — writing the fs base (thread_pointer.h).
#include "core/thread_pointer.h"

#include <asm/prctl.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/hub_core.h"
#include "raw_syscall.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

// wrfsbase faults (SIGILL) unless the kernel enabled it: ask AT_HWCAP2 once.
const bool g_fsgsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;

[[gnu::target("fsgsbase")]] void write_fsbase(void* tp) noexcept {
  __builtin_ia32_wrfsbase64(reinterpret_cast<unsigned long long>(tp));
}

}  // namespace

void set_thread_pointer(void* tp) noexcept {
  if (g_fsgsbase) {
    write_fsbase(tp);
    return;
  }
  // Raw: libc's syscall() is the interposer's hook, which asks who is running.
  if (raw_syscall(SYS_arch_prctl, ARCH_SET_FS, reinterpret_cast<long>(tp)) != 0) {
    // Only a bad address fails: the runtime's own bug, and nothing could run on.
    std::fputs("green: internal error: arch_prctl(ARCH_SET_FS) failed\n", stderr);
    std::abort();
  }
}

}  // namespace green::detail

// --- runtime_internal.h ------------------------------------------------------

namespace green::detail {

void thread_pointer_changed() noexcept {
  Hub& hub = Hub::get();
  const ThreadRecord* record = hub.current()->thread_record_;
  hub.install_thread_pointer(record ? record->thread_pointer : nullptr);
}

void* os_thread_pointer() noexcept {
  Hub* hub = Hub::peek();
  return hub ? hub->os_thread_pointer() : thread_pointer();
}

}  // namespace green::detail
