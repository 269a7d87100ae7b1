// core/hub_core.h — one per OS thread: the ready queue, the event loop and the fiber
// that runs them. The scheduler's state lives here; docs/architecture.md walks
// one iteration.
//
// Who runs: exactly one of {the thread's main greenlet, a spawned greenlet,
// the hub fiber} at a time — `current_`. A greenlet that parks picks what runs
// next itself (pick_next): the front of the ready queue if it is a greenlet and
// the batch budget allows, else the hub. So greenlet-to-greenlet handoffs cost
// one switch, and the hub only runs to poll, to run callbacks, and when the
// budget says I/O is due.
//
// The ready queue holds greenlets (state created or ready) and callbacks, FIFO.
// A greenlet is on it at most once.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/fd_slots.h"
#include "core/fiber.h"
#include "core/loop.h"
#include "core/stack.h"
#include "core/thread_pointer.h"
#include "green/detail/greenlet_core.h"
#include "green/detail/intrusive_list.h"
#include "green/hub.h"

namespace green::detail {

struct Mailbox {
  std::mutex mutex;
  std::vector<std::function<void()>> posted;
  EventLoop* loop = nullptr;  // null once the hub is gone
  // Posted and not yet run: a wake in flight to a hub that looks asleep with
  // nothing to wake it (N hubs' deadlock test, core/hub_set.cpp).
  std::atomic<std::size_t> pending{0};
};
// mailbox_post: queue `fn` for the hub (any thread); false once the hub is gone.
bool mailbox_post(Mailbox& m, std::function<void()> fn);

class Hub {
 public:
  // get: this thread's hub, created on first use.
  // Both are the door into the runtime: a green thread that went on on a spare
  // OS thread (core/handoff.h) comes back to its hub's thread here first.
  static Hub& get() {
    if (tls_away_) [[unlikely]]
      come_back();
    Hub* h = tls_hub_;
    return h ? *h : create();
  }
  // peek: this thread's hub if it exists.
  static Hub* peek() noexcept {
    if (tls_away_) [[unlikely]]
      come_back();
    return tls_hub_;
  }
  // peek_in_signal: peek without the door, for signal handlers, which may
  // interrupt the hub's thread anywhere (even mid-switch).
  static Hub* peek_in_signal() noexcept { return tls_hub_; }
  // away_in_signal: the green thread running on this spare OS thread
  // (hand-off), or null on a hub's own thread.
  static GreenletCore* away_in_signal() noexcept { return tls_away_; }

  GreenletCore* current() const noexcept { return current_; }
  // in_hub: the hub runs, or a dead greenlet fires its links (greenlet_entry):
  // either way nothing here may park, and the interposer passes calls through.
  bool in_hub() const noexcept { return current_ == hub_core_.get() || current_->state_ == GreenletCore::State::dead; }
  EventLoop& loop() noexcept { return loop_; }
  const std::shared_ptr<GreenletCore>& main() const noexcept { return main_; }
  // is_hub_fiber: `g` is the fiber that runs the loop (for diag/trace.cpp).
  bool is_hub_fiber(const GreenletCore& g) const noexcept { return &g == hub_core_.get(); }

  void start(const std::shared_ptr<GreenletCore>& g, Duration delay);
  bool park(const char* reason, Duration timeout);
  void park_untimed(const char* reason);                                    // hub_switch.h
  bool park_until(const bool& done, Duration timeout, const char* reason);  // hub_switch.h
  void wake(GreenletCore* g) noexcept;
  void yield();
  // yield's halves (green/detail/yield.h): the scheduling and the switch, which
  // is its tail call; then, in the caller, what the resumed greenlet does.
  boost::context::detail::transfer_t yield_switch();
  void yield_landed(boost::context::detail::transfer_t t);
  void schedule(Runnable& r) noexcept { ready_.push_back(r); }
  bool nothing_ready() const noexcept { return ready_.empty(); }
  void unqueue(Runnable& r) noexcept { IntrusiveList::remove(r); }
  // defer_wakes: while links fire, wake() queues instead of switching, so a
  // woken greenlet cannot destroy the object whose links are being walked.
  bool defer_wakes_ = false;
  void kill_unstarted(GreenletCore& g, std::exception_ptr e) noexcept;

