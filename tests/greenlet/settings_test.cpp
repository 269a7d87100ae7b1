// settings_test.cpp — green/settings.h: the registry of GREEN_* settings.
#include "green/settings.h"

#include <cstdlib>
#include <set>
#include <string>

#include "fixture.h"

namespace green_test {
namespace {

using Settings = GreenTest;

// ScopedEnv: set an environment variable for one test.
struct ScopedEnv {
  const char* name;
  ScopedEnv(const char* n, const char* v) : name(n) { ::setenv(n, v, 1); }
  ~ScopedEnv() { ::unsetenv(name); }
};

TEST_F(Settings, EveryEntryIsNamedDocumentedAndUnique) {
  std::set<std::string> names;
  for (const green::Setting& s : green::settings()) {
    std::string name = s.name;
    EXPECT_EQ(name.rfind("GREEN_", 0), 0u) << name;
    EXPECT_NE(std::string(s.default_value), "") << name;
    EXPECT_GT(std::string(s.help).size(), 10u) << name;
    EXPECT_TRUE(names.insert(name).second) << "listed twice: " << name;
  }
  for (const char* needed : {"GREEN_STACK_SIZE", "GREEN_STACK_POOL", "GREEN_MAX_BATCH_US"})
    EXPECT_EQ(names.count(needed), 1u) << needed;
}

TEST_F(Settings, TextIsTheDefaultUnlessTheEnvironmentSetsIt) {
  ::unsetenv("GREEN_STATS");
  EXPECT_EQ(green::setting_text("GREEN_STATS"), "0");
  ScopedEnv e("GREEN_STATS", "1");
  EXPECT_EQ(green::setting_text("GREEN_STATS"), "1");
}

TEST_F(Settings, AnEmptyValueMeansTheDefault) {
  ScopedEnv e("GREEN_STACK_POOL", "");
  EXPECT_EQ(green::setting_number("GREEN_STACK_POOL"), 1024u);
}

TEST_F(Settings, NumbersTakeBinarySuffixes) {
  struct Case {
    const char* text;
    unsigned long long value;
  };
  for (Case c : {Case{"123", 123}, Case{"64k", 64ull << 10}, Case{"64K", 64ull << 10}, Case{"2m", 2ull << 20},
                 Case{"1G", 1ull << 30}, Case{"64KiB", 64ull << 10}, Case{"512B", 512}}) {
    ScopedEnv e("GREEN_STACK_SIZE", c.text);
    EXPECT_EQ(green::setting_number("GREEN_STACK_SIZE"), c.value) << c.text;
  }
}

TEST_F(Settings, AMalformedNumberWarnsAndFallsBackToTheDefault) {
  for (const char* bad : {"lots", "-5", "12q", "k"}) {
    ScopedEnv e("GREEN_MAX_BATCH_US", bad);
    testing::internal::CaptureStderr();
    EXPECT_EQ(green::setting_number("GREEN_MAX_BATCH_US"), 500u) << bad;
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("GREEN_MAX_BATCH_US"), std::string::npos) << err;
  }
}

TEST_F(Settings, AnUnregisteredNameIsAnInternalError) {
  EXPECT_DEATH(green::setting_text("GREEN_NOT_A_SETTING"), "not in the registry");
}

}  // namespace
}  // namespace green_test
