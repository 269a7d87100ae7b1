// tls_cxx.cpp — C++ thread_local objects with constructors and destructors:
// one object per thread, constructed at its first use in that thread and
// destroyed at that thread's exit with the values that thread left, before
// pthread_join returns — also for a thread that ends with pthread_exit.
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "os_threads.h"

namespace {

std::mutex g_mutex;
std::vector<std::string> g_log;

void log(std::string s) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_log.push_back(std::move(s));
}

struct Tracker {
  int owner = -1;
  int count = 0;
  std::string trail;
  Tracker() { log("constructed"); }
  ~Tracker() {
    log("destroyed: owner " + std::to_string(owner) + " count " + std::to_string(count) + " trail " + trail);
  }
};

thread_local Tracker tracker;
thread_local int plain = 7;

void* run(void* arg) {
  int id = static_cast<int>(reinterpret_cast<long>(arg));
  tracker.owner = id;
  for (int i = 0; i <= id; ++i) {
    ++tracker.count;
    tracker.trail += static_cast<char>('a' + id);
    plain += id;
    usleep(1000);  // the other threads use their own objects meanwhile
  }
  log("thread " + std::to_string(id) + " plain " + std::to_string(plain));
  note_os_threads("threads");
  if (id == 3) pthread_exit(nullptr);
  return nullptr;
}

}  // namespace

int main() {
  pthread_t t[4];
  for (long i = 0; i < 4; ++i) pthread_create(&t[i], nullptr, run, reinterpret_cast<void*>(i));
  for (auto& th : t) pthread_join(th, nullptr);
  std::vector<std::string> seen;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    seen = g_log;
  }
  std::sort(seen.begin(), seen.end());
  for (auto& s : seen) std::printf("%s\n", s.c_str());
  return 0;
}
