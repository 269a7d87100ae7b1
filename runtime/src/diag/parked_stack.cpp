// diag/parked_stack.cpp — walking and naming the frames of a suspended greenlet
// (parked_stack.h).
#include "diag/parked_stack.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>

#include "core/fiber.h"

namespace green::detail {

namespace {

struct Range {
  std::uintptr_t lo = 0, hi = 0;
};

// thread_stack_containing: the mapping that holds `sp` (a thread's own stack
// has no FiberState bounds). Read with open/read into a fixed buffer: no
// stdio, no allocation.
Range thread_stack_containing(std::uintptr_t sp) noexcept {
  int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[8192];
  std::size_t have = 0;
  Range found;
  for (int rounds = 0; rounds < 4096 && !found.hi; ++rounds) {
    ssize_t n = ::read(fd, buf + have, sizeof buf - 1 - have);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    buf[have] = '\0';
    char* line = buf;
    char* nl;
    while ((nl = std::strchr(line, '\n')) != nullptr) {
      *nl = '\0';
      unsigned long lo = 0, hi = 0;
      if (std::sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= sp && sp < hi) {
        found = {lo, hi};
        break;
      }
      line = nl + 1;
    }
    have = static_cast<std::size_t>(buf + have - line);
    std::memmove(buf, line, have);
  }
  ::close(fd);
  return found;
}

}  // namespace

std::size_t parked_frames(const FiberState& f, bool started, const void** out, std::size_t max) noexcept {
  SavedFrame top;
  if (max == 0 || !fiber_saved_frame(f, started, top)) return 0;
  auto sp = reinterpret_cast<std::uintptr_t>(top.sp);
  Range stack = f.stack_base ? Range{reinterpret_cast<std::uintptr_t>(f.stack_base),
                                     reinterpret_cast<std::uintptr_t>(f.stack_base) + f.stack_size}
                             : thread_stack_containing(sp);
  if (sp < stack.lo || sp >= stack.hi) return 0;
  std::size_t n = 0;
  out[n++] = top.pc;
  // A frame record is {caller's frame pointer, return address}, 16 bytes at
  // the frame pointer; each caller's lies above its callee's.
  auto fp = reinterpret_cast<std::uintptr_t>(top.fp);
  std::uintptr_t floor = sp;
  while (n < max && fp >= floor && fp % sizeof(void*) == 0 && fp + 2 * sizeof(void*) <= stack.hi) {
    auto* record = reinterpret_cast<void* const*>(fp);
    if (!record[1]) break;
    out[n++] = record[1];
    floor = fp + 2 * sizeof(void*);
    fp = reinterpret_cast<std::uintptr_t>(record[0]);
  }
  return n;
}

void write_frames(std::ostream& out, const char* indent, void* const* frames, std::size_t n, bool return_addresses) {
  for (std::size_t i = 0; i < n; ++i) {
    auto pc = reinterpret_cast<std::uintptr_t>(frames[i]);
    // A return address may already be the next function's first byte (a call
    // to a noreturn function ends its caller): name the call instead.
    auto lookup = return_addresses && pc ? pc - 1 : pc;
    Dl_info info{};
    out << indent << "    #" << i << ' ';
    if (pc && ::dladdr(reinterpret_cast<void*>(lookup), &info) && info.dli_sname) {
      int status = -1;
      std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status),
                                                       &std::free);
      out << (status == 0 && demangled ? demangled.get() : info.dli_sname) << "+0x" << std::hex
          << (pc - reinterpret_cast<std::uintptr_t>(info.dli_saddr)) << std::dec;
    } else {
      out << "0x" << std::hex << pc << std::dec;
    }
    if (info.dli_fname) {
      const char* slash = std::strrchr(info.dli_fname, '/');
      out << " (" << (slash ? slash + 1 : info.dli_fname);
      if (!info.dli_sname && info.dli_fbase)
        out << "+0x" << std::hex << (pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase)) << std::dec;
      out << ')';
    }
    out << '\n';
  }
}

}  // namespace green::detail
