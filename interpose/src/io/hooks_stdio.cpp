// io/hooks_stdio.cpp — stdio reads and writes on pipes, sockets, ttys park the
// greenlet instead of blocking the thread.
//
// Every stdio function reaches the kernel through its FILE's vtable: glibc
// 2.36's libio refills an empty buffer with the vtable's `read` slot
// (_IO_file_read, which calls glibc's internal __read) and flushes through
// its `write` slot (_IO_new_file_write, a loop over __write). __read and
// __write are internal: no hook sees them. Hooking the public entry points
// instead (fgets, fread, scanf...) can wait for the first byte only: a line
// or an fread that needs a second refill would still block between parts,
// and inline getc_unlocked/putc_unlocked never pass through a hook.
//
// So green puts its own functions in those two slots (and the close slot,
// see _IO_file_close below) of the vtables of
// fd-backed FILEs: _IO_file_jumps (fopen, fdopen, stdin/stdout/stderr),
// _IO_wfile_jumps (the same FILEs once used for wide characters) and the
// vtable of popen's FILEs (found through the first FILE popen returns).
// glibc validates the vtable *pointer* of each FILE (IO_validate_vtable:
// it must lie in libc's __libc_IO_vtables section), not the slots, so the
// FILEs keep glibc's own vtables. A slot is replaced only when it holds
// exactly glibc's function (found with dlsym), else that vtable stays
// glibc's. The tables are in libc's RELRO pages: they are made writable for
// the stores and read-only again.
//
// The new slots do what glibc's do, with the interposer's read/write in
// place of __read/__write: a refill of a pipe, FIFO, socket, tty or
// character device parks until readable (a socket's SO_RCVTIMEO still
// ends it with EAGAIN, the FILE's error flag set as natively), and a flush
// into a full pipe or socket parks until writable. Regular files, a fd the
// program set O_NONBLOCK (EAGAIN, error flag: glibc's answer), FILEs opened
// with fopen's "c" flag (no cancellation point: glibc's nocancel calls) and
// calls where the hook does not act (gate.h) go to glibc's functions
// unchanged.
//
// GREEN_STDIO=0 leaves the vtables glibc's.
//
// What is not changed: the FILE's lock. glibc takes it before the refill or
// flush, so a greenlet parked inside one holds its FILE; another thread
// using the same FILE meanwhile waits for it as natively (in green-threads
// mode that wait blocks the OS thread: docs/interposition.md).
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "gate/gate.h"
#include "gate/real.h"
#include "green/settings.h"
#include "io/stdio_vtables.h"
#include "runtime_internal.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

// glibc's libio.h (not installed): a FILE opened with fopen's "c" flag makes
// no cancellation point, through __read_nocancel/__write_nocancel.
constexpr int kFlags2NotCancel = 2;

bool glibc_does_it(FILE* fp, Hook h) { return (fp->_flags2 & kFlags2NotCancel) || !gi::active(h); }

}  // namespace

extern "C" {

ssize_t _IO_file_read(FILE* fp, void* buf, ssize_t size) {
  if (glibc_does_it(fp, Hook::_IO_file_read)) return REAL(_IO_file_read)(fp, buf, size);
  gi::count(Hook::_IO_file_read, gi::Why::green);
  return ::read(fp->_fileno, buf, static_cast<size_t>(size));
}

// glibc's _IO_new_file_write, the loop and its bookkeeping kept: an error
// sets the FILE's error flag and ends the loop; the offset moves by what was
// written.
//
// Flushes of stdout and stderr stay glibc's: every thread of a program
// shares them, and a greenlet parked in a flush holds the FILE's lock. In
// green-threads mode another thread's printf then waits for that lock in the
// kernel, stopping the OS thread for good (two threads printing into a full
// pipe hung); where greenlets share their OS thread's lock owner it lets the
// second one into the FILE mid-flush. Blocking the thread until the pipe
// drains, as before, is the lesser harm (docs/interposition.md). In
// green-threads mode the blocked flush is a blocking region: hand-off moves
// the green thread to a spare OS thread meanwhile, and the others run on
// (those waiting for the lock go the same way).
ssize_t _IO_file_write(FILE* fp, const void* data, ssize_t n) {
  if (fp == stdout || fp == stderr) {
    green::detail::BlockingRegion region(GREEN_CALLER_SP());
    return REAL(_IO_file_write)(fp, data, n);
  }
  if (glibc_does_it(fp, Hook::_IO_file_write)) return REAL(_IO_file_write)(fp, data, n);
  gi::count(Hook::_IO_file_write, gi::Why::green);
  ssize_t to_do = n;
  const char* p = static_cast<const char*>(data);
  while (to_do > 0) {
    ssize_t count = ::write(fp->_fileno, p, static_cast<size_t>(to_do));
    if (count < 0) {
      fp->_flags |= _IO_ERR_SEEN;
      break;
    }
    to_do -= count;
    p += count;
  }
  n -= to_do;
  if (fp->_offset >= 0) fp->_offset += n;
  return n;
}

// glibc's _IO_file_close (fclose, freopen): its close is internal too, so
// green's fd table would not learn that the fd is gone, and a greenlet that
// waited on it could miss its wake-up once the number is reused by a fd
// green does not see made (popen's pipe). Through the close hook instead,
// with cancellation held off: glibc's is a non-cancellable close.
int _IO_file_close(FILE* fp) {
  if (!gi::enabled()) return REAL(_IO_file_close)(fp);
  gi::count(Hook::_IO_file_close, gi::Why::green);
  int state = PTHREAD_CANCEL_ENABLE;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
  int r = ::close(fp->_fileno);
  int e = errno;
  pthread_setcancelstate(state, nullptr);
  errno = e;
  return r;
}

}  // extern "C"

