// green/settings.h — the one registry of GREEN_* environment settings.
//
// Every tunable green reads from the environment is listed in settings.cpp's
// table with its default and meaning; `green-run --help-env` prints that table.
// Values are read once, on first use.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace green {

struct Setting {
  const char* name;           // e.g. "GREEN_STACK_SIZE"
  const char* default_value;  // as text, as it would appear in the environment
  const char* help;           // one sentence: what it changes
};

// settings: every registered setting, in documentation order.
std::span<const Setting> settings() noexcept;

// setting_text: the environment's value of a registered setting, or its default.
std::string setting_text(const char* name);

// setting_number: a registered numeric setting (suffixes k/K, m/M, g/G allowed:
// powers of 1024). A malformed value prints a warning naming the variable and
// falls back to the default.
unsigned long long setting_number(const char* name);

}  // namespace green
