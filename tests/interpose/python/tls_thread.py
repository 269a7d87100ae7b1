# An HTTPS request (urllib + ssl) to a TLS server in another thread of the same process.
import http.server, os, shutil, ssl, subprocess, sys, tempfile, threading, urllib.request
if not shutil.which("openssl"):
    print("SKIP: openssl is not installed (apt-get install openssl)")
    sys.exit(77)
d = tempfile.mkdtemp()
cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello over tls\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); sctx.load_cert_chain(cert, key)
srv.socket = sctx.wrap_socket(srv.socket, server_side=True)
t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
cctx = ssl.create_default_context(cafile=cert)
with urllib.request.urlopen("https://localhost:%d/" % srv.server_address[1], context=cctx, timeout=10) as r:
    sys.stdout.write(r.read().decode())
srv.shutdown()
shutil.rmtree(d)
print("ok")
