/* Name lookups give the same answers (they run on a pool thread under green). */
#include "check.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

int main(void) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
  int rc = getaddrinfo("localhost", "80", &hints, &res);
  printf("getaddrinfo localhost: %d\n", rc);
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    char host[64];
    inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, host, sizeof host);
    printf("  %s\n", host);
  }
  if (res) freeaddrinfo(res);
  printf("getaddrinfo bad name: %s\n",
         getaddrinfo("no-such-host.invalid", NULL, &hints, &res) != 0 ? "fails" : "resolves");
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  char host[64], serv[16];
  rc = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv,
                   NI_NUMERICHOST | NI_NUMERICSERV);
  printf("getnameinfo: %d %s %s\n", rc, host, serv);
  struct hostent *h = gethostbyname("localhost");
  printf("gethostbyname: %s\n", h ? "found" : "not found");
  if (h) printf("  length %d, first %s\n", h->h_length, inet_ntoa(*(struct in_addr *)h->h_addr_list[0]));
  h = gethostbyname("no-such-host.invalid");
  printf("gethostbyname bad name: %s\n", h ? "found" : "not found");
  return 0;
}
