// program.h — how the fuzzer's bytes become a small program for the interposer.
//
// The first byte picks the number of actors (2 to 4); every following 4 bytes
// are one operation, at most kMaxOps of them (a short tail is ignored):
//
//   byte 0  opcode (modulo the number of opcodes)
//   byte 1  bits 0-1 actor (modulo the actors), bits 2-4 variant, bits 5-7 ms
//   byte 2  bits 0-2 slot a, bits 3-5 slot b, bits 6-7 size class
//   byte 3  size within the class
//
// Slots are the program's fd variables (kSlots of them); operations name
// slots, never fd numbers, so any byte string is a valid program. Every
// quantity is small: sizes up to a few hundred KiB, waits of 0-3 ms (socket
// timeouts 1-4 ms, never "forever"), so no program can run long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace green_fuzz {

inline constexpr int kSlots = 8;
inline constexpr std::size_t kMaxOps = 32;

enum class OpCode : std::uint8_t {
  stream_pair,  // socketpair(AF_UNIX, SOCK_STREAM) into slots a, b
  dgram_pair,   // socketpair(AF_UNIX, SOCK_DGRAM) into slots a, b
  pipe,         // pipe/pipe2: read end into a, write end into b
  close,        // close a
  dup,          // dup/dup2/dup3/F_DUPFD a into b
  read,         // read/recv/readv/recvmsg... n bytes from a
  write,        // write/send/writev/sendmsg... n bytes to a
  poll,         // poll a (and b) for 0-3 ms
  select,       // select a readable, b writable, 0-3 ms
  nonblock,     // O_NONBLOCK on/off by fcntl or FIONBIO
  timeo,        // SO_RCVTIMEO or SO_SNDTIMEO of 1-4 ms
  shutdown,     // shutdown(a, SHUT_RD/WR/RDWR)
  sleep,        // usleep/nanosleep/poll(NULL) of 0-3 ms
  fionread,     // ioctl(FIONREAD)
  getfl,        // fcntl(F_GETFL)
  kick,         // read a (socket timeout 200 ms meanwhile) while another thread writes to its peer
  count_
};

struct Op {
  int actor;
  OpCode code;
  int a, b;     // slots
  int variant;  // 0-7: which call of the family, flags
  int ms;       // 0-7
  std::size_t size;
};

struct Program {
  int actors = 2;
  std::vector<Op> ops;
};

// decode: the program these bytes spell.
Program decode(const std::uint8_t* data, std::size_t size);

// describe: one line for an op, for failure reports.
std::string describe(const Op& op);

}  // namespace green_fuzz
