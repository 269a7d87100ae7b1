// gate/libc_decls.h — every header the hooked symbols are declared in, plus the
// fortify (_chk) entry points that glibc only declares under _FORTIFY_SOURCE.
// Programs built with -D_FORTIFY_SOURCE (most Debian packages, e.g. curl and
// wget) call __read_chk instead of read, so those are hooked too.
#pragma once

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, struct sockaddr* addr,
                       socklen_t* addr_len);
int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
// Declared by pthread.h only for C and C++ without exceptions (they back
// pthread_cleanup_push there); green threads keep their own list.
void __pthread_register_cancel(__pthread_unwind_buf_t* buf);
void __pthread_unregister_cancel(__pthread_unwind_buf_t* buf);
[[noreturn]] void __pthread_unwind_next(__pthread_unwind_buf_t* buf);
// libio's FILE read/write functions (the vtable slots io/hooks_stdio.cpp replaces);
// glibc exports them but no longer installs the header that declared them.
ssize_t _IO_file_read(FILE* fp, void* buf, ssize_t size);
ssize_t _IO_file_write(FILE* fp, const void* data, ssize_t n);
int _IO_file_close(FILE* fp);
int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout, const sigset_t* ss, size_t fdslen);
}
