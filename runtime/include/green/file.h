// green/file.h — regular files without blocking the hub (gevent's
// FileObjectThread).
//
//   green::File f("data.bin", O_RDONLY);
//   std::size_t n = f.read(buf, sizeof buf);     // runs on a pool thread
//
// epoll cannot wait for regular files (they are always "ready", yet a read
// may wait for the disk), so each call runs on the shared thread pool while
// only the calling greenlet parks. tp_read / tp_write do the same for any fd.
//
// The trade-off, measured by tests/toolkit/file_test.cpp (FourKiBReadCost) on
// the 2-core development machine while heavily loaded: a 4 KiB read from the
// page cache took 1.4 us with pread() directly and 100 us through the pool (a
// job handed to another thread, then a wakeup of the hub) — about 70 times
// more (expect less on an idle machine). Use File for reads that may really
// wait (cold data, network filesystems, big files while the hub must keep
// serving: a 100 MiB read in 1 MiB calls kept a 1 ms timer going), with large
// buffers rather than many small calls; a plain pread() of a hot small file
// stalls the hub for less than the hand-off costs.
//
// Errors: std::system_error with the errno and a message naming the call and
// the path. Kill and Timeout aimed at the caller interrupt the wait; the call
// itself finishes on its thread (a write may still happen) and its result is
// dropped. Must be called from a greenlet or the main greenlet, not the hub.
// One File is not meant for concurrent calls from several greenlets.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace green {

// tp_read / tp_write: read()/write() on a pool thread; return the count
// (0 at end of file). Throw std::system_error (EINTR is retried).
std::size_t tp_read(int fd, void* buf, std::size_t n);
std::size_t tp_write(int fd, const void* buf, std::size_t n);

class File {
 public:
  File() = default;
  // File: open(path, flags, mode) on a pool thread (O_CLOEXEC added).
  File(const std::string& path, int flags, mode_t mode = 0644);
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  // ~File: closes (on this thread: close() of a regular file does not wait
  // for the disk, unlike fsync).
  ~File();

  std::size_t read(void* buf, std::size_t n);
  std::size_t write(const void* buf, std::size_t n);  // may write less than n
  std::size_t pread(void* buf, std::size_t n, off_t offset);
  std::size_t pwrite(const void* buf, std::size_t n, off_t offset);
  // write_all: write every byte (several calls if needed).
  void write_all(const void* buf, std::size_t n);
  // read_all: everything from the current position to the end, in 1 MiB calls.
  std::string read_all();
  void fsync();
  // close: close now; throws std::system_error if close() fails. Idempotent.
  void close();

  int fd() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  const std::string& path() const noexcept { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace green
