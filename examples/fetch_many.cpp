// fetch_many — a Pool of greenlets fetching many URLs with plain
// blocking-style socket code (green::Socket: connect, send_all, recv), from a
// small HTTP server this program runs itself in a greenlet. Every page takes
// 20-50 ms to answer; fetched one after another they would take the sum of
// those times, fetched by the pool they take about sum / concurrency.
//
//   fetch_many [--urls N] [--concurrency C] [--quick]
#include <green/green.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// ---- the local HTTP server ------------------------------------------------

// read_request: bytes up to the blank line that ends the request head.
std::string read_request(green::Socket& s) {
  std::string req;
  char buf[1024];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
    std::size_t n = s.recv(buf, sizeof buf, 5s);
    if (n == 0) break;
    req.append(buf, n);
  }
  return req;
}

void serve_page(green::Socket s, const green::Address&) {
  std::string req = read_request(s);
  // "GET /page/17 HTTP/1.0": page 17 answers after 20 + (17*7 % 31) ms.
  int page = 0;
  std::size_t at = req.find("/page/");
  if (at != std::string::npos) page = std::atoi(req.c_str() + at + 6);
  green::sleep(std::chrono::milliseconds(20 + page * 7 % 31));
  std::string body = "<html>page " + std::to_string(page) + std::string(static_cast<std::size_t>(page % 50), '.') +
                     "</html>\n";
  s.send_all("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\n\r\n" + body,
             5s);
}

// ---- the client: ordinary blocking-style code -----------------------------

struct Fetched {
  std::string url;
  std::size_t bytes = 0;
  double ms = 0;
};

// fetch: GET an http://HOST:PORT/PATH URL (numeric host) and return the body size.
Fetched fetch(const std::string& url) {
  const auto t0 = Clock::now();
  const std::string rest = url.substr(std::strlen("http://"));
  const std::size_t colon = rest.find(':'), slash = rest.find('/');
  if (url.rfind("http://", 0) != 0 || colon == std::string::npos || slash == std::string::npos)
    throw std::invalid_argument("fetch: expected http://HOST:PORT/PATH, got " + url);
  const std::string host = rest.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::atoi(rest.c_str() + colon + 1));

  green::Socket s = green::Socket::connect(green::Address::tcp(host, port), 5s);
  s.send_all("GET " + rest.substr(slash) + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n", 5s);
  std::string reply;
  char buf[4096];
  while (std::size_t n = s.recv(buf, sizeof buf, 5s)) reply.append(buf, n);
  if (reply.rfind("HTTP/1.0 200", 0) != 0) throw std::runtime_error("fetch " + url + ": bad reply");
  const std::size_t head = reply.find("\r\n\r\n");
  return {url, reply.size() - (head == std::string::npos ? reply.size() : head + 4),
          std::chrono::duration<double, std::milli>(Clock::now() - t0).count()};
}

}  // namespace

int main(int argc, char** argv) {
  int urls = 100, concurrency = 10;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      urls = 30;
    } else if (!std::strcmp(argv[i], "--urls") && i + 1 < argc) {
      urls = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--concurrency") && i + 1 < argc) {
      concurrency = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: fetch_many [--urls N] [--concurrency C] [--quick]\n");
      return 2;
    }
  }
  if (urls < 1 || concurrency < 1) {
    std::fprintf(stderr, "fetch_many: --urls and --concurrency must be at least 1\n");
    return 2;
  }

  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), serve_page);
  server.start();
  std::vector<std::string> list;
  for (int i = 0; i < urls; ++i)
    list.push_back("http://" + server.address().to_string() + "/page/" + std::to_string(i));

  green::Pool pool(static_cast<std::size_t>(concurrency));
  const auto t0 = Clock::now();
  double sum_ms = 0;
  int ok = 0;
  try {
    for (const Fetched& f : pool.imap_unordered(fetch, list)) {
      std::printf("%-40s %5zu bytes %7.1f ms\n", f.url.c_str(), f.bytes, f.ms);
      sum_ms += f.ms;
      ++ok;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fetch_many: %s\n", e.what());
  }
  const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  server.stop(5s);
  std::printf("fetched %d of %d URLs with %d greenlets in %.1f ms (requests took %.1f ms added up: %.1fx)\n", ok, urls,
              concurrency, total_ms, sum_ms, sum_ms / total_ms);
  return ok == urls ? 0 : 1;
}
