// green-run — run a program with green's interposer preloaded.
//
//   green-run [options] -- program args...
//
// Prepends libgreen_preload.so (an absolute path, found next to this
// executable: ../interpose/ in the build tree, the library directory in an
// install) to LD_PRELOAD, sets GREEN_* from the options, and execs the program.
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "green/settings.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: green-run [options] -- program [args...]\n"
    "\n"
    "Runs program with libgreen_preload.so preloaded: its blocking calls (sleep, sockets,\n"
    "pipes, poll/select/epoll, name lookups) let other greenlets run, and otherwise it\n"
    "behaves exactly as it does natively. See docs/interposition.md.\n"
    "\n"
    "options:\n"
    "  --stats          print counters of hooked calls at exit (GREEN_STATS=1)\n"
    "  --threads[=N]    green-threads mode (GREEN_THREADS=N): the program's pthreads become green\n"
    "                   threads on N OS threads (default: the CPUs it may run on) and its locks\n"
    "                   park them (see docs/interposition.md)\n"
    "  --set NAME=VALUE set any GREEN_* setting (see --help-env)\n"
    "  --help           this text\n"
    "  --version        print green's version\n"
    "  --help-env       every GREEN_* environment variable, its default and meaning\n";

void help_env() {
  for (const green::Setting& s : green::settings())
    std::printf("%s (default %s)\n    %s\n", s.name, s.default_value, s.help);
}

// preload_path: libgreen_preload.so relative to this executable.
std::string preload_path() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = self.parent_path();
  const fs::path candidates[] = {
      dir / ".." / "interpose" / "libgreen_preload.so",    // build tree
      dir / GREEN_RUN_BIN_TO_LIB / "libgreen_preload.so",  // installed
  };
  for (const fs::path& p : candidates)
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec).string();
  return {};
}

bool set_env(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || assignment.compare(0, 6, "GREEN_") != 0) {
    std::fprintf(stderr, "green-run: --set wants GREEN_NAME=VALUE, got '%s'\n", assignment.c_str());
    return false;
  }
  return ::setenv(assignment.substr(0, eq).c_str(), assignment.c_str() + eq + 1, 1) == 0;
}

// cpus: how many CPUs this process may run on (its affinity mask), as the
// default number of hubs.
unsigned cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

bool set_threads(const std::string& n) {
  char* end = nullptr;
  long v = std::strtol(n.c_str(), &end, 10);
  if (n.empty() || *end != '\0' || v < 1 || v > 256) {
    std::fprintf(stderr, "green-run: --threads=N wants a number of OS threads from 1 to 256, got '%s'\n", n.c_str());
    return false;
  }
  return ::setenv("GREEN_THREADS", n.c_str(), 1) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--version") {
      std::printf("green-run (green) %s\n", GREEN_VERSION);
      return 0;
    }
    if (a == "--help-env") {
      help_env();
      return 0;
    }
    if (a == "--stats") {
      ::setenv("GREEN_STATS", "1", 1);
    } else if (a == "--threads") {
      ::setenv("GREEN_THREADS", std::to_string(cpus()).c_str(), 1);
    } else if (a.rfind("--threads=", 0) == 0) {
      if (!set_threads(a.substr(10))) return 2;
    } else if (a == "--set" && i + 1 < argc) {
      if (!set_env(argv[++i])) return 2;
    } else if (a.rfind("--set=", 0) == 0) {
      if (!set_env(a.substr(6))) return 2;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "green-run: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      break;  // the program, without "--"
    }
  }
  if (i >= argc) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string lib = preload_path();
  if (lib.empty()) {
    std::fprintf(stderr, "green-run: cannot find libgreen_preload.so next to %s (looked in ../interpose and %s)\n",
                 argv[0], GREEN_RUN_BIN_TO_LIB);
    return 127;
  }
  const char* old = std::getenv("LD_PRELOAD");
  std::string preload = old && *old ? lib + ":" + old : lib;
  ::setenv("LD_PRELOAD", preload.c_str(), 1);
  ::execvp(argv[i], argv + i);
  int e = errno;
  std::fprintf(stderr, "green-run: cannot run %s: %s\n", argv[i], std::strerror(e));
  return e == ENOENT ? 127 : 126;
}
