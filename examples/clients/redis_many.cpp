// redis_many — 50 greenlets each use hiredis, an unmodified blocking client
// library: a BLPOP that times out after 0.2 s, a BLPOP that finds its value,
// and ten SET/GET round trips, every value checked (client_demo.h).
//
//   redis_many 127.0.0.1 6379
#include <hiredis/hiredis.h>

#include <string>

#include "client_demo.h"

namespace {

bool is_string(const redisReply* r, const std::string& want) {
  return r && r->type == REDIS_REPLY_STRING && std::string(r->str, r->len) == want;
}

bool session(const std::string& host, int port, int i) {
  timeval tv{10, 0};
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, tv);
  if (!c || c->err) {
    std::fprintf(stderr, "redis_many: worker %d: connect: %s\n", i, c ? c->errstr : "out of memory");
    if (c) redisFree(c);
    return false;
  }
  std::string list = "green:list:" + std::to_string(i);
  auto* r = static_cast<redisReply*>(redisCommand(c, "BLPOP %s 0.2", list.c_str()));
  bool ok = r && r->type == REDIS_REPLY_NIL;  // nothing pushed: the timeout
  if (r) freeReplyObject(r);

  std::string pushed = "pushed-" + std::to_string(i);
  r = static_cast<redisReply*>(redisCommand(c, "RPUSH %s %s", list.c_str(), pushed.c_str()));
  ok = ok && r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
  if (r) freeReplyObject(r);
  r = static_cast<redisReply*>(redisCommand(c, "BLPOP %s 0.2", list.c_str()));
  ok = ok && r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && is_string(r->element[1], pushed);
  if (r) freeReplyObject(r);

  for (int k = 0; ok && k < 10; ++k) {
    std::string key = "green:key:" + std::to_string(i) + ":" + std::to_string(k);
    std::string value = "value-" + std::to_string(i * 100 + k);
    r = static_cast<redisReply*>(redisCommand(c, "SET %s %s", key.c_str(), value.c_str()));
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    r = static_cast<redisReply*>(redisCommand(c, "GET %s", key.c_str()));
    ok = ok && is_string(r, value);
    if (r) freeReplyObject(r);
  }
  if (!ok) std::fprintf(stderr, "redis_many: worker %d: wrong reply (%s)\n", i, c->err ? c->errstr : "bad value");
  redisFree(c);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = client_demo::parse(argc, argv, "HOST PORT");
  int port = o.args.size() == 2 ? std::atoi(o.args[1].c_str()) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s HOST PORT [--workers N] [--sequential N] [--check]\n", argv[0]);
    return 2;
  }
  std::printf("redis_many: each worker: BLPOP timing out after 0.2 s, RPUSH + BLPOP, 10 SET/GET round trips\n");
  return client_demo::run("redis_many", o, [&](int i) { return session(o.args[0], port, i); });
}
