// subprocess_fanout — run 20 commands at once, print their output in order.
//
//   subprocess_fanout            20 shell commands, each sleeping a little
//   subprocess_fanout CMD...     run each argument with `sh -c`, concurrently
//
// Each command runs in its own greenlet with green::check_output: only that
// greenlet waits for its child, so the commands overlap and the whole run
// takes about as long as the slowest one, not the sum. Output is printed in
// the order the commands were given, whatever order they finished in.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "green/green.h"
#include "green/subprocess.h"

int main(int argc, char** argv) {
  std::vector<std::string> commands;
  double sum_s = 0;
  for (int i = 1; i < argc; ++i) commands.emplace_back(argv[i]);
  if (commands.empty()) {
    for (int i = 0; i < 20; ++i) {
      // Later commands sleep less: they finish first.
      double s = 0.05 * (20 - i) / 4;
      sum_s += s;
      commands.push_back("sleep " + std::to_string(s) + "; echo job " + std::to_string(i) + " slept " +
                         std::to_string(s).substr(0, 4) + "s");
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<std::string>> jobs;
  for (const std::string& c : commands)
    jobs.push_back(green::spawn([c] { return green::check_output({"sh", "-c", c}, std::chrono::seconds(60)); }));
  int ok = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    try {
      std::fputs(jobs[i].get().c_str(), stdout);
      ++ok;
    } catch (const std::exception& e) {
      std::printf("command %zu failed: %s\n", i, e.what());
    }
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d of %zu commands succeeded, output in order; took %.2f s", ok, commands.size(), took);
  if (sum_s > 0) std::printf(" (one after another: %.2f s)", sum_s);
  std::printf("\n");
  return ok == static_cast<int>(commands.size()) ? 0 : 1;
}
