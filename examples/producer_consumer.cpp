// producer_consumer — the asyncio tutorial's producers and consumers, in green:
// producers put random work items on a JoinableQueue, consumers take them and
// "work" (sleep) for that long, and main waits with join() until every item
// was processed, then stops the consumers by closing the queue.
#include <green/green.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace std::chrono_literals;

int main() {
  green::JoinableQueue<int> queue(4);  // bounded: producers wait when it is full
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> ms(10, 60);
  const auto t0 = std::chrono::steady_clock::now();

  std::vector<green::Greenlet<void>> producers;
  for (int p = 1; p <= 2; ++p) {
    producers.push_back(green::spawn([&, p] {
      for (int i = 0; i < 5; ++i) {
        int work = ms(rng);
        queue.put(work);
        std::printf("producer %d: queued %d ms of work\n", p, work);
      }
    }));
  }

  std::vector<green::Greenlet<int>> consumers;
  for (int c = 1; c <= 3; ++c) {
    consumers.push_back(green::spawn([&, c] {
      int done = 0;
      for (int work : queue) {  // ends when the queue is closed and drained
        green::sleep(std::chrono::milliseconds(work));
        std::printf("consumer %d: did %d ms of work\n", c, work);
        ++done;
        queue.task_done();
      }
      return done;
    }));
  }

  green::joinall(producers);
  queue.join();   // every item put was task_done()
  queue.close();  // consumers' loops end
  int total = 0;
  for (auto& c : consumers) total += c.get();
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d items processed by 3 consumers in %.3f s\n", total, elapsed);
  return total == 10 ? 0 : 1;
}
