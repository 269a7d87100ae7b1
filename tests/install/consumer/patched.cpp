// Link-time interposition from the installed package: after patch_all(), two
// greenlets' plain ::usleep calls overlap.
#include <unistd.h>
#include <green/green.h>
#include <green/patch.h>

#include <chrono>
#include <cstdio>
#include <vector>

int main() {
  green::patch_all();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i) gs.push_back(green::spawn([] { ::usleep(100000); }));
  green::joinall(gs);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("consumer_patched: 4 x usleep(100 ms) took %.3f s\n", s);
  return green::patched() && s < 0.3 ? 0 : 1;
}
