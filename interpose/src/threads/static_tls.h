// threads/static_tls.h — a library with initial-exec (static) TLS dlopen'ed
// while green threads have descriptors of their own: its initial values in
// every green thread's TLS too.
//
// glibc puts such a library's TLS block in the static TLS area, at the same
// offset below every thread pointer, and copies its initialisation image
// there during dlopen — in the threads on its lists only (_dl_init_static_tls,
// elf/dl-tls.c at glibc-2.36). Green threads' descriptors are on none, so they
// would see zeroes (or what an earlier library left in that part of the
// area). StaticTlsLoad, around the dlopen (hooks_dlopen.cpp), finds the
// libraries the call loaded with a static block and copies each image into
// every live green thread's descriptor.
//
// Who is covered: green threads made and not yet ended, started or not (their
// descriptors exist from pthread_create); the OS threads' own descriptors
// (the main thread, spares, green's helpers) are glibc's. A descriptor made
// later, or taken from the pool of ended threads' descriptors (thread_tls.cpp:
// reuse), gets every loaded library's image from glibc's
// _dl_allocate_tls_init, static ones included.
//
// The calling green thread is the exception: the library's constructors run
// inside dlopen, on its descriptor, before StaticTlsLoad can copy anything.
// What they read there is not yet the initial values; what they write is
// kept: its static TLS area is saved before the call, and after it each byte
// of the new block that a constructor changed stays, the others take the
// image's. (A constructor writing the byte that was there before is taken for
// one that did not write.)
//
// Races, and why they are harmless: descriptors are published and cleared
// under the registry's lock, which the copy holds, so none is freed under it
// (they are made and freed on every hub, N of them running at once). A green
// thread running meanwhile, on another hub or a spare, has its block written
// while it runs; it cannot be using that block before the library's dlopen
// returned to the thread that loaded it, unless that thread's constructors
// hand it the library's functions. A descriptor its hub allocated before the
// library was loaded and publishes after the copy misses the image (a window
// of a few instructions in pthread_create on another hub). Libraries loaded
// inside libc (NSS modules, gconv) and
// by dlmopen into another namespace do not pass through the hook.
#pragma once

#include <cstddef>
#include <vector>

namespace green::interpose::threads {

class StaticTlsLoad {
 public:
  // Before the dlopen: what is loaded, and the caller's static TLS area.
  // Does nothing (and spread does nothing) unless green threads have
  // descriptors of their own (tls_static_area).
  StaticTlsLoad() noexcept;
  // After a dlopen that succeeded: copy the initial image of every library it
  // loaded with a static TLS block into every green thread's descriptor.
  void spread() noexcept;

 private:
  std::size_t area_ = 0;             // static TLS bytes below a thread pointer; 0: nothing to do
  std::vector<std::size_t> loaded_;  // TLS module ids loaded before the call, sorted
  char* caller_tp_ = nullptr;        // the calling green thread's descriptor, or null
  std::vector<char> caller_area_;    // its static TLS area before the call
};

}  // namespace green::interpose::threads
