#!/usr/bin/env python3
"""make_seeds.py — write the seed corpus (tests/fuzz/corpus) from readable programs.

Each seed is a scenario the fuzzer should start from; program.h gives the
byte format. Run it after changing a scenario or adding one:

    python3 tests/fuzz/make_seeds.py tests/fuzz/corpus

Seeds named regress_* reproduce a bug the fuzzer found; keep them.
"""
import os
import sys

CODES = ["stream_pair", "dgram_pair", "pipe", "close", "dup", "read", "write", "poll",
         "select", "nonblock", "timeo", "shutdown", "sleep", "fionread", "getfl", "kick"]

# Variants (program.h, world.cpp): read 0 read 1 recv 2 MSG_PEEK 3 MSG_WAITALL
# 4 MSG_DONTWAIT 5 readv 6 recvmsg 7 recvfrom; write 0 write 1 send
# 2 MSG_DONTWAIT 3 writev 4 sendmsg 5 sendto 6 MSG_NOSIGNAL.
READ, RECV, PEEK, WAITALL, DONTWAIT, READV, RECVMSG, RECVFROM = range(8)
WRITE, SEND, SEND_DONTWAIT, WRITEV, SENDMSG, SENDTO, NOSIGNAL = range(7)


def size_bytes(size):
    """(class, byte) for a size the decoder can express exactly."""
    if size <= 64:
        return 0, size
    if 65 <= size <= 65 + 4 * 255 and (size - 65) % 4 == 0:
        return 1, (size - 65) // 4
    if 4094 <= size <= 4097:
        return 2, size - 4094
    if size >= 65536 and (size - 65536) % 1024 == 0:
        return 3, (size - 65536) // 1024
    raise ValueError(f"size {size} cannot be encoded")


def op(code, actor=0, a=0, b=0, variant=0, ms=0, size=0):
    cls, byte = size_bytes(size)
    return bytes([CODES.index(code), actor | variant << 2 | ms << 5, a | b << 3 | cls << 6, byte])


def program(actors, *ops):
    return bytes([actors - 2]) + b"".join(ops)


