// green/error_handler.h — where reports of failures go (gevent's
// Hub.handle_error / print_exception).
//
// When a greenlet fails (an exception other than GreenletExit escapes it), a
// rawlink callback throws, or a function posted to a hub throws, green
// reports it once: by default the line "<who> failed with <what>" on stderr.
//
//   green::set_error_handler([](const green::ErrorReport& r) {
//     my_log.error(r.message());       // e.g. "worker failed with std::runtime_error: boom"
//   });
//
// GREEN_ERROR_OUTPUT changes the default without code: "stderr" (default),
// "off" (silent), or a file path the lines are appended to.
//
// The failure itself is unchanged by the handler: get() still rethrows it.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace green {

// ErrorReport: one failure. Valid only during the handler's call.
struct ErrorReport {
  std::string_view who;      // the greenlet's name, or "green: a link callback", ...
  std::exception_ptr error;  // what escaped (never null)
  // message: "<who> failed with <describe(error)>", without a newline.
  std::string message() const;
};

using ErrorHandler = std::function<void(const ErrorReport&)>;

// set_error_handler: make `h` receive every report from now on, on every
// thread; null restores the default (GREEN_ERROR_OUTPUT). Returns the
// previous handler (null if it was the default). The handler runs in the hub
// of the failing greenlet's thread (or on its dying stack, which counts as
// the hub): it must not block — a blocking call there throws
// BlockingInHubError — and may run on several threads at once. An exception
// escaping the handler is printed on stderr and otherwise ignored.
ErrorHandler set_error_handler(ErrorHandler h);

// report_error: hand a failure to the current handler (what green itself
// calls; usable by code that catches on a greenlet's behalf).
void report_error(std::string_view who, std::exception_ptr error) noexcept;

}  // namespace green
