// sys/file_locks.h — waits for file locks that park the greenlet (hooks_flock.cpp).
#pragma once

#include "gate/gate.h"

namespace green::interpose {

// wait_record_lock: fcntl(fd, F_SETLKW or F_OFD_SETLKW, lk) for a caller that
// may park (the fcntl hooks call it; `lk` is the caller's struct flock).
int wait_record_lock(Hook h, int fd, int cmd, void* lk);

}  // namespace green::interpose