SEEDS = {
    # Bytes both ways through a socketpair, a peek, then EOF after close.
    "stream_echo": program(
        2, op("stream_pair", a=0, b=1, ms=3), op("write", a=0, size=64), op("read", 1, a=1, size=64),
        op("write", 1, a=1, variant=SEND, size=101), op("read", a=0, variant=PEEK, size=50),
        op("read", a=0, variant=READV, size=101), op("close", a=0), op("read", 1, a=1, size=10)),
    # A pipe across the PIPE_BUF boundary, drained, then EOF.
    "pipe_pipebuf": program(
        2, op("pipe", a=2, b=3), op("write", 1, a=3, size=4097), op("fionread", a=2),
        op("read", a=2, size=4096), op("close", 1, a=3), op("read", a=2, size=64), op("read", a=2, size=64)),
    # A reader parks on a pipe; another actor closes the fd under it (EBADF).
    "close_under_reader": program(
        2, op("pipe", a=0, b=1), op("read", a=0, size=64), op("sleep", 1, ms=2), op("close", 1, a=0),
        op("write", 1, a=1, size=8)),
    # dup2 over the fd a reader parks on, then the number is reused by a new pipe with data.
    "dup2_under_reader": program(
        3, op("stream_pair", a=0, b=1, ms=3), op("pipe", 1, a=2, b=3), op("read", a=0, variant=RECV, size=32),
        op("sleep", 1, ms=1), op("dup", 1, a=2, b=0), op("write", 2, a=3, size=16), op("read", 2, a=0, size=16)),
    # Close, reuse of the number by a new pipe, writes to both, while a reader waits.
    "reuse_after_close": program(
        3, op("pipe", a=4, b=5), op("read", a=4, size=64), op("sleep", 1, ms=1), op("close", 1, a=4),
        op("pipe", 1, a=6, b=7), op("write", 2, a=7, size=30), op("write", 2, a=5, size=30),
        op("read", 1, a=6, size=64)),
    # Socket timeouts: a blocking read times out, MSG_WAITALL returns a partial count.
    "rcvtimeo_waitall": program(
        2, op("stream_pair", a=0, b=1, ms=2), op("timeo", a=0, variant=0, ms=1), op("read", a=0, size=16),
        op("write", 1, a=1, size=10), op("read", a=0, variant=WAITALL, size=64), op("fionread", a=0)),
    # A send larger than the socket buffer: partial count after SO_SNDTIMEO; a reader drains concurrently.
    "big_send": program(
        2, op("stream_pair", a=0, b=1, ms=5), op("write", a=0, variant=SEND, size=65536 + 200 * 1024),
        op("read", 1, a=1, variant=READ, size=65 + 4 * 255), op("read", 1, a=1, variant=RECVMSG, size=4097),
        op("read", 1, a=1, variant=WAITALL, size=65536)),
    # O_NONBLOCK by pipe2, FIONBIO and fcntl: EAGAIN, flags as set.
    "nonblock": program(
        2, op("pipe", a=0, b=1, variant=1), op("read", a=0, size=8), op("getfl", a=0),
        op("nonblock", 1, a=0, variant=0), op("getfl", 1, a=0), op("stream_pair", a=2, b=3),
        op("nonblock", a=2, variant=3), op("read", a=2, size=8), op("read", a=3, variant=DONTWAIT, size=8)),
    # poll and select with timeouts, shutdown, hang-ups.
    "poll_select_shutdown": program(
        3, op("stream_pair", a=0, b=1, ms=1), op("poll", a=0, b=1, variant=6, ms=3),
        op("select", 1, a=0, b=1, variant=1, ms=2), op("shutdown", 2, a=1, variant=1),
        op("poll", a=0, b=1, variant=4, ms=1), op("read", a=0, size=4), op("write", 1, a=0, size=4),
        op("select", 2, a=1, b=0, variant=1, ms=3)),
    # Datagrams: truncation, peek, an empty queue timing out.
    "dgram": program(
        2, op("dgram_pair", a=0, b=1, ms=1), op("write", a=0, size=64), op("write", a=0, size=10),
        op("read", 1, a=1, variant=PEEK, size=20), op("read", 1, a=1, size=20), op("read", 1, a=1, size=64),
        op("read", 1, a=1, size=8)),
    # Writers and readers on one stream from several actors at once.
    "crowd": program(
        4, op("stream_pair", a=0, b=1, ms=7), op("write", 1, a=0, size=4094), op("write", 2, a=0, size=60),
        op("read", 3, a=1, size=65 + 4 * 100), op("read", a=1, variant=WAITALL, size=4096),
        op("dup", 2, a=1, b=2), op("read", 2, a=2, size=64), op("sleep", 3, ms=2), op("close", 3, a=1),
        op("write", 1, a=0, size=30)),
    # Kicks (a read woken by another thread's write) on numbers reused since the
    # last wait: by close and a new socketpair, by close and a new pipe, by dup2.
    "kick_reused_numbers": program(
        2, op("stream_pair", a=0, b=1, ms=1), op("read", a=0, size=8), op("kick", a=0, size=16),
        op("close", 1, a=0), op("close", 1, a=1), op("stream_pair", 1, a=0, b=1), op("kick", a=0, size=16),
        op("close", 1, a=0), op("pipe", 1, a=0, b=2), op("kick", a=0, variant=1, size=101),
        op("pipe", 1, a=3, b=4), op("dup", 1, a=3, b=0), op("kick", a=0, size=7),
        op("stream_pair", 1, a=3, b=5), op("dup", 1, a=3, b=0, variant=1), op("kick", a=0, size=9)),
    # O_NONBLOCK and SO_RCVTIMEO toggled through a dup, then a blocking read on
    # the original: it must wait again (the remembered settings are stale).
    "kick_settings_via_dup": program(
        2, op("stream_pair", a=0, b=1, ms=1), op("dup", a=0, b=2), op("kick", a=0, size=4),
        op("nonblock", 1, a=2, variant=2), op("read", a=0, size=8), op("kick", a=0, size=4),
        op("nonblock", 1, a=2, variant=1), op("kick", a=0, size=4), op("timeo", 1, a=2, ms=3),
        op("read", a=0, size=8), op("kick", a=0, size=4), op("pipe", a=3, b=4), op("dup", a=3, b=5),
        op("nonblock", 1, a=5, variant=3), op("read", a=3, size=8), op("nonblock", 1, a=5, variant=0),
        op("kick", a=3, size=4)),
    # Several actors on one fd in both directions while a kick wakes a reader.
    "kick_crowd": program(
        4, op("stream_pair", a=0, b=1, ms=7), op("kick", a=0, size=32), op("read", 1, a=0, size=16),
        op("write", 2, a=0, size=65536 + 100 * 1024), op("read", 3, a=1, size=4096), op("kick", 1, a=0, size=8),
        op("poll", 2, a=0, b=1, variant=6, ms=3), op("read", 3, a=1, variant=WAITALL, size=4096)),
    # read on a pipe's write end, write on its read end: EBADF, not a wait forever.
    "regress_pipe_wrong_end": program(
        2, op("pipe", a=5, b=0), op("read", a=0, size=64), op("write", 1, a=5, size=8)),
    # Zero-length reads: 0 at once, the datagram stays queued (green used to wait, or take it).
    "regress_zero_length_read": program(
        2, op("dgram_pair", a=0, b=1, ms=1), op("write", a=0, size=10), op("read", 1, a=1, size=0),
        op("read", 1, a=1, size=8), op("pipe", a=2, b=3), op("read", a=2, size=0),
        op("read", a=2, variant=READV, size=0), op("close", a=0), op("write", 1, a=1, variant=WRITEV, size=0)),
    # A datagram socket shut down for reading: recv returns 0 (green used to spin for ever).
    "regress_dgram_shut_rd": program(
        2, op("dgram_pair", a=0, b=1, ms=1), op("shutdown", 1, a=0, variant=0), op("read", a=0, size=64),
        op("read", 1, a=0, variant=RECVMSG, size=8)),
    # Two readers parked on one pipe, one write wakes both: the second used to
    # make the real read() and block the thread (the concurrent run hung).
    "regress_shared_pipe_readers": program(
        3, op("pipe", a=0, b=1), op("read", a=0, size=64), op("read", 1, a=0, variant=READV, size=64),
        op("sleep", 2, ms=1), op("write", 2, a=1, size=8), op("sleep", 2, ms=2), op("write", 2, a=1, size=8)),
    # select on a number above the kernel's fd table: libev used to abort (epoll_ctl EBADF).
    "regress_select_unopened_fd": program(2, op("select", a=7, b=1, variant=0, ms=2)),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    # A seed that reproduces a bug lives with the other regressions, named
    # after the bug without the prefix (tests/regression/README.md).
    regressions = os.path.join(here, "..", "regression", "fuzz")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        path = os.path.join(out, name)
        if name.startswith("regress_"):
            path = os.path.join(regressions, name[len("regress_"):])
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
