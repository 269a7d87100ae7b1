// Uses the installed headers and library: two greenlets whose sleeps overlap,
// each yielding first (green::yield is inline: its halves must be exported).
#include <green/green.h>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;

int main() {
  std::vector<green::Greenlet<int>> gs;
  for (int i = 1; i <= 2; ++i)
    gs.push_back(green::spawn(
        [](int x) {
          green::yield();
          green::sleep(20ms);
          return x * 21;
        },
        i));
  green::joinall(gs);
  int sum = gs[0].get() + gs[1].get();
  std::printf("consumer: %d\n", sum);
  return sum == 63 ? 0 : 1;
}
