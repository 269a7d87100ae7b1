// replay_main.cpp — the fuzz harness without libFuzzer, so every build (gcc
// too) runs it: each file given (or each file of each directory given) is
// run as one input, then `--random N` inputs made from a fixed seed.
//
//   fuzz_replay [--random N] [--seed S] PATH...
//
// Exits 0 when every input passed; a failing input aborts with its program
// printed (report.h), after its path was printed here.
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "runner.h"

namespace {

void run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  green_fuzz::run_input(bytes.data(), bytes.size());
}

// run_path: a file, or every file of a directory in name order.
int run_path(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) {
    run_file(path);
    return 1;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') names.push_back(path + "/" + e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) run_file(n);
  return static_cast<int>(names.size());
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long randoms = 0, seed = 1;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--random") && i + 1 < argc) randoms = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoul(argv[++i], nullptr, 10);
    else paths.emplace_back(argv[i]);
  }
  green_fuzz::init();
  int files = 0;
  for (const auto& p : paths) files += run_path(p);
  std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
  for (unsigned long i = 0; i < randoms; ++i) {
    std::vector<unsigned char> bytes(1 + 4 * (rng() % 33));
    for (auto& b : bytes) b = static_cast<unsigned char>(rng());
    green_fuzz::run_input(bytes.data(), bytes.size());
  }
  std::printf("fuzz_replay: %d files and %lu random inputs (seed %lu) passed\n", files, randoms, seed);
  return 0;
}
