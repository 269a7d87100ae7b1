// stress_queue_test.cpp — 1,000 producers and 1,000 consumers move 1,000,000
// items through bounded queues; every item must arrive exactly once (a
// per-item tally, the count and a checksum). The ASan tree moves a tenth of
// the items: the same shape and contention, in a tolerable time.
#include <cstdint>
#include <vector>

#include "green/queue.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

constexpr int kProducers = 1000;
constexpr int kConsumers = 1000;
#if defined(GREEN_ASAN) || defined(GREEN_TSAN)
constexpr int kPerProducer = 100;
#else
constexpr int kPerProducer = 1000;
#endif
constexpr int kQueues = 16;
constexpr std::size_t kCapacity = 32;

using QueueStress = ToolkitTest;

TEST_F(QueueStress, EveryItemArrivesExactlyOnce) {
  constexpr std::uint64_t items = std::uint64_t{kProducers} * kPerProducer;
  std::vector<std::unique_ptr<green::Queue<std::uint32_t>>> queues;
  for (int q = 0; q < kQueues; ++q) queues.push_back(std::make_unique<green::Queue<std::uint32_t>>(kCapacity));

  std::vector<green::Greenlet<void>> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(green::spawn([&, p] {
      // Each producer spreads its items over every queue, so every queue has
      // many producers and consumers contending on it.
      for (int k = 0; k < kPerProducer; ++k)
        queues[static_cast<std::size_t>((p + k) % kQueues)]->put(static_cast<std::uint32_t>(p * kPerProducer + k));
    }));
  }
  struct Tally {
    std::uint64_t count = 0, sum = 0, squares = 0;
  };
  std::vector<std::uint8_t> seen(items, 0);
  std::vector<green::Greenlet<Tally>> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(green::spawn([&, c] {
      Tally t;
      for (std::uint32_t v : *queues[static_cast<std::size_t>(c % kQueues)]) {
        ++t.count;
        t.sum += v;
        t.squares += std::uint64_t{v} * v;
        if (seen[v] < 255) ++seen[v];
      }
      return t;
    }));
  }

  green::joinall(producers, 60s);
  for (auto& g : producers) ASSERT_TRUE(g.successful());
  for (auto& q : queues) q->close();  // consumers drain what is left, then their loops end
  Tally total;
  for (auto& g : consumers) {
    Tally t = g.get(60s);
    total.count += t.count;
    total.sum += t.sum;
    total.squares += t.squares;
  }
  EXPECT_EQ(total.count, items);
  EXPECT_EQ(total.sum, items * (items - 1) / 2);
  std::uint64_t squares = 0;
  for (std::uint64_t v = 0; v < items; ++v) squares += v * v;
  EXPECT_EQ(total.squares, squares);
  std::uint64_t wrong = 0;
  for (std::uint8_t s : seen) wrong += s != 1;
  EXPECT_EQ(wrong, 0u) << "items lost or delivered twice";
}

}  // namespace
}  // namespace toolkit_test
