// diag/trace.cpp — the GREEN_TRACE writer (trace.h).
//
// Each OS thread formats its events into a buffer of its own (ThreadTrace),
// under a mutex only the exit flush contends for; a full buffer goes to the
// file under the file's mutex, which also counts the bytes against
// GREEN_TRACE_MAX_MB. ThreadTraces are never freed (one per thread that ran a
// hub while tracing, at most 256 KiB of buffer each): a thread's last events
// are flushed when its hub ends, or by the exit flush.
#include "diag/trace.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/hub_core.h"
#include "green/settings.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

constexpr std::size_t kFlushAt = 256 * 1024;
constexpr long kHubLane = 0;
constexpr long kIterationLane = 1L << 30;

struct Pending {
  std::int64_t start;
  const char* reason;
  const char* call;
  int fd;
};

struct ThreadTrace {
  std::mutex mutex;
  std::string buf;
  long pid = 0;  // the OS thread id: each thread is a "process" in the viewer
  std::int64_t run_start = -1;
  std::int64_t iteration_start = -1;
  std::uint64_t iterations = 0;
  std::uint64_t calls = 0;
  const char* call = nullptr;  // trace_call_name's
  std::unordered_map<const GreenletCore*, Pending> waiting;
  std::unordered_set<long> named;
};

std::mutex g_file_mutex;  // the fd, the byte count, g_threads
int g_fd = -1;
std::uint64_t g_bytes = 0;
std::uint64_t g_max = 0;
bool g_truncated = false;
bool g_forked_child = false;  // the parent owns the file: the child leaves it alone
std::int64_t g_t0 = 0;
// Never destroyed: the traces stay reachable through exit (LeakSanitizer
// checks after static destructors have run).
std::vector<ThreadTrace*>& g_threads = *new std::vector<ThreadTrace*>;
thread_local ThreadTrace* t_trace = nullptr;

