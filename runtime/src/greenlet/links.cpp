// greenlet/links.cpp — the callbacks users link to a greenlet (link, rawlink,
// unlink, unlink_all, has_links in green/greenlet.h).
//
// A callback is a LinkNode on the greenlet's link list beside the nodes of
// greenlets joining it; only CallbackNodes are the user's, so unlink_all and
// has_links look at those alone and never strand a joiner.
#include <atomic>
#include <memory>

#include "green/error_handler.h"
#include "green/greenlet.h"

namespace green::detail {

namespace {

std::uint64_t next_link_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

struct CallbackNode final : LinkNode {
  CallbackNode(std::function<void()> f, bool g) : fn(std::move(f)), id(next_link_id()), in_greenlet(g) {}
  void fire() override {
    // Owned by the link list until it fires; deleting first keeps a throwing
    // callback from leaking it.
    std::unique_ptr<CallbackNode> self(this);
    try {
      // gevent's link: the callback gets a greenlet of its own, so it may
      // block; a failure there is that greenlet's, reported as any other.
      if (in_greenlet) green::spawn(std::move(fn));
      else fn();
    } catch (...) {
      report_error("green: a link callback", std::current_exception());
    }
  }
  std::function<void()> fn;
  std::uint64_t id;
  bool in_greenlet;
};

CallbackNode* as_callback(ListNode& n) noexcept { return dynamic_cast<CallbackNode*>(static_cast<LinkNode*>(&n)); }

// find: the first callback `pick` accepts, or null.
template <class Pick>
CallbackNode* find(const GreenletCore& g, Pick pick) noexcept {
  CallbackNode* found = nullptr;
  g.links().for_each([&](ListNode& n) {
    CallbackNode* c = found ? nullptr : as_callback(n);
    if (c && pick(*c)) found = c;
  });
  return found;
}

}  // namespace

std::uint64_t link_core(GreenletCore& g, std::function<void()> cb, bool in_greenlet) {
  auto* node = new CallbackNode(std::move(cb), in_greenlet);
  std::uint64_t id = node->id;
  g.rawlink(*node);
  return id;
}

bool unlink_core(GreenletCore& g, std::uint64_t id) noexcept {
  CallbackNode* c = find(g, [id](const CallbackNode& n) { return n.id == id; });
  if (!c) return false;
  Linkable::unlink(*c);
  delete c;
  return true;
}

void unlink_all_core(GreenletCore& g) noexcept {
  while (CallbackNode* c = find(g, [](const CallbackNode&) { return true; })) {
    Linkable::unlink(*c);
    delete c;
  }
}

bool has_links_core(const GreenletCore& g) noexcept {
  return find(g, [](const CallbackNode&) { return true; }) != nullptr;
}

}  // namespace green::detail