  // fd_slots: per fd number, the waits of the fd-wait engine (fd_engine.h).
  FdSlots& fd_slots() noexcept { return fd_slots_; }

  // idle: park the caller until, after a poll of the loop, nothing else is
  // ready (green::idle). wait_quiet: park the main greenlet until nothing
  // else can ever run (green::wait()). Both in idle.cpp.
  void idle();
  void wait_quiet();

  void keepalive_add() noexcept;
  void keepalive_drop() noexcept;
  const std::shared_ptr<Mailbox>& mailbox() const noexcept { return mailbox_; }
  HubStats stats() const noexcept;
  // after_fork_child: in a forked child, on the forking thread: only the
  // running greenlet goes on (fork.cpp).
  void after_fork_child() noexcept;
  // greenlets: this hub's started, not yet dead greenlets (RegistryNodes), in
  // spawn order; the main greenlet is not among them. For dump.cpp.
  const IntrusiveList& greenlets() const noexcept { return greenlets_; }
  // switch_count: context switches so far; other threads may read it (relaxed).
  const std::atomic<unsigned long long>& switch_count() const noexcept { return switches_; }
  // may_hand_off: a green thread with a descriptor of its own runs (set on
  // the switch path in green-threads mode only); the watchdog reads it.
  const std::atomic<bool>& may_hand_off() const noexcept { return may_hand_off_; }
  // handoff_asked: the watchdog asks this hub's thread for a hand-off (set
  // right before its SIGURG; the handler takes it).
  std::atomic<bool>& handoff_asked() noexcept { return handoff_asked_; }

  // One of N hubs (core/hub_set.h): hold_for_set keeps the loop alive for good
  // (another hub may wake its greenlets), release_for_set undoes it (a forked
  // child). stuck: asleep in the loop with nothing of its own that can wake
  // it; any thread may read it.
  void hold_for_set() noexcept;
  void release_for_set() noexcept;
  bool stuck() const noexcept { return stuck_.load(std::memory_order_acquire); }
  // set_index: its place among N hubs, -1 when not one of a set.
  int set_index() const noexcept { return set_index_; }
  void set_set_index(int i) noexcept { set_index_ = i; }

  // install_thread_pointer: make `tp` (null: this OS thread's own
  // descriptor) the installed thread pointer (core/thread_pointer.h).
  [[gnu::noinline]] void install_thread_pointer(void* tp) noexcept;
  // switch_thread_pointer: what a switch to `next` installs: its record's
  // descriptor if that is not the installed one, nothing for the hub itself
  // (see hub.cpp).
  [[gnu::noinline]] void switch_thread_pointer(GreenletCore& next) noexcept;
  // errno_location: the running code's errno (its thread descriptor's).
  int* errno_location() const noexcept {
    return reinterpret_cast<int*>(static_cast<char*>(thread_pointer()) + errno_offset_);
  }
  // os_thread_pointer: this OS thread's own thread pointer, as it was when the
  // hub was made.
  void* os_thread_pointer() const noexcept { return os_tp_; }
  // tid: the kernel id of the OS thread the hub was made on.
  int tid() const noexcept { return tid_; }

  // Hand-off (core/handoff.h). displace: in the watchdog's signal handler,
  // park the running green thread `g` as away and switch to the hub fiber;
  // returns on the spare OS thread that resumes it. post_come_home: from the
  // spare, once `g` came back: the hub wakes it (come_home, on its thread).
  void displace(GreenletCore& g) noexcept;
  void post_come_home(GreenletCore* g);

  ~Hub();

 private:
  Hub();
  static Hub& create();
  static void hub_entry(FiberState* self, FiberState* from);
  static void greenlet_entry(FiberState* self, FiberState* from);
  static void on_async(void* arg);