std::int64_t now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void write_all(const char* p, std::size_t n) noexcept {
  while (n > 0 && g_fd >= 0) {
    ssize_t w = ::write(g_fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// flush: `t`'s buffer to the file (t->mutex held). Past the size bound the
// buffer is dropped and tracing stops for everyone.
void flush(ThreadTrace& t) noexcept {
  std::lock_guard<std::mutex> lock(g_file_mutex);
  if (g_fd >= 0 && !g_truncated) {
    if (g_bytes + t.buf.size() > g_max) {
      g_truncated = true;
      g_trace_on.store(false, std::memory_order_relaxed);
    } else {
      write_all(t.buf.data(), t.buf.size());
      g_bytes += t.buf.size();
    }
  }
  t.buf.clear();
}

// escaped: `s` as the inside of a JSON string.
std::string escaped(const char* s) {
  std::string out;
  for (; s && *s; ++s) {
    auto c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// us: `ns` in microseconds, to the nanosecond (the format's unit).
std::string us(std::int64_t ns) {
  if (ns < 0) ns = 0;
  char text[32];
  std::snprintf(text, sizeof text, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
  return text;
}

// ts: a time on the trace's clock, as the time since the trace began.
std::string ts(std::int64_t ns) { return us(ns - g_t0); }

void event(ThreadTrace& t, const std::string& body) {
  t.buf += ",\n{";
  t.buf += body;
  t.buf += '}';
}

void name_lane(ThreadTrace& t, long tid, const std::string& name) {
  if (!t.named.insert(tid).second) return;
  std::string pid = std::to_string(t.pid), lane = std::to_string(tid);
  event(t, "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + lane + ",\"args\":{\"name\":\"" +
               escaped(name.c_str()) + "\"}");
  event(t, "\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + lane +
               ",\"args\":{\"sort_index\":" + lane + "}");
}

// this_thread: the calling thread's ThreadTrace, made on first use.
ThreadTrace& this_thread() {
  if (t_trace) return *t_trace;
  auto* t = new ThreadTrace;
  t->pid = static_cast<long>(green::detail::os_tid());
  std::string pid = std::to_string(t->pid);
  event(*t, "\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + pid + ",\"args\":{\"name\":\"green hub, thread " + pid +
                "\"}");
  name_lane(*t, kHubLane, "hub");
  name_lane(*t, kIterationLane, "hub iterations");
  std::lock_guard<std::mutex> lock(g_file_mutex);
  g_threads.push_back(t);
  t_trace = t;
  return *t;
}

long lane_of(Hub& hub, GreenletCore& g) { return hub.is_hub_fiber(g) ? kHubLane : static_cast<long>(g.id_) + 1; }

void ensure_named(ThreadTrace& t, Hub& hub, GreenletCore& g) {
  long lane = lane_of(hub, g);
  if (lane == kHubLane || t.named.count(lane)) return;
  name_lane(t, lane, "'" + g.name() + "' #" + std::to_string(g.id_));
}

bool mentions(const char* text, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (std::strstr(text, w)) return true;
  return false;
}

// category: what kind of wait `p` is, for the viewer's colours.
const char* category(const Pending& p) {
  if (p.fd >= 0) return "wait.fd";
  const char* r = p.reason ? p.reason : "";
  if (mentions(r, {"sleep", "timer", "nanosleep"})) return "wait.timer";
  if (mentions(r, {"Lock", "Semaphore", "Condition", "mutex", "rwlock", "sem_", "barrier", "cond", "acquire"}))
    return "wait.lock";
  if (std::strstr(r, "fd") || std::strstr(r, "poll") || std::strstr(r, "select")) return "wait.fd";
  return "wait.other";
}

void finish_process() noexcept {
  if (g_forked_child) return;  // its locks may have been held by a thread that is not in the child
  // A copy: g_threads keeps them reachable (they are left to the OS, and
  // LeakSanitizer must not call them leaks).
  std::vector<ThreadTrace*> threads;
  {
    std::lock_guard<std::mutex> lock(g_file_mutex);
    threads = g_threads;
  }
  for (ThreadTrace* t : threads) {
    std::lock_guard<std::mutex> lock(t->mutex);
    flush(*t);
  }
  std::lock_guard<std::mutex> lock(g_file_mutex);
  g_trace_on.store(false, std::memory_order_relaxed);
  if (g_fd < 0) return;
  std::string tail;
  unsigned long long mb = g_max >> 20;
  if (g_truncated)
    tail += ",\n{\"name\":\"green: trace truncated: it reached GREEN_TRACE_MAX_MB=" + std::to_string(mb) +
            "; later events were dropped\",\"ph\":\"i\",\"s\":\"g\",\"ts\":" + ts(now_ns()) +
            ",\"pid\":" + std::to_string(::getpid()) + ",\"tid\":0}";
  tail += "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"green\",\"pid\":" + std::to_string(::getpid()) +
          ",\"max_mb\":" + std::to_string(mb) + ",\"truncated\":" + (g_truncated ? "true" : "false") + "}}\n";
  write_all(tail.data(), tail.size());
  ::close(g_fd);
  g_fd = -1;
}

}  // namespace

std::int64_t trace_now_ns() noexcept { return now_ns(); }

void trace_setup() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string path = setting_text("GREEN_TRACE");
    if (path.empty() || path == "off") return;
    g_max = setting_number("GREEN_TRACE_MAX_MB") << 20;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "green: GREEN_TRACE=%s: cannot open it for writing (%s); no trace is written\n",
                   path.c_str(), std::strerror(errno));
      return;
    }
    g_fd = fd;
    g_t0 = now_ns();
    static const char head[] =
        "{\"traceEvents\":[\n{\"name\":\"green trace\",\"ph\":\"i\",\"s\":\"g\",\"ts\":0,\"pid\":0,\"tid\":0}";
    write_all(head, sizeof head - 1);
    g_bytes = sizeof head - 1;
    std::atexit(&finish_process);
    g_trace_on.store(true, std::memory_order_relaxed);
  });
}

