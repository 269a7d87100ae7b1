// green/detail/greenlet_core.h — the untyped state of one greenlet.
//
// States and who moves a greenlet between them (all on its hub's thread):
//
//   created --(hub pops it from the ready queue, first switch)--> running
//   running --(park: waits on a Waiter, timer, fd, join...)-----> parked
//   parked  --(wake: a watcher fires, a link fires, kill/Timeout)-> ready | running
//   ready   --(hub or a parking greenlet switches to it)--------> running
//   running --(body returns or throws)---------------------------> dead
//   created --(kill before start)--------------------------------> dead (never runs)
//   any but running --(fork: in the child)-----------------------> abandoned (never runs again)
//
// `pending_` is the exception kill() or a Timeout delivers: set while the
// greenlet is not running, thrown by park() when it resumes — "at its next
// switch point". `self_` keeps a greenlet alive while it can still run, so a
// greenlet whose handles were all dropped still runs to the end; it is released
// after the links fired.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "green/detail/deadline.h"
#include "green/detail/fiber_state.h"
#include "green/detail/intrusive_list.h"
#include "green/detail/linkable.h"
#include "green/detail/runnable.h"
#include "green/duration.h"

namespace green::detail {

class Hub;
class GreenletCore;

// ThreadRecord: what the hub needs of the pthread a greenlet runs in
// green-threads mode (the interposer's record derives from it).
struct ThreadRecord {
  // Its own thread descriptor (the fs base to install while it runs), or null:
  // the OS thread's, as every other greenlet. Changed only by the greenlet
  // itself, which then calls thread_pointer_changed (runtime_internal.h).
  void* thread_pointer = nullptr;
  // The frame that called the thread's start routine: from there up the
  // stack is green's trampoline, below it the program's code (hand-off looks
  // for green's code only below it: core/handoff.h).
  void* user_frame = nullptr;
  // Green is calling the program's code back (a signal handler, a once
  // routine, a destructor or cleanup handler: CallingProgram) with its own
  // frames live below: hand-off then looks at the whole stack. Changed and
  // read only on the thread itself (also by signal handlers).
  volatile int calling_program = 0;
  // The kernel thread id of the spare OS thread it runs on after a hand-off,
  // 0 while it is on its hub's thread (where signals to it go).
  std::atomic<int> away_on{0};
};

// RegistryNode: a greenlet's entry in its hub's list of live greenlets (the
// dump walks it): a base of GreenletCore, so the entry leads to its greenlet
// by a cast rather than a pointer of its own. Leaves the list when destroyed.
struct RegistryNode : ListNode {
  RegistryNode() = default;
  RegistryNode(const RegistryNode&) = delete;
  RegistryNode& operator=(const RegistryNode&) = delete;
  ~RegistryNode() { IntrusiveList::remove(*this); }
};

class GreenletCore : public Linkable, public Runnable, public RegistryNode {
 public:
  enum class State : unsigned char { created, ready, running, parked, dead, abandoned };

  explicit GreenletCore(std::size_t stack_size) noexcept;
  ~GreenletCore() override;

  bool ready() const noexcept override { return state_ == State::dead; }
  void after_notify() noexcept override;
  using Linkable::fire_links_now;
  using Linkable::notify_links;

  // body: run the user's function and store its result. Exceptions propagate.
  virtual void body() = 0;
  // drop_body: release the function and its arguments once they cannot run.
  virtual void drop_body() noexcept = 0;

  const std::string& name();
  // set_name: an empty name means name() makes one up again. Assigns in place
  // once there is a string, so a reference name() gave stays valid.
  void set_name(std::string n) {
    if (name_) *name_ = std::move(n);
    else if (!n.empty()) name_ = std::make_unique<std::string>(std::move(n));
  }
  // of: the greenlet a fiber runs (every FiberState is some GreenletCore's fiber_).
  static GreenletCore& of(FiberState* f) noexcept;
  // of: the greenlet a hub's registry entry stands for.
  static GreenletCore& of(ListNode& registry_entry) noexcept {
    return static_cast<GreenletCore&>(static_cast<RegistryNode&>(registry_entry));
  }

  // Small fields first, packed together: a million greenlets alive at once
  // pay for every byte of padding, and every pointer a field could be derived
  // from is one less (the entries above lead back here by offset or cast).
  State state_ = State::created;
  bool successful_ = false;                // dead and did not fail (GreenletExit counts as success)
  bool is_main_ = false;                   // the thread's own stack: never started, never dies
  int wait_fd_ = -1;                       // the fd it waits on, if any
  std::exception_ptr exception_;           // failure, or the GreenletExit it was killed with
  std::exception_ptr pending_;             // thrown at its next switch point
  const char* wait_reason_ = nullptr;      // what it is parked on, for errors and dumps
  GreenletCore* wait_greenlet_ = nullptr;  // the greenlet it joins, if any
  ThreadRecord* thread_record_ = nullptr;  // green-threads mode: the pthread this greenlet runs (interposer's)
  Deadline wait_deadline_;                 // when its park times out (set by park)
  std::unique_ptr<std::string> name_;      // null or empty until named, or until name() makes one up
  std::uint64_t id_ = 0;
  FiberState fiber_;  // its stack_size is the size asked for until the first switch in
  Hub* hub_ = nullptr;
  std::shared_ptr<GreenletCore> self_;
  void* start_timer_ = nullptr;  // spawn_later's timer (owned; see greenlet.cpp)
};

// ResultSlot: where a greenlet's return value lands.
template <class T>
class ResultSlot : public GreenletCore {
 public:
  using GreenletCore::GreenletCore;
  std::optional<T> value_;
};
template <>
class ResultSlot<void> : public GreenletCore {
 public:
  using GreenletCore::GreenletCore;
};

template <class T, class Fn>
class Task final : public ResultSlot<T> {
 public:
  Task(std::size_t stack_size, Fn&& fn) : ResultSlot<T>(stack_size), fn_(std::move(fn)) {}
  void body() override {
    if constexpr (std::is_void_v<T>) {
      (*fn_)();
    } else {
      this->value_.emplace((*fn_)());
    }
  }
  void drop_body() noexcept override { fn_.reset(); }

 private:
  std::optional<Fn> fn_;
};

// The runtime's entry points used by the header templates.
GreenletCore* current_core();
std::shared_ptr<GreenletCore> current_shared();
void start_core(const std::shared_ptr<GreenletCore>& g, Duration delay, std::string&& name);
struct AdoptCore {};  // tag: a handle made from a core known to be a ResultSlot<T>
bool join_core(GreenletCore& g, Duration timeout);
void get_wait(GreenletCore& g, Duration timeout);  // join, then throw failure/timeout
bool kill_core(GreenletCore& g, std::exception_ptr exc, bool block, Duration timeout);
// Links made through a handle (greenlet.h): `in_greenlet` spawns a greenlet
// to run `cb`, else it runs in the hub. Ids are never 0 and never reused.
std::uint64_t link_core(GreenletCore& g, std::function<void()> cb, bool in_greenlet);
bool unlink_core(GreenletCore& g, std::uint64_t id) noexcept;
void unlink_all_core(GreenletCore& g) noexcept;
bool has_links_core(const GreenletCore& g) noexcept;
std::size_t default_stack_size();

}  // namespace green::detail
