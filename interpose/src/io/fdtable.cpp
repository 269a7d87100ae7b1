// io/fdtable.cpp — see fdtable.h.
#include "io/fdtable.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <initializer_list>

#include "gate/real.h"
#include "gate/spinlock.h"

namespace green::interpose {

namespace {
// The remembered facts (fdtable.h: "The user's settings").
enum class IoFact : std::uint32_t {
  nonblocking = 1,  // O_NONBLOCK is set
  no_rcvtimeo = 2,  // SO_RCVTIMEO is zero
  no_sndtimeo = 4,  // SO_SNDTIMEO is zero
  read_waits = 8,   // not the kernel's: its last blocking read found nothing there (blocking_call.h)
};
// IoStamp: read it before reading the kernel; pass it to io_remember, which
// drops the fact if anything changed meanwhile (the epoch, or the file
// behind the number: another thread may close and reuse it).
struct IoStamp {
  std::uint32_t epoch;
  std::uint32_t gen;
};

// io_fact: 1 or 0 when remembered, -1 when the kernel must be asked.
// io_facts: whether every fact in `yes` is remembered true and every one in
// `no` remembered false (one load for several facts).

struct Entry {
  std::atomic<std::uint8_t> kind;
  std::atomic<std::uint32_t> gen;
  // io_fact's cache: the whole epoch << 32 | known facts << 4 | their values.
  // All 32 bits of the epoch: a server flips O_NONBLOCK for every accept, and
  // a truncated epoch would come round again, reviving facts long stale.
  std::atomic<std::uint64_t> io;
  // The process epoch (g_process_epoch) its open file description was made
  // in by this process; 0 when green did not see it made, or it was sent.
  std::atomic<std::uint32_t> made;
};
static_assert(sizeof(Entry) == 24);

// Bumped whenever this process starts another (fork, vfork, posix_spawn,
// system, popen): every description made before may be shared from then on.
std::atomic<std::uint32_t> g_process_epoch{1};

// Held around green's one-call O_NONBLOCK and every read or change of status
// flags through a hook: one lock, not one per number, since dup()s share the
// flags.
SpinLock g_flags_lock;

// One from the start: a zero-filled Entry never matches it (until 2^32 bumps,
// when the epoch skips zero: see io_changed).
std::atomic<std::uint32_t> g_io_epoch{1};
constexpr unsigned kEpochShift = 32;
constexpr unsigned kKnownShift = 4;  // above the values of the four facts

struct Table {
  Entry* entries = nullptr;
  std::size_t size = 0;
  Table() {
    rlimit rl{};
    std::size_t n = 1024;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) n = rl.rlim_max == RLIM_INFINITY ? (1u << 20) : rl.rlim_max;
    if (n > (1u << 20)) n = 1u << 20;
    if (n < 1024) n = 1024;
    // mmap, not new: untouched pages stay unbacked, and no allocator is involved.
    void* p = ::mmap(nullptr, n * sizeof(Entry), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (p == MAP_FAILED) return;  // then every fd is probed on every call
    entries = static_cast<Entry*>(p);
    size = n;
    // A forked child shares every description made so far (vfork is a fork
    // under the preload; posix_spawn, system and popen say so themselves).
    ::pthread_atfork(&process_started, nullptr, nullptr);
  }
  Entry* at(int fd) noexcept { return fd >= 0 && static_cast<std::size_t>(fd) < size ? &entries[fd] : nullptr; }
};

Table& table() noexcept {
  static Table t;  // never destroyed: hooks run during exit too
  return t;
}

Kind probe(int fd) noexcept {
  int saved = errno;
  struct stat st;
  Kind k;
  if (::fstat(fd, &st) != 0) {
    k = Kind::invalid;
  } else if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t len = sizeof type;
    k = REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM ? Kind::stream_socket
                                                                                           : Kind::other_socket;
  } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)) {
    k = Kind::not_pollable;
  } else {
    k = Kind::pollable;  // FIFO, character device, or an anon inode (eventfd, epoll, timerfd...)
  }
  errno = saved;
  return k;
}
}  // namespace