void trace_switch(Hub& hub, GreenletCore& from, GreenletCore& to) noexcept {
  try {
    ThreadTrace& t = this_thread();
    std::lock_guard<std::mutex> lock(t.mutex);
    std::int64_t now = now_ns();
    std::string pid = std::to_string(t.pid);
    ensure_named(t, hub, from);
    ensure_named(t, hub, to);
    if (t.run_start >= 0)
      event(t, "\"name\":\"run\",\"cat\":\"run\",\"ph\":\"X\",\"ts\":" + ts(t.run_start) + ",\"dur\":" +
                   us(now - t.run_start) + ",\"pid\":" + pid + ",\"tid\":" + std::to_string(lane_of(hub, from)));
    if (from.state_ == GreenletCore::State::parked)
      t.waiting[&from] = Pending{now, from.wait_reason_, t.call, from.wait_fd_};
    if (auto it = t.waiting.find(&to); it != t.waiting.end()) {
      const Pending& p = it->second;
      std::string args = "\"fd\":" + std::to_string(p.fd);
      if (p.call) args += std::string(",\"call\":\"") + p.call + '"';
      event(t, "\"name\":\"" + escaped(p.reason ? p.reason : "something") + "\",\"cat\":\"" + category(p) +
                   "\",\"ph\":\"X\",\"ts\":" + ts(p.start) + ",\"dur\":" + us(now - p.start) + ",\"pid\":" + pid +
                   ",\"tid\":" + std::to_string(lane_of(hub, to)) + ",\"args\":{" + args + "}");
      t.waiting.erase(it);
    }
    t.run_start = now;
    if (t.buf.size() >= kFlushAt) flush(t);
  } catch (...) {
    // Out of memory while tracing: the event is lost, the program goes on.
  }
}

void trace_hub_iteration() noexcept {
  try {
    ThreadTrace& t = this_thread();
    std::lock_guard<std::mutex> lock(t.mutex);
    std::int64_t now = now_ns();
    if (t.iteration_start >= 0)
      event(t, "\"name\":\"iteration\",\"cat\":\"hub\",\"ph\":\"X\",\"ts\":" + ts(t.iteration_start) +
                   ",\"dur\":" + us(now - t.iteration_start) + ",\"pid\":" + std::to_string(t.pid) + ",\"tid\":" +
                   std::to_string(kIterationLane) + ",\"args\":{\"n\":" + std::to_string(t.iterations++) + "}");
    t.iteration_start = now;
  } catch (...) {
  }
}

void trace_call_name(const char* name) noexcept {
  if (t_trace || name) {
    try {
      ThreadTrace& t = this_thread();
      std::lock_guard<std::mutex> lock(t.mutex);
      t.call = name;
    } catch (...) {
    }
  }
}

void trace_call_parked(const char* name, int fd, std::int64_t start_ns) noexcept {
  Hub* hub = Hub::peek();
  if (!hub || !trace_on()) return;
  try {
    ThreadTrace& t = this_thread();
    std::lock_guard<std::mutex> lock(t.mutex);
    GreenletCore* g = hub->current();
    std::string common = "\"name\":\"" + escaped(name) + "\",\"cat\":\"call\",\"id\":\"" + std::to_string(t.pid) + "." +
                         std::to_string(t.calls++) + "\",\"pid\":" + std::to_string(t.pid) +
                         ",\"tid\":" + std::to_string(lane_of(*hub, *g));
    event(t, common + ",\"ph\":\"b\",\"ts\":" + ts(start_ns) + ",\"args\":{\"fd\":" + std::to_string(fd) + "}");
    event(t, common + ",\"ph\":\"e\",\"ts\":" + ts(now_ns()));
  } catch (...) {
  }
}

TracedPark::TracedPark(const char* call, int fd) noexcept : call_(call), fd_(fd) {
  if (!trace_on()) return;
  start_ = now_ns();
  trace_call_name(call);
}

TracedPark::~TracedPark() {
  if (start_ < 0) return;
  trace_call_name(nullptr);
  trace_call_parked(call_, fd_, start_);
}

void trace_hub_gone() noexcept {
  ThreadTrace* t = t_trace;
  if (!t) return;
  {
    std::lock_guard<std::mutex> lock(t->mutex);
    flush(*t);
    t->waiting.clear();
    t->run_start = t->iteration_start = -1;
  }
}

void trace_after_fork_child() noexcept {
  // The parent owns the file: the child neither writes to it nor closes it
  // under the parent (the fd is left; O_CLOEXEC drops it at exec).
  g_forked_child = true;
  g_trace_on.store(false, std::memory_order_relaxed);
  g_fd = -1;
}

}  // namespace green::detail
