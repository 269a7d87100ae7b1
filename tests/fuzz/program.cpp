// program.cpp — see program.h.
#include "program.h"

#include <cstdio>

namespace green_fuzz {

namespace {

// Size classes: small; around a few hundred bytes; the PIPE_BUF boundary
// (atomic pipe writes end there); larger than a pipe or a socket buffer.
std::size_t size_of(int size_class, std::uint8_t b) {
  switch (size_class) {
    case 0: return b % 65;
    case 1: return 65 + std::size_t{b} * 4;
    case 2: return 4094 + b % 4;
    default: return 65536 + std::size_t{b} * 1024;
  }
}

const char* const kNames[] = {"stream_pair", "dgram_pair", "pipe",  "close",    "dup",   "read",     "write", "poll",
                              "select",      "nonblock",   "timeo", "shutdown", "sleep", "fionread", "getfl", "kick"};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<std::size_t>(OpCode::count_));

}  // namespace

Program decode(const std::uint8_t* data, std::size_t size) {
  Program p;
  if (size == 0) return p;
  p.actors = 2 + data[0] % 3;
  for (std::size_t i = 1; i + 4 <= size && p.ops.size() < kMaxOps; i += 4) {
    const std::uint8_t* b = data + i;
    Op op{};
    op.code = static_cast<OpCode>(b[0] % static_cast<int>(OpCode::count_));
    op.actor = (b[1] & 3) % p.actors;
    op.variant = (b[1] >> 2) & 7;
    op.ms = b[1] >> 5;
    op.a = b[2] & 7;
    op.b = (b[2] >> 3) & 7;
    op.size = size_of(b[2] >> 6, b[3]);
    p.ops.push_back(op);
  }
  return p;
}

std::string describe(const Op& op) {
  char line[160];
  std::snprintf(line, sizeof line, "actor %d: %s a=%d b=%d variant=%d ms=%d size=%zu", op.actor,
                kNames[static_cast<int>(op.code)], op.a, op.b, op.variant, op.ms, op.size);
  return line;
}

}  // namespace green_fuzz
