// green/detail/next_iterator.h — an input iterator over anything with
// `std::optional<T> next()` (queues until closed, IMap results), so range-for
// works on them. Incrementing calls next() and may park.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>

namespace green::detail {

template <class Source, class T>
class NextIterator {
 public:
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  NextIterator() = default;
  explicit NextIterator(Source* s) : src_(s) { ++*this; }
  T& operator*() const { return *cur_; }
  NextIterator& operator++() {
    cur_ = src_->next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const NextIterator& it, std::default_sentinel_t) { return !it.cur_; }

 private:
  Source* src_ = nullptr;
  mutable std::optional<T> cur_;
};

}  // namespace green::detail
