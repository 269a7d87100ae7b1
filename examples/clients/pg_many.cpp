// pg_many — 50 greenlets each run a slow PostgreSQL query through libpq, an
// unmodified blocking client library: SELECT i, pg_sleep(0.2) takes about
// 0.2 s for all of them, not 10 s (client_demo.h: the three runs).
//
// The connections are opened first, one per worker, and every run reuses
// them, as a program with a connection pool would: a PostgreSQL backend
// costs the server a fork and tens of milliseconds of CPU, which would
// otherwise hide the queries' waiting behind the server's start-up work.
//
//   pg_many 'host=127.0.0.1 port=5432 user=postgres dbname=postgres'
#include <libpq-fe.h>

#include <algorithm>
#include <string>

#include "client_demo.h"

namespace {

bool query(PGconn* c, int i) {
  std::string arg = std::to_string(i);
  const char* params[] = {arg.c_str()};
  PGresult* r = PQexecParams(c, "SELECT $1::int, pg_sleep(0.2)", 1, nullptr, params, nullptr, nullptr, 0);
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && arg == PQgetvalue(r, 0, 0);
  if (!ok) std::fprintf(stderr, "pg_many: worker %d: wrong result: %s", i, PQerrorMessage(c));
  PQclear(r);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = client_demo::parse(argc, argv, "CONNINFO");
  if (o.args.size() != 1) {
    std::fprintf(stderr, "usage: %s CONNINFO [--workers N] [--sequential N] [--check]\n", argv[0]);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<PGconn*> conns;
  for (int i = 0; i < std::max(o.workers, o.sequential); ++i) {
    conns.push_back(PQconnectdb(o.args[0].c_str()));
    if (PQstatus(conns.back()) != CONNECTION_OK) {
      std::fprintf(stderr, "pg_many: connect: %s", PQerrorMessage(conns.back()));
      return 1;
    }
  }
  std::printf("pg_many: opened %zu connections in %.2f s; each worker runs SELECT i, pg_sleep(0.2) on its own\n",
              conns.size(), client_demo::seconds_since(t0));
  int rc = client_demo::run("pg_many", o, [&](int i) { return query(conns[static_cast<std::size_t>(i)], i); });
  for (PGconn* c : conns) PQfinish(c);
  return rc;
}
