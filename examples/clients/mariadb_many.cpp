// mariadb_many — 50 greenlets each run a slow query through the MariaDB C
// connector, unmodified and blocking: SELECT i, SLEEP(0.2) takes about 0.2 s
// for all of them (client_demo.h).
//
//   mariadb_many 127.0.0.1 3306 USER
#include <mysql.h>

#include <string>

#include "client_demo.h"

namespace {

bool query(const std::string& host, unsigned port, const std::string& user, int i) {
  MYSQL* c = mysql_init(nullptr);
  if (!c) return false;
  if (!mysql_real_connect(c, host.c_str(), user.c_str(), nullptr, nullptr, port, nullptr, 0)) {
    std::fprintf(stderr, "mariadb_many: worker %d: connect: %s\n", i, mysql_error(c));
    mysql_close(c);
    return false;
  }
  std::string q = "SELECT " + std::to_string(i) + ", SLEEP(0.2)";
  bool ok = mysql_query(c, q.c_str()) == 0;
  MYSQL_RES* r = ok ? mysql_store_result(c) : nullptr;
  MYSQL_ROW row = r ? mysql_fetch_row(r) : nullptr;
  ok = row && row[0] && std::to_string(i) == row[0];
  if (!ok) std::fprintf(stderr, "mariadb_many: worker %d: wrong result: %s\n", i, mysql_error(c));
  if (r) mysql_free_result(r);
  mysql_close(c);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = client_demo::parse(argc, argv, "HOST PORT USER");
  int port = o.args.size() == 3 ? std::atoi(o.args[1].c_str()) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s HOST PORT USER [--workers N] [--sequential N] [--check]\n", argv[0]);
    return 2;
  }
  if (mysql_library_init(0, nullptr, nullptr)) return 1;
  std::printf("mariadb_many: each worker connects and runs SELECT i, SLEEP(0.2)\n");
  int rc = client_demo::run("mariadb_many", o,
                            [&](int i) { return query(o.args[0], static_cast<unsigned>(port), o.args[2], i); });
  mysql_library_end();
  return rc;
}
