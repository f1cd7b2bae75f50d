#!/usr/bin/env python3
"""The fake cluster's API server: answers hfl.kube's reads from the release records the helm
shim keeps, the way kube-apiserver would, on 127.0.0.1.

  GET [/ctx/CONTEXT]/version | /api | /apis | /api/v1 | /openapi/v2 (openapi-v2.json)
  GET [/ctx/CONTEXT]/api/v1[/namespaces/NS]/secrets|configmaps[?labelSelector=&limit=&continue=&watch=1]
  GET [/ctx/CONTEXT]/api/v1/namespaces/NS/secrets|configmaps/NAME

CONTEXT (default "default") is the store's context directory:
$ROOT/<context>/<secrets|configmaps>/<namespace>/<object>.json. A list honours an
equality label selector (k=v, k!=v, k, !k) and pages (limit/continue); a watch sends ADDED for
every matching object, then holds the stream until timeoutSeconds. A request whose target is an
absolute URL is served as a forward proxy would pass it on. Every request is appended to
$ROOT/calls.log as {"tool":"api","argv":[METHOD, PATH?QUERY],…} like the shims' calls.

Usage: apiserver.py ROOT PORTFILE [--tls CERT KEY] [--client-ca CA] [--token T]
                    [--forbid-namespace NS] [--log PATH] [--delay SECONDS (per list)]
With --token or --client-ca a request needs that bearer token or a client certificate signed
by CA (else 401 with a Status); --forbid-namespace answers 403 with a Status for NS.
"""
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

OPTS = {"root": ".", "token": None, "client_ca": False, "forbid": set(), "log": None, "delay": 0.0}
LOCK = threading.Lock()
KINDS = {"secrets": "Secret", "configmaps": "ConfigMap"}


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def parse_selector(s):
    out = []
    for term in (s or "").split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            k, v = term.split("!=", 1)
            out.append((k.strip(), "ne", v.strip()))
        elif "=" in term:
            k, v = term.split("=", 1)
            out.append((k.strip(), "eq", v.lstrip("=").strip()))
        elif term.startswith("!"):
            out.append((term[1:].strip(), "absent", None))
        else:
            out.append((term, "present", None))
    return out


def matches(labels, sel):
    for k, op, v in sel:
        have = labels.get(k)
        if op == "eq" and have != v:
            return False
        if op == "ne" and have == v:
            return False
        if op == "present" and have is None:
            return False
        if op == "absent" and have is not None:
            return False
    return True


def objects(ctx, kind, ns):
    base = os.path.join(OPTS["root"], ctx, kind)
    namespaces = [ns] if ns else sorted(os.listdir(base)) if os.path.isdir(base) else []
    out = []
    for n in namespaces:
        d = os.path.join(base, n)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                try:
                    with open(os.path.join(d, f)) as fh:
                        out.append(json.load(fh))
                except (OSError, ValueError):
                    continue  # a record being rewritten by the helm shim
    return out


