// green/channel.h — a rendezvous between greenlets (gevent.queue.Channel).
// Included by green/queue.h; same API conventions (see there).
//
//   green::Channel<std::string> ch;
//   green::spawn([&] { ch.put("hi"); });  auto s = ch.get();   // put returns once taken
//
// A Channel holds no items: put() parks until a getter takes its item, so the
// item stays with the putter until the moment it is taken — a getter that is
// killed or timed out never takes anything, and a putter that gives up (timeout,
// kill, close) keeps its item. A putter killed after its item was taken still
// sees the kill; the item counts as delivered. FIFO on both sides.
//
// The nowait forms (gevent's put(block=False) / get(block=False)) never park:
// put_nowait hands its item over only when a getter is already waiting (else
// QueueFull), get_nowait takes one only from a putter already waiting (else
// QueueEmpty). Iterating a Channel gets items until it is closed:
//
//   for (auto& job : ch) run(job);      // ends when someone calls ch.close()
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "green/detail/next_iterator.h"
#include "green/detail/waitlist.h"
#include "green/duration.h"
#include "green/queue.h"  // QueueShutDown; queue.h includes this file last
#include "green/timeout.h"

namespace green {

template <class T>
class Channel {
 public:
  Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // put: offer `item` and park until a getter took it. Throws
  // Timeout::expired(timeout) if none did in time, QueueShutDown when closed.
  template <class U = T>
  void put(U&& item, Duration timeout = forever) {
    if (!try_put(std::forward<U>(item), timeout)) throw Timeout::expired(timeout);
  }
  // try_put: put, returning false on timeout (then the item was not taken).
  // A rendezvous always waits for the getter to run, so a non-positive
  // timeout returns false at once.
  template <class U = T>
  bool try_put(U&& item, Duration timeout) {
    if (closed_) throw QueueShutDown();
    if (timeout <= Duration::zero()) return false;
    Offer offer{std::forward<U>(item)};
    wake_getters(1);
    // The first check runs before this putter is listed (getters take from
    // listed putters only), so it never succeeds; later ones see the take.
    bool listed = false;
    return detail::wait_until(
        putters_, timeout, "Channel.put",
        [&] {
          if (!std::exchange(listed, true)) return false;
          if (offer.taken) return true;
          if (closed_) throw QueueShutDown();
          return false;
        },
        [] {}, &offer);
  }

  // put_nowait: hand `item` to a getter already parked in get, without
  // waiting for it to run. Throws QueueFull when no getter is waiting (the
  // item is not kept), QueueShutDown when closed. Never switches. Should the
  // getter be killed or timed out before it runs, the item goes to the next
  // getter (it is never dropped).
  template <class U = T>
  void put_nowait(U&& item) {
    if (closed_) throw QueueShutDown();
    if (getters_.parked() + getters_.pending() <= supply()) throw QueueFull();
    handed_.emplace_back(std::forward<U>(item));
    wake_getters(0);
  }

  // get: park until a putter offers an item and take it. Throws
  // Timeout::expired(timeout), QueueShutDown when closed.
  T get(Duration timeout = forever) { return detail::value_or_expired(try_get(timeout), timeout); }
  // try_get: get, returning nullopt on timeout (default: only tries).
  std::optional<T> try_get(Duration timeout = Duration::zero()) {
    bool have = detail::wait_until(
        getters_, timeout, "Channel.get",
        [this] {
          if (supply() > getters_.pending()) return true;
          if (closed_) throw QueueShutDown();
          return false;
        },
        [this] { wake_getters(0); });
    if (!have) return std::nullopt;
    if (!handed_.empty()) {
      std::optional<T> v(std::move(handed_.front()));
      handed_.pop_front();
      return v;
    }
    detail::WaitList::Entry* putter = putters_.front();
    if (!putter) return std::nullopt;  // unreachable: the check above saw one parked
    auto* offer = static_cast<Offer*>(putter->data);
    std::optional<T> v(std::move(offer->item));
    offer->taken = true;
    putters_.notify_one();
    return v;
  }

  // get_nowait: take an item from a putter already waiting (or one handed
  // over by put_nowait) without parking. Throws QueueEmpty when there is
  // none, QueueShutDown when closed. Never switches.
  T get_nowait() {
    if (auto v = try_get()) return std::move(*v);
    throw QueueEmpty();
  }

  // next: get(), or nullopt once the channel is closed. Parks like get; kill
  // and Timeout interrupt it.
  std::optional<T> next() {
    try {
      return get();
    } catch (const QueueShutDown&) {
      return std::nullopt;
    }
  }
  // begin/end: iterate with next() until the channel is closed.
  detail::NextIterator<Channel, T> begin() { return detail::NextIterator<Channel, T>(this); }
  std::default_sentinel_t end() { return {}; }

  // close: wake every waiter; all of them, and later calls, throw
  // QueueShutDown (getters first take items put_nowait handed over). Never switches.
  void close() {
    closed_ = true;
    getters_.notify_all();
    putters_.notify_all();
  }
  bool closed() const noexcept { return closed_; }
  std::size_t getters() const noexcept { return getters_.parked(); }
  std::size_t putters() const noexcept { return putters_.parked(); }

 private:
  struct Offer {
    T item;
    bool taken = false;
  };
  // supply: items a getter may take now — parked putters' offers and items
  // put_nowait handed over.
  std::size_t supply() const noexcept { return putters_.parked() + handed_.size(); }
  // wake_getters: one getter per item of the supply (+ `arriving` putters
  // about to park) not yet promised to a notified getter.
  void wake_getters(std::size_t arriving) noexcept {
    while (getters_.parked() != 0 && supply() + arriving > getters_.pending() && getters_.notify_one()) {
    }
  }

  bool closed_ = false;
  std::deque<T> handed_;  // put_nowait's items, waiting for the getter they were given to
  detail::WaitList getters_;
  detail::WaitList putters_;
};

}  // namespace green
