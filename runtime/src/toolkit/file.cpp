// toolkit/file.cpp — green::File, tp_read, tp_write (green/file.h).
#include "green/file.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "green/threadpool.h"

namespace green {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// on_pool: run a system call on the pool, retrying EINTR there; the result,
// or -errno.
template <class Call>
ssize_t on_pool(Call call) {
  return run_in_thread([call]() -> ssize_t {
    ssize_t r;
    do r = call();
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
  });
}

std::size_t checked(ssize_t r, const char* call, const std::string& path) {
  if (r < 0) fail(static_cast<int>(-r), std::string(call) + "(" + path + ")");
  return static_cast<std::size_t>(r);
}

std::string fd_name(int fd) { return "fd " + std::to_string(fd); }

}  // namespace

std::size_t tp_read(int fd, void* buf, std::size_t n) {
  return checked(on_pool([=] { return ::read(fd, buf, n); }), "read", fd_name(fd));
}

std::size_t tp_write(int fd, const void* buf, std::size_t n) {
  return checked(on_pool([=] { return ::write(fd, buf, n); }), "write", fd_name(fd));
}

File::File(const std::string& path, int flags, mode_t mode) : path_(path) {
  ssize_t r = on_pool(
      [p = path, flags, mode] { return static_cast<ssize_t>(::open(p.c_str(), flags | O_CLOEXEC, mode)); });
  fd_ = static_cast<int>(checked(r, "open", path_));
}

File::File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t File::read(void* buf, std::size_t n) {
  int fd = fd_;
  return checked(on_pool([=] { return ::read(fd, buf, n); }), "read", path_);
}

std::size_t File::write(const void* buf, std::size_t n) {
  int fd = fd_;
  return checked(on_pool([=] { return ::write(fd, buf, n); }), "write", path_);
}

std::size_t File::pread(void* buf, std::size_t n, off_t offset) {
  int fd = fd_;
  return checked(on_pool([=] { return ::pread(fd, buf, n, offset); }), "pread", path_);
}

std::size_t File::pwrite(const void* buf, std::size_t n, off_t offset) {
  int fd = fd_;
  return checked(on_pool([=] { return ::pwrite(fd, buf, n, offset); }), "pwrite", path_);
}

void File::write_all(const void* buf, std::size_t n) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    std::size_t w = write(p, n);
    p += w;
    n -= w;
  }
}

std::string File::read_all() {
  std::string out;
  for (;;) {
    std::size_t had = out.size();
    out.resize(had + (1u << 20));
    std::size_t r = read(out.data() + had, 1u << 20);
    out.resize(had + r);
    if (r == 0) return out;
  }
}

void File::fsync() {
  int fd = fd_;
  checked(on_pool([=] { return static_cast<ssize_t>(::fsync(fd)); }), "fsync", path_);
}

void File::close() {
  if (fd_ < 0) return;
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0 && errno != EINTR) fail(errno, "close(" + path_ + ")");
}

}  // namespace green
