// curl_many — 50 greenlets each fetch one URL over HTTP and one over HTTPS
// with libcurl's easy API, unmodified and blocking: curl_easy_perform parks
// only its greenlet (client_demo.h). The server is expected to answer
// GET /?i with the body "i" (tests/clients/slow_http_server.py does, after
// a delay).
//
//   curl_many http://127.0.0.1:8080 https://127.0.0.1:8443 ca.pem
#include <curl/curl.h>

#include <string>

#include "client_demo.h"

namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

bool fetch(const std::string& base, const std::string& cafile, int i) {
  CURL* h = curl_easy_init();
  if (!h) return false;
  std::string url = base + "/?" + std::to_string(i), body;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CAINFO, cafile.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  bool ok = rc == CURLE_OK && status == 200 && body == std::to_string(i);
  if (!ok)
    std::fprintf(stderr, "curl_many: %s: %s (status %ld, body '%s')\n", url.c_str(), curl_easy_strerror(rc), status,
                 body.c_str());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = client_demo::parse(argc, argv, "HTTP_BASE HTTPS_BASE CAFILE");
  if (o.args.size() != 3) {
    std::fprintf(stderr, "usage: %s HTTP_BASE HTTPS_BASE CAFILE [--workers N] [--sequential N] [--check]\n", argv[0]);
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  std::printf("curl_many: each worker fetches %s/?i and %s/?i (certificate checked against %s)\n", o.args[0].c_str(),
              o.args[1].c_str(), o.args[2].c_str());
  int rc = client_demo::run("curl_many", o,
                            [&](int i) { return fetch(o.args[0], o.args[2], i) && fetch(o.args[1], o.args[2], i); });
  curl_global_cleanup();
  return rc;
}
