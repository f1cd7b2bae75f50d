#!/usr/bin/env python3
"""A small OpenAI-compatible Chat Completions server for hfl doctor's specs, on 127.0.0.1.

POST /v1/chat/completions answers as DIR/behaviour.json says (read on every request):
  {"content": "<the assistant message>"}           200 with that message as choices[0]
  {"status": 500, "error": "<message>"}            that status with an OpenAI error object
  {"reject_response_format": true, "content": ...} 400 naming response_format when the request
                                                   asks for it, else as "content"
  {"no_choices": true}                             200 with an empty choices list
  {"redirect": "<url>"}                            307 to that URL (a POST keeps its body)
Every request is appended to DIR/requests.jsonl as {"path", "headers", "body"} (body as sent).
usage: llm.py DIR          (writes the port to DIR/port)
"""
import http.server
import json
import os
import sys

DIR = sys.argv[1]


def behaviour():
    try:
        with open(os.path.join(DIR, "behaviour.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"content": '{"summary": "No changes.", "risks": []}'}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        with open(os.path.join(DIR, "requests.jsonl"), "a") as log:
            log.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                  "body": body}) + "\n")
        if self.path not in ("/v1/chat/completions", "/elsewhere/v1/chat/completions"):
            return self.reply(404, {"error": {"message": "no route " + self.path, "type": "invalid_request_error"}})
        b = behaviour()
        if b.get("redirect"):
            self.send_response(307)
            self.send_header("Location", b["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            req = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
        if b.get("reject_response_format") and "response_format" in req:
            return self.reply(400, {"error": {"message": "response_format is not supported by this model",
                                              "type": "invalid_request_error"}})
        if b.get("status", 200) != 200:
            return self.reply(b["status"], {"error": {"message": b.get("error", "failed"), "type": "server_error"}})
        choices = [] if b.get("no_choices") else [
            {"index": 0, "finish_reason": "stop",
             "message": {"role": "assistant", "content": b.get("content", "")}}]
        self.reply(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": req.get("model"),
                         "choices": choices})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_port))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
