// diag/parked_stack.h — the backtrace of a greenlet that is not running, from
// the context it saved when it switched away.
//
// A suspended greenlet's frames sit on its own stack; its saved context gives
// the frame pointer and the resume address of the function that switched away
// (core/fiber.h, fiber_saved_frame), and from there each frame's saved frame
// pointer leads to its caller's. libgreen and everything built in green's tree
// keep frame pointers (-fno-omit-frame-pointer, CMakeLists.txt); a function
// compiled without them is skipped over or ends the walk. Every pointer is
// checked to lie inside the greenlet's stack, above the last one, before it is
// read: a corrupt stack ends the walk early, it never crashes it.
#pragma once

#include <cstddef>
#include <iosfwd>

#include "green/detail/fiber_state.h"

namespace green::detail {

// parked_frames: up to `max` return addresses of the suspended fiber `f`
// (`started`: it has switched away at least once), innermost first. 0 when it
// has none to show (never started, or the layout is unknown here). Never
// switches, never allocates except to read /proc/self/maps for the thread's
// own stack (a greenlet on its own stack needs nothing of it).
std::size_t parked_frames(const FiberState& f, bool started, const void** out, std::size_t max) noexcept;

// write_frames: one line per address, "<indent>    #N symbol+0xoff (module)".
// `return_addresses`: each address is a return address (look up the call
// before it), not a precise pc.
void write_frames(std::ostream& out, const char* indent, void* const* frames, std::size_t n, bool return_addresses);

}  // namespace green::detail