Kind fd_kind(int fd) noexcept {
  Entry* e = table().at(fd);
  if (!e) return fd < 0 ? Kind::invalid : probe(fd);
  auto k = static_cast<Kind>(e->kind.load(std::memory_order_relaxed));
  if (k != Kind::unknown) return k;
  k = probe(fd);
  if (k != Kind::invalid) e->kind.store(static_cast<std::uint8_t>(k), std::memory_order_relaxed);
  return k;
}

std::uint32_t fd_generation(int fd) noexcept {
  Entry* e = table().at(fd);
  return e ? e->gen.load(std::memory_order_acquire) : 0;
}

// The generation moves before the cached facts are cleared: an io_remember
// whose exchange sees the cleared word then sees the new generation too.
void fd_forget(int fd) noexcept {
  if (Entry* e = table().at(fd)) {
    e->gen.fetch_add(1, std::memory_order_acq_rel);
    e->kind.store(static_cast<std::uint8_t>(Kind::unknown), std::memory_order_relaxed);
    e->io.store(0, std::memory_order_release);
    e->made.store(0, std::memory_order_relaxed);
  }
}

int fd_limit() noexcept { return static_cast<int>(table().size); }

bool fd_seen(int fd) noexcept {
  Entry* e = table().at(fd);
  return e && (e->gen.load(std::memory_order_relaxed) != 0 || e->kind.load(std::memory_order_relaxed) != 0 ||
               e->io.load(std::memory_order_relaxed) != 0);
}

void fd_opened(int fd, Kind k) noexcept {
  if (Entry* e = table().at(fd)) {
    e->gen.fetch_add(1, std::memory_order_acq_rel);
    e->kind.store(static_cast<std::uint8_t>(k), std::memory_order_relaxed);
    e->io.store(0, std::memory_order_release);
    e->made.store(0, std::memory_order_relaxed);
  }
}

