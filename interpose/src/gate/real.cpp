// gate/real.cpp — the one file of green that calls dlsym (see real.h).
#include "gate/real.h"

#include <dlfcn.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

namespace green::interpose {

namespace {
const char* const kNames[] = {
#define HOOK(family, name) #name,
#include "hooked_symbols.def"
#undef HOOK
};
std::atomic<void*> g_real[kHookCount];
thread_local bool t_resolving = false;
}  // namespace

void* real_fn(Hook h) noexcept {
  auto i = static_cast<std::size_t>(h);
  void* p = g_real[i].load(std::memory_order_acquire);
  if (p) return p;
  if (t_resolving) {
    count(h, Why::dlsym);
    return nullptr;
  }
  t_resolving = true;
  p = ::dlsym(RTLD_NEXT, kNames[i]);
  t_resolving = false;
  if (p) g_real[i].store(p, std::memory_order_release);
  return p;
}

void* libc_private(const char* name) noexcept { return ::dlsym(RTLD_DEFAULT, name); }

std::size_t thread_db_offset(const char* name) noexcept {
  // Three words: the field's size in bits, its count, its offset.
  auto* d = static_cast<const std::uint32_t*>(libc_private(name));
  return d ? d[2] : ~std::size_t{0};
}

void set_enosys() noexcept { errno = ENOSYS; }

}  // namespace green::interpose
