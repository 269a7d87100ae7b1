// green/detail/intrusive_list.h — the FIFO list behind the ready queue and link lists.
//
// Nodes live inside the objects they queue (greenlets, waiters, callbacks), so
// queueing never allocates and an object can unqueue itself in O(1) when it is
// destroyed or cancelled. A node is on at most one list at a time.
#pragma once

namespace green::detail {

struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
  bool linked() const noexcept { return prev != nullptr; }
};

class IntrusiveList {
 public:
  IntrusiveList() noexcept { head_.prev = head_.next = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const noexcept { return head_.next == &head_; }
  ListNode* front() const noexcept { return empty() ? nullptr : head_.next; }

  void push_back(ListNode& n) noexcept {
    n.prev = head_.prev;
    n.next = &head_;
    head_.prev->next = &n;
    head_.prev = &n;
  }
  // remove: no-op for a node that is not linked.
  static void remove(ListNode& n) noexcept {
    if (!n.linked()) return;
    n.prev->next = n.next;
    n.next->prev = n.prev;
    n.prev = n.next = nullptr;
  }
  // for_each: visit every node, front to back; `f` must not unlink nodes.
  template <class F>
  void for_each(F&& f) const {
    for (ListNode* n = head_.next; n != &head_; n = n->next) f(*n);
  }
  ListNode* pop_front() noexcept {
    ListNode* n = front();
    if (n) remove(*n);
    return n;
  }

 private:
  ListNode head_;
};

}  // namespace green::detail