void fd_copied(int from, int to) noexcept {
  Entry* src = table().at(from);
  fd_opened(to, src ? static_cast<Kind>(src->kind.load(std::memory_order_relaxed)) : Kind::unknown);
  if (Entry* dst = table().at(to); src && dst)
    dst->made.store(src->made.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void fd_made_here(int fd) noexcept {
  if (Entry* e = table().at(fd))
    e->made.store(g_process_epoch.load(std::memory_order_acquire), std::memory_order_relaxed);
}

bool fd_private(int fd) noexcept {
  Entry* e = table().at(fd);
  return e && e->made.load(std::memory_order_relaxed) == g_process_epoch.load(std::memory_order_acquire);
}

void fd_sent(int fd) noexcept {
  if (Entry* e = table().at(fd)) e->made.store(0, std::memory_order_relaxed);
}

void process_started() noexcept {
  // Zero is what "not made here" holds: never an epoch.
  if (g_process_epoch.fetch_add(1, std::memory_order_acq_rel) + 1 == 0)
    g_process_epoch.fetch_add(1, std::memory_order_acq_rel);
}

// A signal handler that reads flags while its thread holds the lock (the
// handler runs inside with_nonblock) must not wait for itself: the lock is
// taken once per thread.
namespace {
__attribute__((tls_model("initial-exec"))) thread_local std::atomic<int> t_flags_depth{0};
}

void fd_fork_lock() noexcept { g_flags_lock.lock(); }
void fd_fork_unlock() noexcept { g_flags_lock.unlock(); }

FlagsLock::FlagsLock() noexcept {
  if (t_flags_depth.fetch_add(1, std::memory_order_relaxed) == 0) g_flags_lock.lock();
}
FlagsLock::~FlagsLock() {
  if (t_flags_depth.fetch_sub(1, std::memory_order_relaxed) == 1) g_flags_lock.unlock();
}

namespace {
std::uint32_t io_epoch() noexcept { return g_io_epoch.load(std::memory_order_acquire); }

IoStamp io_stamp(int fd) noexcept {
  IoStamp s{io_epoch(), 0};
  if (Entry* e = table().at(fd)) s.gen = e->gen.load(std::memory_order_acquire);
  return s;
}

int io_fact(int fd, IoFact f) noexcept {
  Entry* e = table().at(fd);
  if (!e) return -1;
  std::uint64_t w = e->io.load(std::memory_order_acquire);
  auto bit = static_cast<std::uint64_t>(f);
  if ((w >> kEpochShift) != io_epoch() || !(w & (bit << kKnownShift))) return -1;
  return (w & bit) ? 1 : 0;
}

bool io_facts(int fd, std::initializer_list<IoFact> yes, std::initializer_list<IoFact> no) noexcept {
  Entry* e = table().at(fd);
  if (!e) return false;
  std::uint64_t w = e->io.load(std::memory_order_acquire);
  if ((w >> kEpochShift) != io_epoch()) return false;
  std::uint64_t set = 0, known = 0;
  for (IoFact f : yes) set |= static_cast<std::uint64_t>(f);
  for (IoFact f : no) known |= static_cast<std::uint64_t>(f);
  known |= set;
  return (w & (known << kKnownShift)) == (known << kKnownShift) && (w & known) == set;
}

void io_remember(int fd, IoFact f, bool value, IoStamp stamp) noexcept {
  Entry* e = table().at(fd);
  if (!e) return;
  auto bit = static_cast<std::uint64_t>(f);
  const std::uint64_t tag = static_cast<std::uint64_t>(stamp.epoch) << kEpochShift;
  std::uint64_t w = e->io.load(std::memory_order_acquire);
  for (;;) {
    // Facts of an older epoch are dropped, not merged.
    std::uint64_t base = (w >> kEpochShift) == stamp.epoch ? w : tag;
    std::uint64_t next = (base & ~bit) | (bit << kKnownShift) | (value ? bit : 0);
    if (e->io.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_acquire)) break;
  }
  // The number was closed and reused while the kernel was read: what was
  // read belongs to the old file. Forget it (at worst a fact of the new file
  // too, which is only read again).
  if (e->gen.load(std::memory_order_acquire) != stamp.gen) e->io.store(0, std::memory_order_release);
}

}  // namespace

void io_changed() noexcept {
  // Zero is what a fresh entry holds: never an epoch.
  if (g_io_epoch.fetch_add(1, std::memory_order_acq_rel) + 1 == 0) g_io_epoch.fetch_add(1, std::memory_order_acq_rel);
}

int status_flags(int fd) noexcept {
  int saved = errno;
  FlagsLock lock;
  int fl = REAL(fcntl)(fd, F_GETFL);
  errno = saved;
  return fl;
}

bool user_nonblocking(int fd) noexcept {
  int known = io_fact(fd, IoFact::nonblocking);
  if (known >= 0) return known == 1;
  const IoStamp stamp = io_stamp(fd);
  int fl = status_flags(fd);
  if (fl < 0) return false;
  io_remember(fd, IoFact::nonblocking, (fl & O_NONBLOCK) != 0, stamp);
  return (fl & O_NONBLOCK) != 0;
}

Deadline socket_deadline(int fd, int opt) noexcept {
  const IoFact none = opt == SO_RCVTIMEO ? IoFact::no_rcvtimeo : IoFact::no_sndtimeo;
  if (io_fact(fd, none) == 1) return Deadline::never();
  const IoStamp stamp = io_stamp(fd);
  int saved = errno;
  timeval tv{};
  socklen_t len = sizeof tv;
  bool ok = REAL(getsockopt)(fd, SOL_SOCKET, opt, &tv, &len) == 0;
  errno = saved;
  if (!ok) return Deadline::never();
  // Only "no timeout" is remembered: a timeout's deadline starts at each call.
  if (tv.tv_sec == 0 && tv.tv_usec == 0) io_remember(fd, none, true, stamp);
  return Deadline::from(tv);
}

bool reads_wait(int fd) noexcept {
  return io_facts(fd, {IoFact::read_waits, IoFact::no_rcvtimeo}, {IoFact::nonblocking});
}

void note_read(int fd, bool found_nothing) noexcept {
  if (io_fact(fd, IoFact::read_waits) != static_cast<int>(found_nothing))
    io_remember(fd, IoFact::read_waits, found_nothing, io_stamp(fd));
}

bool read_shut_down(int fd) noexcept {
  int saved = errno;
  pollfd p{fd, POLLRDHUP, 0};
  bool shut = REAL(poll)(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
  errno = saved;
  return shut;
}

}  // namespace green::interpose
