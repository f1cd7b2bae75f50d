#!/usr/bin/env python3
"""A minimal OCI registry for specs: serves one chart archive under any repository and tag,
with a manifest whose chart layer names the digest given (which need not match the blob).
Writes its port (an ephemeral one on 127.0.0.1) to PORTFILE, and the blob paths it was asked
for to PORTFILE.log.
usage: onechart_registry.py PORTFILE DIGEST TGZ"""
import http.server, json, sys

portfile, digest, tgz = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
manifest = json.dumps({
    "schemaVersion": 2,
    "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": "sha256:" + "0" * 64, "size": 2},
    "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": digest,
                "size": len(tgz)}],
}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/v2/":
            body = b"{}"
        elif "/manifests/" in self.path:
            body = manifest
        elif "/blobs/" in self.path:
            with open(portfile + ".log", "a") as log:
                log.write(self.path + "\n")
            body = tgz
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_port))
import os
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
