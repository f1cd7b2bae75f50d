#!/usr/bin/env python3
"""A small HTTP(S) chart repository for hfl's specs: serves a directory, counts requests per
path, and injects faults on request. Control endpoints (never counted, never need auth):
  /_hfl/counts                       -> JSON {"/path": n, ...}
  /_hfl/connections                  -> JSON {"open": n, "max": n, "total": n}: connections that
                                        carried a repository request (not a control one): open
                                        now, most open at once, and opened since the last reset
  /_hfl/reset                        -> clears counts, faults and the connection figures
  /_hfl/echo                         -> JSON of the request's headers
  /_hfl/fault?path=/x&kind=K[&times=N][&delay=S][&to=URL]
      K: 404 | 500 | 429 | slow (body sent in pieces over `delay` seconds) | truncated (half the
      body, then the connection closes) | wrong (bytes flipped) | hang (`delay` s before
      answering) | redirect (302 to `to`); `times` limits how often it fires (default: always)
Usage: httprepo.py ROOT PORTFILE [--auth user:pass] [--tls cert key] [--client-ca ca]
                   [--backlog N]   (listen queue; a small one drops the SYNs of a burst)
"""
import hashlib
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import base64
import email.utils

LOCK = threading.Lock()
COUNTS = {}
FAULTS = {}
CONNS = {"open": 0, "max": 0, "total": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as real servers do: no 40 ms wait per reused-connection reply
    root = "."
    auth = None

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        self.counted = False

    def finish(self):
        super().finish()
        if self.counted:
            with LOCK:
                CONNS["open"] -= 1

    def count_connection(self):
        """Called on each repository request: the connection's first one counts it."""
        if self.counted:
            return
        self.counted = True
        with LOCK:
            CONNS["open"] += 1
            CONNS["total"] += 1
            CONNS["max"] = max(CONNS["max"], CONNS["open"])

    def send_small(self, code, body, ctype="text/plain", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def control(self, path, query):
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        with LOCK:
            if path == "/_hfl/counts":
                return self.send_small(200, json.dumps(COUNTS), "application/json")
            if path == "/_hfl/echo":
                return self.send_small(200, json.dumps(dict(self.headers.items())),
                                       "application/json")
            if path == "/_hfl/connections":
                return self.send_small(200, json.dumps(CONNS), "application/json")
            if path == "/_hfl/reset":
                COUNTS.clear()
                FAULTS.clear()
                CONNS["max"] = CONNS["open"]
                CONNS["total"] = 0
                return self.send_small(200, "ok")
            if path == "/_hfl/fault":
                times = int(q["times"]) if "times" in q else -1
                FAULTS[q["path"]] = {"kind": q["kind"], "times": times,
                                     "delay": float(q.get("delay", "1")), "to": q.get("to")}
                return self.send_small(200, "ok")
        return self.send_small(404, "no such control endpoint")

    def take_fault(self, path):
        with LOCK:
            f = FAULTS.get(path)
            if not f or f["times"] == 0:
                return None
            if f["times"] > 0:
                f["times"] -= 1
            return dict(f)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        if path.startswith("/_hfl/"):
            return self.control(path, parsed.query)
        self.count_connection()
        with LOCK:
            COUNTS[path] = COUNTS.get(path, 0) + 1
        if self.auth:
            got = self.headers.get("Authorization", "")
            want = "Basic " + base64.b64encode(self.auth.encode()).decode()
            if got != want:
                return self.send_small(401, "unauthorized", extra={
                    "WWW-Authenticate": 'Basic realm="charts"'})
        fault = self.take_fault(path)
        kind = fault and fault["kind"]
        if kind in ("404", "500", "429"):
            extra = {"Retry-After": "0"} if kind == "429" else None
            return self.send_small(int(kind), "injected " + kind, extra=extra)
        if kind == "redirect":
            return self.send_small(302, "", extra={"Location": fault["to"]})
        if kind == "hang":
            time.sleep(fault["delay"])
        full = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if not full.startswith(os.path.realpath(self.root)) or not os.path.isfile(full):
            return self.send_small(404, "not found: " + path)
        with open(full, "rb") as fh:
            data = fh.read()
        st = os.stat(full)
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm == etag:
            return self.send_small(304, b"", extra={"ETag": etag})
        if ims and not inm:
            try:
                t = email.utils.parsedate_to_datetime(ims).timestamp()
                if int(st.st_mtime) <= t:
                    return self.send_small(304, b"", extra={"ETag": etag})
            except (TypeError, ValueError):
                pass
        if kind == "wrong":
            data = bytes(b ^ 0x5A for b in data)
        ctype = "application/x-yaml" if full.endswith(".yaml") else "application/gzip"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
        if kind == "truncated":
            self.send_header("Connection", "close")
        if kind == "padded":  # a broken proxy's header: a long run of spaces inside the value
            self.send_header("X-Pad", "a" + " " * 90000 + "b")
        self.end_headers()
        if self.command == "HEAD":
            return
        if kind == "truncated":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "slow":
            pieces = 10
            step = max(1, (len(data) + pieces - 1) // pieces)
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(fault["delay"] / pieces)
            return
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # many transfers connect at once


def main():
    args = sys.argv[1:]
    root, portfile = args[0], args[1]
    rest = args[2:]
    Handler.root = root
    tls = client_ca = None
    while rest:
        a = rest.pop(0)
        if a == "--auth":
            Handler.auth = rest.pop(0)
        elif a == "--tls":
            tls = (rest.pop(0), rest.pop(0))
        elif a == "--client-ca":
            client_ca = rest.pop(0)
        elif a == "--backlog":
            Server.request_queue_size = int(rest.pop(0))
    srv = Server(("127.0.0.1", 0), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        if client_ca:
            ctx.load_verify_locations(client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(srv.server_address[1]))
    os.rename(tmp, portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
