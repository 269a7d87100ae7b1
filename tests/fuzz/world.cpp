// world.cpp — see world.h. Every call here is a plain libc call: under green
// it goes through the interposer's hooks, natively straight to libc.
#include "world.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>

#include "report.h"

namespace green_fuzz {

// Dir: one byte stream (a pipe, or one direction of a socketpair).
struct World::Dir {
  int id;
  bool stream;                   // datagrams may be truncated: only counted
  std::uint64_t written = 0;     // bytes writes reported
  std::uint64_t consumed = 0;    // bytes reads reported (MSG_PEEK excluded)
  bool ordered = true;           // positions known: byte-by-byte checks
  bool lossy = false;            // a write or MSG_WAITALL read was cut by a Timeout: counts unknown
  int writing = 0, reading = 0;  // calls in flight
};

namespace {

std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void set_result(Outcome& o, long r) {
  o.ret = r;
  o.err = r < 0 ? errno : 0;
}

// Socket timeouts are never zero ("forever"): a blocking socket call always ends.
void set_timeo(int fd, int opt, int ms) {
  timeval tv{0, (ms % 4 + 1) * 1000};
  ::setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

// Pieces: `n` bytes as two iovecs (readv/writev/recvmsg/sendmsg variants).
struct Pieces {
  iovec iov[2];
  msghdr msg{};
  Pieces(unsigned char* p, std::size_t n) {
    iov[0] = {p, n / 2};
    iov[1] = {p + n / 2, n - n / 2};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
  }
};

}  // namespace

World::~World() {
  for (Dir* d : dirs_) delete d;
}

int World::fd_of(int slot) const {
  // An empty slot names a number nobody opened: calls on it get libc's EBADF.
  return slots_[slot].fd >= 0 ? slots_[slot].fd : 1000 + slot;
}

std::uint64_t World::replacements(int fd) const {
  auto it = replacements_.find(fd);
  return it == replacements_.end() ? 0 : it->second;
}

Outcome World::run(const Op& op) {
  Outcome o;
  switch (op.code) {
    case OpCode::stream_pair:
    case OpCode::dgram_pair:
    case OpCode::pipe: create(op, o); break;
    case OpCode::close: do_close(op.a, o); break;
    case OpCode::dup: do_dup(op, o); break;
    case OpCode::read: do_read(op, o); break;
    case OpCode::write: do_write(op, o); break;
    case OpCode::poll: do_poll(op, o); break;
    case OpCode::select: do_select(op, o); break;
    case OpCode::kick: do_kick(op, o); break;
    default: do_misc(op, o); break;
  }
  o.ran = true;
  return o;
}

void World::create(const Op& op, Outcome& o) {
  int a = op.a, b = op.a == op.b ? (op.b + 1) % kSlots : op.b;
  Outcome ignored;
  if (slots_[a].fd >= 0) do_close(a, ignored);
  if (slots_[b].fd >= 0) do_close(b, ignored);
  int fds[2];
  int r;
  bool pipe = op.code == OpCode::pipe;
  if (pipe) r = (op.variant & 1) ? ::pipe2(fds, O_NONBLOCK) : ::pipe(fds);
  else
    r = ::socketpair(
        AF_UNIX, (op.code == OpCode::stream_pair ? SOCK_STREAM : SOCK_DGRAM) | ((op.variant & 1) ? SOCK_NONBLOCK : 0),
        0, fds);
  set_result(o, r);
  if (r < 0) return;
  bool stream = op.code != OpCode::dgram_pair;
  int d0 = static_cast<int>(dirs_.size());
  dirs_.push_back(new Dir{d0, stream});
  Endpoint e0, e1;
  if (pipe) {
    e0 = {d0, -1, true};
    e1 = {-1, d0, true};
  } else {
    dirs_.push_back(new Dir{d0 + 1, stream});
    e0 = {d0 + 1, d0, false};
    e1 = {d0, d0 + 1, false};
    for (int fd : fds) {
      set_timeo(fd, SO_RCVTIMEO, op.ms);
      set_timeo(fd, SO_SNDTIMEO, op.ms >> 2);
    }
  }
  endpoints_.push_back(e0);
  slots_[a] = {fds[0], static_cast<int>(endpoints_.size()) - 1};
  endpoints_.push_back(e1);
  slots_[b] = {fds[1], static_cast<int>(endpoints_.size()) - 1};
}

void World::do_close(int slot, Outcome& o) {
  int fd = fd_of(slot);
  int r = ::close(fd);
  set_result(o, r);
  if (r == 0) replaced(fd);
  slots_[slot] = {};
}

void World::do_dup(const Op& op, Outcome& o) {
  int from = fd_of(op.a);
  Slot& to = slots_[op.b];
  int r;
  if (to.fd >= 0) {
    // Over an open fd (maybe one another actor waits on).
    r = (op.variant & 1) ? ::dup3(from, to.fd, O_CLOEXEC) : ::dup2(from, to.fd);
    if (r >= 0 && from != to.fd) {
      replaced(to.fd);
      to.ep = slots_[op.a].ep;
    }
  } else {
    r = (op.variant & 1) ? ::fcntl(from, F_DUPFD_CLOEXEC, 0) : ::dup(from);
    if (r >= 0) to = {r, slots_[op.a].ep};
  }
  set_result(o, r < 0 ? -1 : 0);
}

// would_block_forever: natively, with nobody else acting, this call would
// never return (a blocking pipe with nothing to read or no room). Sockets
// always carry a timeout, so only pipes are asked.
bool World::would_block_forever(const Op& op, int fd, bool writing) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return false;
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) return false;
  int acc = fl & O_ACCMODE;
  if (writing ? acc == O_RDONLY : acc == O_WRONLY) return false;  // EBADF at once
  if (op.size == 0) return false;
  pollfd p{fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
  if (::poll(&p, 1, 0) < 0) return false;
  if (p.revents & (POLLERR | POLLNVAL)) return false;
  if (!writing) return (p.revents & (POLLIN | POLLHUP)) == 0;
  if (op.size <= PIPE_BUF) return (p.revents & POLLOUT) == 0;
  // Larger writes need many free pages; an empty pipe has all of them.
  int queued = 0;
  return ::ioctl(fd, FIONREAD, &queued) != 0 || queued != 0 ||
         op.size > static_cast<std::size_t>(::fcntl(fd, F_GETPIPE_SZ));
}

void World::check_read(Dir& d, const unsigned char* buf, std::size_t n, bool consume) {
  if (d.stream && d.ordered) {
    for (std::size_t i = 0; i < n; ++i)
      if (buf[i] != pattern(d.id, d.consumed + i))
        fail("stream %d: byte %llu read is not the one written there (lost, duplicated or foreign bytes)", d.id,
             static_cast<unsigned long long>(d.consumed + i));
  }
  if (consume) d.consumed += n;
}

void World::do_read(const Op& op, Outcome& o) {
  int fd = fd_of(op.a);
  int flags[] = {0, 0, MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, 0, 0, 0};
  int v = op.variant;
  int ep = slots_[op.a].ep;
  Dir* d = ep >= 0 && endpoints_[ep].in >= 0 ? dirs_[endpoints_[ep].in] : nullptr;
  // Variant 4 is MSG_DONTWAIT: it cannot wait at all.
  if (schedule_ == Schedule::sequential && v != 4 && would_block_forever(op, fd, false)) {
    o.skipped = true;
    return;
  }
  std::vector<unsigned char> buf(op.size);
  unsigned char* p = buf.data();
  std::uint64_t gen = replacements(fd);
  if (d && d->reading++) d->ordered = false;
  ssize_t r;
  try {
    Pieces pieces(p, op.size);
    switch (v) {
      case 0: r = ::read(fd, p, op.size); break;
      case 5: r = ::readv(fd, pieces.iov, 2); break;
      case 6: r = ::recvmsg(fd, &pieces.msg, 0); break;
      case 7: r = ::recvfrom(fd, p, op.size, 0, nullptr, nullptr); break;
      default: r = ::recv(fd, p, op.size, flags[v]); break;
    }
  } catch (...) {
    if (d) {
      --d->reading;
      if (v == 3) {  // MSG_WAITALL: the Timeout may have come after some bytes
        d->lossy = d->stream;
        d->ordered = false;
      }
    }
    throw;
  }
  set_result(o, r);
  if (d) --d->reading;
  if (r > static_cast<ssize_t>(op.size)) fail("read returned %zd for a %zu-byte buffer", r, op.size);
  if (r > 0) {
    o.data = fnv1a(p, static_cast<std::size_t>(r));
    if (d) check_read(*d, p, static_cast<std::size_t>(r), v != 2);
  }
  if (schedule_ == Schedule::concurrent && replacements(fd) != gen && !(r < 0 && o.err == EBADF) && !(v == 3 && r > 0))
    fail("a read parked on fd %d, closed or replaced meanwhile, returned %zd (errno %d), not EBADF", fd, r, o.err);
}

void World::do_write(const Op& op, Outcome& o) {
  int fd = fd_of(op.a);
  int v = op.variant;
  int ep = slots_[op.a].ep;
  Dir* d = ep >= 0 && endpoints_[ep].out >= 0 ? dirs_[endpoints_[ep].out] : nullptr;
  // Under green, writev to a pipe is one call after readiness, which blocks
  // the thread itself beyond the pipe's free space (docs/interposition.md):
  // skipped then in the concurrent run too. Variant 2 is MSG_DONTWAIT.
  bool may_block_thread = v == 3 && op.size > PIPE_BUF;
  if ((schedule_ == Schedule::sequential || may_block_thread) && v != 2 && would_block_forever(op, fd, true)) {
    o.skipped = true;
    return;
  }
  std::vector<unsigned char> buf(op.size);
  if (d)
    for (std::size_t i = 0; i < op.size; ++i) buf[i] = pattern(d->id, d->written + i);
  unsigned char* p = buf.data();
  std::uint64_t gen = replacements(fd);
  if (d && d->writing++) d->ordered = false;
  ssize_t r;
  try {
    Pieces pieces(p, op.size);
    switch (v) {
      case 1: r = ::send(fd, p, op.size, 0); break;
      case 2: r = ::send(fd, p, op.size, MSG_DONTWAIT); break;
      case 3: r = ::writev(fd, pieces.iov, 2); break;
      case 4: r = ::sendmsg(fd, &pieces.msg, 0); break;
      case 5: r = ::sendto(fd, p, op.size, 0, nullptr, 0); break;
      case 6: r = ::send(fd, p, op.size, MSG_NOSIGNAL); break;
      default: r = ::write(fd, p, op.size); break;
    }
  } catch (...) {
    if (d) {
      --d->writing;
      d->lossy = d->stream;  // some bytes may have gone
      d->ordered = false;
    }
    throw;
  }
  set_result(o, r);
  if (d) --d->writing;
  if (r > static_cast<ssize_t>(op.size)) fail("write returned %zd for %zu bytes", r, op.size);
  if (r > 0 && d) d->written += static_cast<std::uint64_t>(r);
  if (schedule_ == Schedule::concurrent && replacements(fd) != gen && !(r < 0 && o.err == EBADF) && r <= 0)
    fail("a write parked on fd %d, closed or replaced meanwhile, returned %zd (errno %d), not EBADF", fd, r, o.err);
}

void World::do_poll(const Op& op, Outcome& o) {
  static const short kEvents[] = {POLLIN, POLLOUT, POLLIN | POLLOUT, 0};
  pollfd p[2] = {{fd_of(op.a), kEvents[op.variant & 3], 0}, {fd_of(op.b), kEvents[(op.variant >> 1) & 3], 0}};
  int n = (op.variant & 4) ? 2 : 1;
  set_result(o, ::poll(p, static_cast<nfds_t>(n), op.ms & 3));
  o.data = static_cast<std::uint16_t>(p[0].revents) | std::uint64_t{static_cast<std::uint16_t>(p[1].revents)} << 16;
}

void World::do_select(const Op& op, Outcome& o) {
  int ra = fd_of(op.a), wb = fd_of(op.b);
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(ra, &r);
  if (op.variant & 1) FD_SET(wb, &w);
  timeval tv{0, (op.ms & 3) * 1000};
  set_result(o, ::select(std::max(ra, wb) + 1, &r, &w, nullptr, &tv));
  o.data = (FD_ISSET(ra, &r) ? 1u : 0u) | (FD_ISSET(wb, &w) ? 2u : 0u);
}

void World::do_misc(const Op& op, Outcome& o) {
  int fd = fd_of(op.a);
  switch (op.code) {
    case OpCode::nonblock: {
      bool on = op.variant & 2;
      if (op.variant & 1) {
        int fl = ::fcntl(fd, F_GETFL);
        set_result(o, fl < 0 ? fl : ::fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
      } else {
        int arg = on;
        set_result(o, ::ioctl(fd, FIONBIO, &arg));
      }
      break;
    }
    case OpCode::timeo: {
      timeval tv{0, (op.ms % 4 + 1) * 1000};
      set_result(o, ::setsockopt(fd, SOL_SOCKET, (op.variant & 1) ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, sizeof tv));
      break;
    }
    case OpCode::shutdown: {
      static const int kHow[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
      set_result(o, ::shutdown(fd, kHow[op.variant % 3]));
      break;
    }
    case OpCode::sleep: {
      int ms = op.ms & 3;
      if (op.variant % 3 == 0) {
        set_result(o, ::usleep(static_cast<useconds_t>(ms) * 1000));
      } else if (op.variant % 3 == 1) {
        timespec ts{0, ms * 1000000L};
        set_result(o, ::nanosleep(&ts, nullptr));
      } else {
        set_result(o, ::poll(nullptr, 0, ms));
      }
      break;
    }
    case OpCode::fionread: {
      int n = 0;
      set_result(o, ::ioctl(fd, FIONREAD, &n));
      o.data = static_cast<std::uint64_t>(n);
      break;
    }
    default: {  // getfl
      int fl = ::fcntl(fd, F_GETFL);
      set_result(o, fl < 0 ? -1 : 0);
      if (fl >= 0) o.data = static_cast<std::uint64_t>(fl & (O_NONBLOCK | O_ACCMODE));
      break;
    }
  }
}

// do_kick: the one op whose wait is ended by a write that no greenlet makes.
// Another OS thread writes into the stream slot a reads from, about 1 ms from
// now, through a dup of a writing slot and raw system calls (nothing of green
// runs there), while this actor reads a. Natively the read gets the bytes; a
// wait whose kernel registration went stale (a watch reused for a number that
// names another file now) would never be woken: a socket's read then ends
// with EAGAIN at the 200 ms SO_RCVTIMEO set for the op (an outcome that
// differs), a pipe's read hangs (the watchdog). ret -2: nothing to kick (no
// writing slot, or a read that would not wait: data already there, or
// O_NONBLOCK) — decided the same way in every run.
void World::do_kick(const Op& op, Outcome& o) {
  int fd = fd_of(op.a);
  int ep = slots_[op.a].ep;
  int in = ep >= 0 ? endpoints_[ep].in : -1;
  int writer = -1;
  for (const Slot& s : slots_)
    if (in >= 0 && s.fd >= 0 && endpoints_[s.ep].out == in) writer = s.fd;
  pollfd p{fd, POLLIN, 0};
  int fl = writer >= 0 ? ::fcntl(fd, F_GETFL) : -1;
  // An empty stream: the helper's write (at most 4096 bytes) cannot block.
  if (fl < 0 || (fl & O_NONBLOCK) || ::poll(&p, 1, 0) != 0) {
    o.ret = -2;
    return;
  }
  Dir& d = *dirs_[in];
  if (schedule_ == Schedule::concurrent) d.ordered = false;  // other writers meanwhile
  std::vector<unsigned char> out(std::max<std::size_t>(1, std::min<std::size_t>(op.size, 4096)));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = pattern(d.id, d.written + i);
  int w = ::dup(writer);  // another actor may close `writer` meanwhile
  std::atomic<long> wrote{0};
  std::thread helper([&] {
    timespec ts{0, 1000000};
    ::syscall(SYS_nanosleep, &ts, nullptr);
    wrote = ::syscall(SYS_write, w, out.data(), out.size());
  });
  timeval old{}, longer{0, 200000};
  socklen_t len = sizeof old;
  bool sock = ::getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &old, &len) == 0;
  if (sock) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &longer, sizeof longer);
  struct Done {  // also when the op's Timeout cuts the read
    World::Dir& d;
    std::thread& helper;
    std::atomic<long>& wrote;
    int w, fd;
    bool sock;
    timeval old;
    ~Done() {
      helper.join();
      ::close(w);
      if (wrote > 0) d.written += static_cast<std::uint64_t>(wrote.load());
      if (sock) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &old, sizeof old);
    }
  } done{d, helper, wrote, w, fd, sock, old};
  std::vector<unsigned char> buf(op.size);
  iovec iov{buf.data(), buf.size()};
  std::uint64_t gen = replacements(fd);
  ssize_t r = (op.variant & 1) ? ::readv(fd, &iov, 1) : ::read(fd, buf.data(), buf.size());
  set_result(o, r);
  if (r > 0) {
    o.data = fnv1a(buf.data(), static_cast<std::size_t>(r));
    check_read(d, buf.data(), static_cast<std::size_t>(r), true);
  }
  if (schedule_ == Schedule::concurrent && replacements(fd) != gen && !(r < 0 && o.err == EBADF))
    fail("a kicked read parked on fd %d, closed or replaced meanwhile, returned %zd (errno %d), not EBADF", fd, r,
         o.err);
}

