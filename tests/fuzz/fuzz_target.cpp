// fuzz_target.cpp — the libFuzzer entry points (GREEN_FUZZ builds; run it with
// tools/dev.sh fuzz). The checks are runner.h's.
#include <cstddef>
#include <cstdint>

#include "runner.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  green_fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  green_fuzz::run_input(data, size);
  return 0;
}
