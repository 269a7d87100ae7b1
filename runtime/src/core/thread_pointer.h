// core/thread_pointer.h — the x86-64 thread pointer (the fs base): where the
// running code finds its thread-local storage and, under glibc, its thread
// descriptor.
//
// Green-threads mode gives each green thread a descriptor of its own, and the
// hub installs it when it switches to that thread (hub_switch.h); every other
// greenlet, and the hub, run on their OS thread's own descriptor. Only the
// switch path and the interposer's green-thread code (through
// runtime_internal.h) write it.
#pragma once

namespace green::detail {

// thread_pointer: the thread pointer now installed. glibc's descriptor (and any
// x86-64 TCB) starts with a pointer to itself, so one fs-relative load reads it.
inline void* thread_pointer() noexcept {
  void* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

// set_thread_pointer: install `tp`: wrfsbase where the kernel allows it
// (AT_HWCAP2 FSGSBASE), else arch_prctl(ARCH_SET_FS), a system call.
void set_thread_pointer(void* tp) noexcept;

}  // namespace green::detail
