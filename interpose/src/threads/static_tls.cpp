// threads/static_tls.cpp — a dlopen'ed library's static TLS block in every
// green thread's descriptor (static_tls.h).
#include "threads/static_tls.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <cstring>

#include "gate/real.h"
#include "runtime_internal.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace gd = green::detail;

namespace green::interpose::threads {

namespace {

// A library the dlopen loaded with a TLS segment, as dl_iterate_phdr shows it.
struct Module {
  std::size_t id;      // its TLS module id
  const char* image;   // its initialisation image (p_filesz bytes) ...
  std::size_t filesz;  // ... followed by zeroes up to p_memsz
  std::size_t memsz;
  const void* inside;  // an address in it, to find its link_map
  std::size_t offset;  // its block's distance below the thread pointer; 0: not static
};

struct Collect {
  const std::vector<std::size_t>* loaded = nullptr;  // ids loaded before (sorted), or null: collect ids
  std::vector<std::size_t>* ids = nullptr;
  std::vector<Module>* modules = nullptr;
  bool failed = false;  // out of memory: spread nothing
};

// dl_iterate_phdr's callback: the TLS module ids, or the modules not loaded
// before. No exception may cross glibc's frames.
int collect(dl_phdr_info* info, std::size_t, void* arg) {
  auto* c = static_cast<Collect*>(arg);
  if (info->dlpi_tls_modid == 0) return 0;
  try {
    if (!c->loaded) {
      c->ids->push_back(info->dlpi_tls_modid);
      return 0;
    }
    if (std::binary_search(c->loaded->begin(), c->loaded->end(), info->dlpi_tls_modid)) return 0;
    Module m{info->dlpi_tls_modid, nullptr, 0, 0, nullptr, 0};
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr)& p = info->dlpi_phdr[i];
      if (p.p_type == PT_TLS) {
        m.image = reinterpret_cast<const char*>(info->dlpi_addr + p.p_vaddr);
        m.filesz = p.p_filesz;
        m.memsz = p.p_memsz;
      } else if (p.p_type == PT_LOAD && !m.inside) {
        m.inside = reinterpret_cast<const void*>(info->dlpi_addr + p.p_vaddr);
      }
    }
    if (m.image && m.inside && m.filesz <= m.memsz) c->modules->push_back(m);
  } catch (...) {
    c->failed = true;
    return 1;
  }
  return 0;
}

// static_offset: where the module's block sits below every thread pointer if
// glibc gave it a static one (its link_map's l_tls_offset, read through
// libthread_db's descriptors, the id checked against dl_iterate_phdr's), else
// 0. glibc 2.36 x86-64: 0 is NO_TLS_OFFSET, -1 FORCED_DYNAMIC_TLS_OFFSET.
std::size_t static_offset(const Module& m, std::size_t area) noexcept {
  static const std::size_t id_at = thread_db_offset("_thread_db_link_map_l_tls_modid");
  static const std::size_t offset_at = thread_db_offset("_thread_db_link_map_l_tls_offset");
  if (id_at == ~std::size_t{0} || offset_at == ~std::size_t{0}) return 0;
  Dl_info info;
  void* map = nullptr;
  if (!dladdr1(m.inside, &info, &map, RTLD_DL_LINKMAP) || !map) return 0;
  const char* l = static_cast<const char*>(map);
  std::size_t id, offset;
  std::memcpy(&id, l + id_at, sizeof id);
  std::memcpy(&offset, l + offset_at, sizeof offset);
  if (id != m.id || offset == 0 || offset == ~std::size_t{0} || offset < m.memsz || offset > area) return 0;
  return offset;
}

struct Spread {
  const std::vector<Module>* modules;
  const char* skip;  // the caller's descriptor: merged, not copied
};

void copy_images(void* tp, void* arg) {
  auto* s = static_cast<Spread*>(arg);
  if (tp == s->skip) return;
  for (const Module& m : *s->modules) {
    if (!m.offset) continue;
    char* block = static_cast<char*>(tp) - m.offset;
    std::memcpy(block, m.image, m.filesz);
    std::memset(block + m.filesz, 0, m.memsz - m.filesz);
  }
}

}  // namespace

StaticTlsLoad::StaticTlsLoad() noexcept {
  const std::size_t area = tls_static_area();
  if (!area) return;
  try {
    Collect c;
    c.ids = &loaded_;
    dl_iterate_phdr(collect, &c);
    if (c.failed) return;
    std::sort(loaded_.begin(), loaded_.end());
    GreenThread* me = current();
    char* tp = static_cast<char*>(gd::thread_pointer_now());
    if (me && me->thread_pointer == tp) {
      caller_area_.assign(tp - area, tp);
      caller_tp_ = tp;
    }
  } catch (...) {
    return;
  }
  area_ = area;
}

void StaticTlsLoad::spread() noexcept {
  if (!area_) return;
  std::vector<Module> modules;
  Collect c;
  c.loaded = &loaded_;
  c.modules = &modules;
  dl_iterate_phdr(collect, &c);
  if (c.failed) return;
  bool any = false;
  for (Module& m : modules) any |= (m.offset = static_offset(m, area_)) != 0;
  if (!any) return;
  Spread s{&modules, caller_tp_};
  each_descriptor(copy_images, &s);
  if (!caller_tp_) return;
  for (const Module& m : modules) {
    if (!m.offset) continue;
    char* block = caller_tp_ - m.offset;
    const char* before = caller_area_.data() + (area_ - m.offset);
    for (std::size_t i = 0; i < m.memsz; ++i)
      if (block[i] == before[i]) block[i] = i < m.filesz ? m.image[i] : '\0';
  }
}

}  // namespace green::interpose::threads