def log_call(method, target, started, code):
    path = OPTS["log"]
    if not path:
        return
    line = json.dumps({"tool": "api", "argv": [method, target], "pid": os.getpid(),
                       "start": started, "end": time.time(), "code": code}) + "\n"
    with LOCK:
        with open(path, "a") as f:
            f.write(line)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def send_json(self, code, doc):
        body = json.dumps(doc).encode()
        # logged before the answer leaves, so a client that got it finds its line in the log
        log_call(self.call[0], self.call[1], self.call[2], code)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return code

    def authorized(self):
        if not OPTS["token"] and not OPTS["client_ca"]:
            return "anonymous"
        if OPTS["client_ca"] and hasattr(self.connection, "getpeercert"):
            cert = self.connection.getpeercert()
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            return v
        auth = self.headers.get("Authorization") or ""
        if OPTS["token"] and auth == "Bearer " + OPTS["token"]:
            return "token-user"
        return None

    def do_GET(self):
        started = time.time()
        target, method = self.path, "GET"
        if target.startswith("http://"):
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
            method = "GET(proxied)"
        self.call = (method, target, started)
        self.route(target)

    def route(self, target):
        user = self.authorized()
        if user is None:
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        u = urllib.parse.urlsplit(target)
        q = dict(urllib.parse.parse_qsl(u.query))
        parts = [p for p in u.path.split("/") if p]
        ctx = "default"
        if len(parts) >= 2 and parts[0] == "ctx":
            ctx, parts = urllib.parse.unquote(parts[1]), parts[2:]
        p = "/" + "/".join(parts)
        if p == "/version":
            return self.send_json(200, {"major": "1", "minor": "20", "gitVersion": "v1.20.0-hfl-fake",
                                        "platform": "linux/amd64"})
        if p == "/openapi/v2":
            # the real server's schema of the kinds it serves (Kubernetes v1.20.2's)
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi-v2.json")) as f:
                return self.send_json(200, json.load(f))
        if p == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if p == "/apis":
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if p == "/api/v1":
            return self.send_json(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "secrets", "namespaced": True, "kind": "Secret", "verbs": ["get", "list", "watch"]},
                {"name": "configmaps", "namespaced": True, "kind": "ConfigMap", "verbs": ["get", "list", "watch"]}]})
        ns, kind, name = None, None, None
        if len(parts) == 3 and parts[:2] == ["api", "v1"]:
            kind = parts[2]
        elif len(parts) in (5, 6) and parts[:3] == ["api", "v1", "namespaces"]:
            ns, kind = parts[3], parts[4]
            name = parts[5] if len(parts) == 6 else None
        if kind not in KINDS:
            return self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))
        if ns in OPTS["forbid"]:
            verb = "get" if name else ("watch" if q.get("watch") else "list")
            return self.send_json(403, status(403, "Forbidden",
                '%s is forbidden: User "%s" cannot %s resource "%s" in API group "" in the namespace "%s"'
                % (kind, user, verb, kind, ns)))
        objs = objects(ctx, kind, ns)
        if name:
            for o in objs:
                if o.get("metadata", {}).get("name") == name:
                    return self.send_json(200, o)
            return self.send_json(404, status(404, "NotFound", '%s "%s" not found' % (kind, name)))
        sel = parse_selector(q.get("labelSelector"))
        objs = [o for o in objs if matches(o.get("metadata", {}).get("labels") or {}, sel)]
        if q.get("watch") in ("1", "true"):
            return self.watch(objs, float(q.get("timeoutSeconds") or "30"))
        start = 0
        if q.get("continue"):
            try:
                start = int(base64.b64decode(q["continue"]).decode().split(":")[1])
            except (ValueError, IndexError):
                return self.send_json(400, status(400, "BadRequest", "invalid continue token"))
        if OPTS["delay"]:
            time.sleep(OPTS["delay"])
        limit = int(q.get("limit") or "0")
        page = objs[start:start + limit] if limit > 0 else objs[start:]
        meta = {"resourceVersion": "1"}
        if limit > 0 and start + limit < len(objs):
            meta["continue"] = base64.b64encode(("o:%d" % (start + limit)).encode()).decode()
            meta["remainingItemCount"] = len(objs) - start - limit
        for o in page:  # items of a list carry no kind/apiVersion on the wire
            o.pop("kind", None)
            o.pop("apiVersion", None)
        return self.send_json(200, {"kind": KINDS[kind] + "List", "apiVersion": "v1",
                                    "metadata": meta, "items": page})

    def watch(self, objs, timeout):
        log_call(self.call[0], self.call[1], self.call[2], 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        try:
            for o in objs:
                chunk((json.dumps({"type": "ADDED", "object": o}) + "\n").encode())
            deadline = time.time() + timeout
            while time.time() < deadline:
                time.sleep(0.05)
            chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
        return 200


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    args = sys.argv[1:]
    root, portfile = args[0], args[1]
    OPTS["root"] = root
    OPTS["log"] = os.path.join(root, "calls.log")
    tls = None
    i = 2
    while i < len(args):
        a = args[i]
        if a == "--tls":
            tls = (args[i + 1], args[i + 2])
            i += 3
            continue
        if a == "--client-ca":
            OPTS["client_ca"] = args[i + 1]
        elif a == "--token":
            OPTS["token"] = args[i + 1]
        elif a == "--forbid-namespace":
            OPTS["forbid"].add(args[i + 1])
        elif a == "--delay":
            OPTS["delay"] = float(args[i + 1])
        elif a == "--log":
            OPTS["log"] = args[i + 1]
        else:
            sys.exit("apiserver.py: unknown option " + a)
        i += 2
    srv = Server(("127.0.0.1", 0), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        if OPTS["client_ca"]:
            ctx.load_verify_locations(OPTS["client_ca"])
            ctx.verify_mode = ssl.CERT_OPTIONAL
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = portfile + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, portfile)
    except OSError:
        sys.exit(0)  # the cluster's directory is gone: nobody is waiting for us
    srv.serve_forever()


if __name__ == "__main__":
    main()
