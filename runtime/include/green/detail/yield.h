// green/detail/yield.h — green::yield's two halves, so that yield can be inline.
//
// A stack switch lands wherever the resumed greenlet made its own switch. When
// that is inside a library function, the first thing the resumed greenlet does
// is return from it, and the CPU predicts that return from the other
// greenlet's call: a misprediction on every switch (here about 6 ns, as much as
// the switch itself). yield_switch ends in the jump as a tail call, so a
// greenlet that yielded resumes directly in the inline green::yield() of its
// own caller, with no mispredicted return in between.
//
// The only public header that names a Boost.Context type: the jump's result is
// handed from one half to the other unchanged.
#pragma once

#include <boost/context/detail/fcontext.hpp>

namespace green::detail {

// yield_switch: queue the current greenlet behind the ready ones and switch to
// the next (its result is the switch's, or null fctx when nothing else was
// ready). Throws BlockingInHubError in the hub.
boost::context::detail::transfer_t yield_switch();
// yield_landed: finish a yield_switch in the resumed greenlet; throws what
// kill() or a Timeout delivered meanwhile.
void yield_landed(boost::context::detail::transfer_t t);

}  // namespace green::detail
