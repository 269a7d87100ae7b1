// greenlet/local.cpp — the per-greenlet stores behind green::local<T>.
//
// GreenletCore has no field for them (a million greenlets would pay for it):
// each OS thread keeps a map from greenlet to its store, and the store is a
// link on its greenlet, so the greenlet's death destroys the values and
// removes the entry. Everything here belongs to one thread, like the
// greenlets it serves.
#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include "green/detail/greenlet_core.h"
#include "green/local.h"

namespace green::detail {

namespace {

struct Store;

struct ThreadStores {
  std::unordered_map<const GreenletCore*, Store*> by_greenlet;
  const GreenletCore* last_greenlet = nullptr;  // one-entry cache: most code asks
  Store* last_store = nullptr;                  // again from the same greenlet
  ~ThreadStores();
};

thread_local ThreadStores t_stores;

struct Store final : LinkNode {
  struct Value {
    std::uint64_t key;
    void* ptr;
    void (*destroy)(void*);
  };
  explicit Store(const GreenletCore* g) : owner(g) {}
  ~Store() {
    Linkable::unlink(*this);
    // Destroyed newest first, like locals of a scope; a destructor that
    // touches another local of this greenlet finds it still there or gone,
    // never half-destroyed.
    while (!values.empty()) {
      Value v = values.back();
      values.pop_back();
      v.destroy(v.ptr);
    }
  }
  // fire: the greenlet died.
  void fire() override {
    forget();
    delete this;
  }
  void forget() noexcept {
    t_stores.by_greenlet.erase(owner);
    if (t_stores.last_greenlet == owner) t_stores.last_greenlet = nullptr, t_stores.last_store = nullptr;
  }
  const GreenletCore* owner;
  std::vector<Value> values;
};

ThreadStores::~ThreadStores() {
  // Greenlets still alive at thread exit (the main one, the hub's): their
  // values go with the thread.
  auto all = std::move(by_greenlet);
  last_greenlet = nullptr;
  for (auto& [g, s] : all) delete s;
}

Store* find_store(const GreenletCore* g) {
  ThreadStores& t = t_stores;
  if (t.last_greenlet == g) return t.last_store;
  auto it = t.by_greenlet.find(g);
  if (it == t.by_greenlet.end()) return nullptr;
  t.last_greenlet = g;
  t.last_store = it->second;
  return it->second;
}

}  // namespace

std::uint64_t local_new_key() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

void* local_find(std::uint64_t key) {
  Store* s = find_store(current_core());
  if (!s) return nullptr;
  for (const Store::Value& v : s->values)
    if (v.key == key) return v.ptr;
  return nullptr;
}

void local_put(std::uint64_t key, void* value, void (*destroy)(void*)) {
  GreenletCore* g = current_core();
  Store* s = find_store(g);
  if (!s) {
    auto fresh = std::make_unique<Store>(g);
    t_stores.by_greenlet.emplace(g, fresh.get());
    s = fresh.release();
    // A dead greenlet (a rawlink callback on its stack) gets its store
    // destroyed at the next turn of the hub: rawlink on a ready object
    // notifies at once.
    g->rawlink(*s);
  }
  s->values.push_back({key, value, destroy});
}

void local_erase(std::uint64_t key) noexcept {
  Store* s = find_store(current_core());
  if (!s) return;
  for (std::size_t i = 0; i < s->values.size(); ++i) {
    if (s->values[i].key != key) continue;
    Store::Value v = s->values[i];
    s->values.erase(s->values.begin() + static_cast<std::ptrdiff_t>(i));
    v.destroy(v.ptr);
    return;
  }
}

}  // namespace green::detail
