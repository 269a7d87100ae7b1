// stdio_getline.cpp — issue 17: std::getline(std::cin) in a thread (stdin a
// pipe, lines written later by the main thread). libstdc++'s cin, synced
// with stdio, reads through getc/ungetc/fread of stdin; natively the main
// thread goes on meanwhile, and under green-run --threads it must too.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "os_threads.h"

namespace {

std::atomic<int> g_lines{0};

void reader(std::vector<std::string>* got) {
  note_os_threads("reader");
  std::string s;
  while (std::getline(std::cin, s)) {
    got->push_back(s);
    ++g_lines;
  }
}

void say(int fd, const char* s) {
  if (write(fd, s, std::strlen(s)) < 0) std::perror("write");
}

}  // namespace

int main() {
  int p[2];
  if (pipe(p) != 0 || dup2(p[0], 0) != 0) return 1;
  close(p[0]);
  std::vector<std::string> got;
  std::thread t(reader, &got);
  // The reader waits in getline meanwhile; this thread keeps going.
  int steps = 0;
  for (; steps < 20; ++steps) usleep(10000);
  say(p[1], "first line\nsecond ");
  usleep(100000);
  say(p[1], "line\n");
  for (int i = 0; i < 200 && g_lines.load() < 2; ++i) usleep(5000);
  say(p[1], "no newline at the end");
  close(p[1]);
  t.join();
  std::cout << "main thread ran while the reader waited: " << (steps == 20 ? "yes" : "no") << "\n";
  for (const auto& s : got) std::cout << "getline: " << s << "\n";
  std::cout << "cin at the end: eof " << (std::cin.eof() ? "yes" : "no") << "\n";
  return 0;
}
