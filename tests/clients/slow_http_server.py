#!/usr/bin/env python3
"""An HTTP and an HTTPS server on 127.0.0.1 for curl_many: GET /?i answers
with the body "i" after DELAY seconds, one thread per connection, so 50
clients at once are served at once. Writes "HTTP_PORT HTTPS_PORT" to
PORT_FILE once both listen.

usage: slow_http_server.py PORT_FILE DELAY CERT KEY
"""
import http.server
import os
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(DELAY)
        body = self.path.partition("?")[2].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    # 50 clients connect at once: socketserver's default backlog of 5 would
    # drop SYNs and add a second of retransmission.
    request_queue_size = 256
    daemon_threads = True


class TLSServer(Server):
    def finish_request(self, request, client_address):
        # The handshake runs in the connection's thread, not in accept's.
        request = CONTEXT.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)


if len(sys.argv) != 5:
    sys.exit(__doc__)
DELAY = float(sys.argv[2])
CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
CONTEXT.load_cert_chain(sys.argv[3], sys.argv[4])
plain = Server(("127.0.0.1", 0), Handler)
tls = TLSServer(("127.0.0.1", 0), Handler)
threading.Thread(target=tls.serve_forever, daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{plain.server_address[1]} {tls.server_address[1]}\n")

os.rename(sys.argv[1] + ".tmp", sys.argv[1])
plain.serve_forever()
