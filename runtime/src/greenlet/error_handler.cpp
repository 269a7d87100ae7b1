// greenlet/error_handler.cpp — green::set_error_handler (green/error_handler.h).
#include "green/error_handler.h"

#include <cstdio>
#include <memory>
#include <mutex>

#include "green/errors.h"
#include "green/settings.h"

namespace green {

namespace {

// The handler is shared by every hub: copied out under the lock, called
// outside it, so a handler may itself replace the handler.
std::mutex g_mutex;
ErrorHandler g_handler;

void write_line(std::FILE* f, const std::string& line) {
  std::fputs(line.c_str(), f);
  std::fflush(f);
}

void default_handler(const ErrorReport& r) {
  static const std::string where = setting_text("GREEN_ERROR_OUTPUT");
  if (where == "off") return;
  std::string line = r.message() + "\n";
  if (where == "stderr") return write_line(stderr, line);
  // Opened per report: a failure is rare, and a file the user rotates or
  // removes meanwhile is reopened rather than written into the void.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(where.c_str(), "ae"), &std::fclose);
  if (f) return write_line(f.get(), line);
  write_line(stderr, "green: GREEN_ERROR_OUTPUT=" + where +
                         " cannot be opened for appending; set it to stderr, off or a writable file. " + line);
}

}  // namespace

std::string ErrorReport::message() const { return std::string(who) + " failed with " + describe(error); }

ErrorHandler set_error_handler(ErrorHandler h) {
  std::lock_guard<std::mutex> lock(g_mutex);
  ErrorHandler old = std::move(g_handler);
  g_handler = std::move(h);
  return old;
}

void report_error(std::string_view who, std::exception_ptr error) noexcept {
  ErrorReport r{who, std::move(error)};
  try {
    ErrorHandler h;
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      h = g_handler;
    }
    if (h) h(r);
    else default_handler(r);
  } catch (...) {
    std::fprintf(stderr, "green: the error handler failed while reporting that %.*s failed\n",
                 static_cast<int>(who.size()), who.data());
  }
}

}  // namespace green
