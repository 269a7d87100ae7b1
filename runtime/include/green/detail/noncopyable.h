// green/detail/noncopyable.h — a base for objects whose identity matters:
// scope guards (KeepAlive, a cancellation point), loops and locks. A copy
// would be a second guard, loop or lock that nobody asked for.
#pragma once

namespace green::detail {

class NonCopyable {
 public:
  NonCopyable(const NonCopyable&) = delete;
  NonCopyable& operator=(const NonCopyable&) = delete;

 protected:
  NonCopyable() = default;
  ~NonCopyable() = default;
};

}  // namespace green::detail
