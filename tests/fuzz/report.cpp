// report.cpp — see report.h.
#include "report.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace green_fuzz {

namespace {
RunContext g_context;
}

void set_context(const RunContext& c) { g_context = c; }

void print_outcome(const Outcome& o) {
  if (o.skipped) std::fprintf(stderr, "skipped (would block forever natively)");
  else if (o.timed_out) std::fprintf(stderr, "green::Timeout");
  else if (!o.ran) std::fprintf(stderr, "(not run, or still running)");
  else if (o.ret < 0) std::fprintf(stderr, "-1 %s", std::strerror(o.err));
  else std::fprintf(stderr, "%ld data %#llx", o.ret, static_cast<unsigned long long>(o.data));
}

void fail(const char* fmt, ...) {
  std::fprintf(stderr, "green fuzz: FAILED in the %s run: ", g_context.run);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  if (g_context.program) {
    std::fprintf(stderr, "program (%d actors):\n", g_context.program->actors);
    const auto& ops = g_context.program->ops;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      std::fprintf(stderr, "  %2zu %s", i, describe(ops[i]).c_str());
      if (g_context.outcomes && i < g_context.outcomes->size()) {
        std::fprintf(stderr, " -> ");
        print_outcome((*g_context.outcomes)[i]);
      }
      std::fputc('\n', stderr);
    }
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace green_fuzz
