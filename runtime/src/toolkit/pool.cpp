// toolkit/pool.cpp — Group and Pool (green/pool.h).
//
// Membership is a list of link nodes, one per greenlet: the node fires when
// its greenlet dies and removes itself, so a Group never holds dead members
// for long and never needs a reaper.
#include "green/pool.h"

#include <algorithm>

namespace green {

Group::~Group() {
  // Members keep running; their links must not reach a destroyed Group.
  for (auto& m : members_) detail::Linkable::unlink(m);
}

void Group::insert(const AnyGreenlet& g) {
  members_.emplace_back(this, g);
  auto it = std::prev(members_.end());
  it->it = it;
  empty_.clear();
  g.linkable().rawlink(*it);
}

void Group::remove(std::list<Member>::iterator it) noexcept {
  detail::Linkable::unlink(*it);
  members_.erase(it);  // may be the firing node itself: nothing touches it after
  release_slot();
  if (members_.empty()) empty_.set();
}

void Group::add(const AnyGreenlet& g, bool blocking, Duration timeout) {
  if (contains(g)) return;
  if (!acquire_slot(blocking ? timeout : Duration::zero())) throw PoolFull();
  insert(g);
}

bool Group::killone(const AnyGreenlet& g, std::exception_ptr exc, bool block, Duration timeout) {
  if (!contains(g)) return g.ready();
  g.kill(std::move(exc), false);
  if (block) g.join(timeout);
  // Dead now (one that never started dies at once): it leaves at once, not
  // only when its links get to run.
  if (!g.ready()) return false;
  discard(g);
  return true;
}

void Group::discard(const AnyGreenlet& g) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.g == g; });
  if (it != members_.end()) remove(it);
}

bool Group::contains(const AnyGreenlet& g) const {
  return std::any_of(members_.begin(), members_.end(), [&](const Member& m) { return m.g == g; });
}

std::vector<AnyGreenlet> Group::greenlets() const {
  std::vector<AnyGreenlet> out;
  out.reserve(members_.size());
  for (const auto& m : members_) out.push_back(m.g);
  return out;
}

bool Group::join(Duration timeout, bool raise_error) {
  std::vector<AnyGreenlet> present;
  if (raise_error) present = greenlets();
  if (timeout == forever) {
    while (!members_.empty()) empty_.wait();  // a spawn may follow the set that woke us
  } else {
    empty_.wait(timeout);
  }
  for (const auto& g : present) {
    if (g.ready() && !g.successful()) std::rethrow_exception(g.exception());
  }
  return members_.empty();
}

bool Group::kill(std::exception_ptr exc, bool block, Duration timeout) {
  for (const auto& g : greenlets()) g.kill(exc, false);
  if (block) return join(timeout);
  return members_.empty();
}

Pool::Pool(std::size_t size) : capacity_(size), slots_(size) {
  if (size == 0) throw std::invalid_argument("green::Pool: the size must be at least 1");
}

std::size_t Pool::wait_available(Duration timeout) {
  slots_.wait(timeout);
  return free_count();
}

}  // namespace green