void World::finish() {
  std::vector<bool> drained(dirs_.size());
  for (Slot& s : slots_) {
    if (s.fd < 0 || s.ep < 0 || endpoints_[s.ep].in < 0) continue;
    Dir& d = *dirs_[endpoints_[s.ep].in];
    if (drained[d.id] || !d.stream) continue;
    drained[d.id] = true;
    // Non-blocking from here on: what is buffered comes out, then EAGAIN
    // (or EOF, or ECONNRESET when the peer closed with unread data).
    int fl = ::fcntl(s.fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY) continue;
    ::fcntl(s.fd, F_SETFL, fl | O_NONBLOCK);
    unsigned char buf[16384];
    for (;;) {
      ssize_t r = ::read(s.fd, buf, sizeof buf);
      if (r <= 0) break;
      check_read(d, buf, static_cast<std::size_t>(r), true);
    }
  }
  for (Dir* d : dirs_) {
    if (!d->stream) continue;
    if (d->consumed > d->written && !d->lossy)
      fail("stream %d: %llu bytes read but only %llu written", d->id, static_cast<unsigned long long>(d->consumed),
           static_cast<unsigned long long>(d->written));
    if (drained[d->id] && !d->lossy && d->consumed != d->written)
      fail("stream %d: %llu bytes written, %llu read (drained to the end)", d->id,
           static_cast<unsigned long long>(d->written), static_cast<unsigned long long>(d->consumed));
  }
  for (Slot& s : slots_) {
    if (s.fd >= 0) ::close(s.fd);
    s = {};
  }
}

}  // namespace green_fuzz