namespace green::interpose {

namespace {

// glibc 2.36's struct _IO_jump_t: two dummy words, then finish, overflow,
// underflow, uflow, pbackfail, xsputn, xsgetn, seekoff, seekpos, setbuf,
// sync, doallocate, read, write, seek, close, stat, showmanyc, imbue. Each
// slot is replaced only where it holds glibc's own function: popen's vtable
// has a close of its own (pclose's hook deals with it), which stays.
struct Slot {
  std::size_t index;
  Hook glibc;
  void* green;
};
const Slot kSlots[] = {
    {14, Hook::_IO_file_read, reinterpret_cast<void*>(&_IO_file_read)},
    {15, Hook::_IO_file_write, reinterpret_cast<void*>(&_IO_file_write)},
    {17, Hook::_IO_file_close, reinterpret_cast<void*>(&_IO_file_close)},
};

// page_protection: the protection of the mapping that holds `addr`, from
// /proc/self/maps (PROT_READ or PROT_READ|PROT_WRITE), or -1 when it is
// neither or cannot be told.
int page_protection(std::uintptr_t addr) {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (!maps) return -1;
  int prot = -1;
  char line[512];
  while (std::fgets(line, sizeof line, maps)) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[5] = "";
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, perms) != 3) continue;
    if (addr < lo || addr >= hi) continue;
    if (std::strcmp(perms, "r--p") == 0) prot = PROT_READ;
    if (std::strcmp(perms, "rw-p") == 0) prot = PROT_READ | PROT_WRITE;
    break;
  }
  std::fclose(maps);
  return prot;
}

// store_slots: put green's functions in the slots of the vtable at `vt`
// that hold glibc's. One vtable at a time (the caller's lock).
void store_slots(void* vt) {
  auto* slots = static_cast<void**>(vt);
  if (!slots) return;
  bool take[std::size(kSlots)] = {};
  std::uintptr_t first = UINTPTR_MAX, last = 0;
  for (std::size_t i = 0; i < std::size(kSlots); ++i) {
    void* glibc = real_fn(kSlots[i].glibc);
    if (!glibc || slots[kSlots[i].index] != glibc) continue;
    take[i] = true;
    auto at = reinterpret_cast<std::uintptr_t>(&slots[kSlots[i].index]);
    first = std::min(first, at);
    last = std::max(last, at);
  }
  if (last == 0) return;  // none, or done before
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t lo = first & ~(page - 1);
  const std::uintptr_t len = (last & ~(page - 1)) + page - lo;
  int prot = page_protection(first);
  if (prot < 0 || (len > page && page_protection(last) != prot)) return;
  auto* pages = reinterpret_cast<void*>(lo);
  const bool writable = prot == (PROT_READ | PROT_WRITE);
  if (!writable && ::mprotect(pages, len, PROT_READ | PROT_WRITE) != 0) return;
  // Other threads may be reading the slots: each store is one aligned word.
  for (std::size_t i = 0; i < std::size(kSlots); ++i)
    if (take[i]) __atomic_store_n(&slots[kSlots[i].index], kSlots[i].green, __ATOMIC_RELEASE);
  if (!writable) ::mprotect(pages, len, prot);
}

std::atomic_flag g_busy = ATOMIC_FLAG_INIT;

void patch(void* vt) {
  if (green::setting_number("GREEN_STDIO") == 0) return;
  int saved = errno;
  while (g_busy.test_and_set(std::memory_order_acquire)) {
  }
  store_slots(vt);
  g_busy.clear(std::memory_order_release);
  errno = saved;
}

}  // namespace

void install_stdio_hooks() noexcept {
  patch(libc_private("_IO_file_jumps"));
  patch(libc_private("_IO_wfile_jumps"));
}

void install_stdio_hooks(FILE* fp) noexcept {
  if (!fp) return;
  // The vtable pointer follows the FILE (glibc's struct _IO_FILE_plus).
  void* vt = nullptr;
  std::memcpy(&vt, reinterpret_cast<const char*>(fp) + sizeof(FILE), sizeof vt);
  patch(vt);
}

}  // namespace green::interpose

#ifdef GREEN_INTERPOSE_PRELOAD
// Under LD_PRELOAD the interposer is on from load (gate.cpp); linked in,
// green::patch_all() installs them.
__attribute__((constructor)) static void green_install_stdio_hooks() { green::interpose::install_stdio_hooks(); }
#endif