  [[noreturn]] void run();
  void run_ready();
  void fire_timers_in_batch();
  GreenletCore* pick_next() noexcept;  // hub_switch.h, as prepare, switch_to, begin_switch, after_switch
  bool prepare(GreenletCore& g) noexcept;
  void park_switch(GreenletCore& me, const char* reason) noexcept;
  [[gnu::noinline]] bool prepare_first(GreenletCore& g) noexcept;
  [[gnu::noinline]] bool within_batch() noexcept;
  // throw_pending: what kill() or a Timeout left for `g` (out of line: the
  // switch path stays free of an exception_ptr's frame).
  [[gnu::noinline, noreturn]] static void throw_pending(GreenletCore& g);
  [[gnu::noinline]] static boost::context::detail::transfer_t stay_running(GreenletCore& me) noexcept;
  [[gnu::noinline, noreturn]] void refuse_yield_in_hub();  // throws BlockingInHubError
  void switch_to(GreenletCore& next) noexcept;
  void begin_switch(GreenletCore& next) noexcept;
  void after_switch(FiberState* from) noexcept;
  // recycle: a finished greenlet's stack and the runtime's reference to it.
  // Out of line: the switch path stays free of its stack frame.
  [[gnu::noinline]] void recycle(FiberState* from) noexcept;
  // finish: mark `g` dead; `notify`: schedule its links (else the caller fires them).
  void finish(GreenletCore& g, std::exception_ptr exc, bool failed, bool notify = true) noexcept;
  bool nothing_can_wake() noexcept;
  bool only_set_holds() noexcept;  // nothing_can_wake, but for hold_for_set's hold
  void report_block_forever();
  void wake_idlers() noexcept;  // idle.cpp

  // constinit: no dynamic initialisation, so other files read it without a
  // call to a TLS init function on every Hub::get().
  static constinit thread_local Hub* tls_hub_;
  // tls_away_: in a green thread's own descriptor, the green thread itself
  // while it runs on a spare OS thread; null everywhere else.
  static constinit thread_local GreenletCore* tls_away_;
  [[gnu::noinline]] static void come_back() noexcept;
  void come_home(GreenletCore* g) noexcept;
  [[gnu::noinline]] void send_away(FiberState* from) noexcept;

  GreenletCore* current_ = nullptr;
  bool tp_switching_ = false;    // a green thread with a descriptor of its own ran here (install_thread_pointer)
  std::ptrdiff_t errno_offset_;  // errno from the thread pointer, located once: a switch saves and restores it
  void* installed_tp_ =
      nullptr;   // the installed descriptor: a green thread's, or null for os_tp_ (the hub keeps what it finds)
  void* os_tp_;  // the OS thread's own (thread_pointer.h)
  std::shared_ptr<GreenletCore> main_;      // the thread's own stack
  std::shared_ptr<GreenletCore> hub_core_;  // the fiber running run()
  IntrusiveList ready_;
  EventLoop loop_;
  StackPool stacks_;
  FdSlots fd_slots_;
  std::shared_ptr<Mailbox> mailbox_;
  SwitchRecord yield_record_{};  // yield_switch's: its frame is gone when the jump lands
  Deadline batch_deadline_ = Deadline::now();
  unsigned direct_switches_ = 0;
  bool timer_cut_ = false;  // within_batch ended a chain for a due timer: run_ready fires it
  bool in_loop_ = false;    // the hub is inside the event loop's dispatch (see pick_next)
  Duration batch_budget_;
  std::size_t keepalives_ = 0;
  std::size_t live_ = 0;
  IntrusiveList idlers_;           // greenlets in idle(), woken when a poll leaves nothing ready
  bool main_waits_quiet_ = false;  // the main greenlet is in wait(): "nothing can wake" ends it, not LoopExit
  bool quiet_reached_ = false;     // set for it when that happened
  std::uint64_t next_id_ = 0;
  std::atomic<unsigned long long> switches_{0};
  std::atomic<bool> may_hand_off_{false};
  std::atomic<bool> handoff_asked_{false};
  std::size_t set_holds_ = 0;  // hold_for_set's keepalive (0 or 1)
  std::atomic<bool> stuck_{false};
  int set_index_ = -1;
  int tid_;  // the OS thread's (hand-off writes it back into a green thread's descriptor)
  // Greenlets that outlive their hub (a thread exiting from a greenlet) must
  // not unlink themselves from a freed list: empty it first.
  struct GreenletList : IntrusiveList {
    ~GreenletList() {
      while (pop_front()) {
      }
    }
  } greenlets_;
};

}  // namespace green::detail
