// world.h — the fds a fuzz program works on, what it may expect of them, and
// one operation's outcome.
//
// The World keeps a model next to the real fds: each slot holds an fd number
// and the endpoint it refers to (dups share an endpoint); each endpoint reads
// from one byte stream (a Dir) and writes to another. Every byte written is a
// function of its stream and its position in it (pattern()), so a reader can
// tell, byte by byte, that it got the next bytes of its own stream — no byte
// lost, duplicated, reordered or taken from another stream (a reused fd
// number). While two reads or two writes of one stream overlap in time (only
// under green's concurrent schedule) positions are no longer known; the
// stream is then checked by counts only. At the end (finish()) every stream
// whose reading side is still open is drained: bytes read equal bytes written.
//
// The same World code runs natively and under green; a native run that breaks
// one of these invariants is a bug of the harness, not of green.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "program.h"

namespace green_fuzz {

// Outcome: what one operation returned. Compared between the native and the
// green sequential runs; fd numbers are not part of it (dup gives 0).
struct Outcome {
  long ret = 0;
  int err = 0;             // errno when ret < 0
  std::uint64_t data = 0;  // hash of the bytes read; revents; FIONREAD; flags
  bool skipped = false;    // sequential runs: would block forever natively
  bool timed_out = false;  // concurrent run: the op's green::Timeout fired
  bool ran = false;        // returned (reports tell ops not run yet)
  bool operator==(const Outcome&) const = default;
};

// Schedule: sequential = one op at a time in program order (its outcome is
// defined: the same natively and under green); concurrent = every actor runs
// its own ops at once (green only; invariants only).
enum class Schedule { sequential, concurrent };

class World {
 public:
  explicit World(Schedule s) : schedule_(s) {}
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  // run: perform `op`; may park the calling greenlet. Checks the invariants
  // that concern this op (fails the run on a violation).
  Outcome run(const Op& op);

  // finish: drain every stream still readable, check that nothing was lost or
  // duplicated, close every fd.
  void finish();

 private:
  struct Dir;
  struct Endpoint {
    int in = -1, out = -1;  // Dir read from / written to; -1: none (pipe ends)
    bool pipe = false;
  };
  struct Slot {
    int fd = -1;
    int ep = -1;
  };

  int fd_of(int slot) const;
  void create(const Op& op, Outcome& o);
  void do_close(int slot, Outcome& o);
  void do_dup(const Op& op, Outcome& o);
  void do_read(const Op& op, Outcome& o);
  void do_write(const Op& op, Outcome& o);
  void do_poll(const Op& op, Outcome& o);
  void do_select(const Op& op, Outcome& o);
  void do_misc(const Op& op, Outcome& o);
  void do_kick(const Op& op, Outcome& o);
  bool would_block_forever(const Op& op, int fd, bool writing);
  void check_read(Dir& d, const unsigned char* buf, std::size_t n, bool consume);
  void replaced(int fd) { ++replacements_[fd]; }
  std::uint64_t replacements(int fd) const;

  Schedule schedule_;
  Slot slots_[kSlots];
  std::vector<Endpoint> endpoints_;
  std::vector<Dir*> dirs_;
  // How many times each fd number was closed or dup2'ed over: a call in
  // flight on a number that changes meanwhile must end with EBADF (green's
  // documented behaviour; natively the call would go on with the old file).
  std::map<int, std::uint64_t> replacements_;
};

// pattern: byte `pos` of stream `dir`.
inline unsigned char pattern(int dir, std::uint64_t pos) {
  std::uint64_t x = (std::uint64_t(dir) << 48) ^ pos;
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  return static_cast<unsigned char>(x >> 24);
}

}  // namespace green_fuzz
