"""A Bearer-token front for a registry, for the specs (USER:PASS "-" = no auth, a counting
front only; GET /_hfl/counts gives {path: n} of the forwarded GETs): every /v2/ request needs
`Authorization: Bearer <token>`; without it the answer is 401 with
`WWW-Authenticate: Bearer realm=<this>/token,service=hfl-spec,scope=repository:<name>:pull`.
GET /token checks basic auth (user:pass given on the command line) and returns {"token": ...}.
Authorised requests are forwarded to the upstream registry.
  python3 tokenproxy.py UPSTREAM_HOST:PORT USER:PASS PORTFILE
"""
import base64, http.client, http.server, json, os, re, socketserver, sys, threading

UPSTREAM, CREDS, PORTFILE = sys.argv[1], sys.argv[2], sys.argv[3]
TOKEN = "hfl-spec-token"
COUNTS = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_hfl/counts":
            with LOCK:
                body = json.dumps(COUNTS).encode()
            return self.reply(200, body, {"Content-Type": "application/json"})
        if self.path.startswith("/token"):
            want = "Basic " + base64.b64encode(CREDS.encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            return self.reply(200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})
        if CREDS != "-" and self.headers.get("Authorization") != "Bearer " + TOKEN:
            m = re.match(r"^/v2/(.+)/(tags|manifests|blobs)/", self.path)
            scope = ',scope="repository:%s:pull"' % m.group(1) if m else ""
            host = "127.0.0.1:%d" % self.server.server_address[1]
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {
                "WWW-Authenticate": 'Bearer realm="http://%s/token",service="hfl-spec"%s' % (host, scope)})
        with LOCK:
            COUNTS[self.path] = COUNTS.get(self.path, 0) + 1
        conn = http.client.HTTPConnection(UPSTREAM)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "host")}
        conn.request("GET", self.path, headers=hdrs)
        res = conn.getresponse()
        body = res.read()
        self.reply(res.status, body, {k: v for k, v in res.getheaders()
                                      if k.lower() not in ("content-length", "transfer-encoding", "connection")})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as fh:
    fh.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
