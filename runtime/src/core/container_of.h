// core/container_of.h — the object a member lives in, from the member's address.
//
// Used where an embedded node (a queue entry, a fiber's state) would otherwise
// carry a pointer back to its owner: with a million greenlets alive at once,
// every such pointer is 8 MB. The classes involved are polymorphic, so not
// standard-layout; offsetof on them is conditionally supported, and GCC and
// Clang support it for classes without virtual bases (these have none).
#pragma once

#include <cstddef>

// clang-format off: the pragmas must stay one per line to be readable.
#define GREEN_CONTAINER_OF(ptr, Type, member)                                                                         \
  ([](auto* p_) noexcept {                                                                                            \
    _Pragma("GCC diagnostic push")                                                                                    \
        _Pragma("GCC diagnostic ignored \"-Winvalid-offsetof\"") constexpr std::size_t off_ = offsetof(Type, member); \
    _Pragma("GCC diagnostic pop") return reinterpret_cast<Type*>(reinterpret_cast<char*>(p_) - off_);                 \
  }(ptr))
// clang-format on
