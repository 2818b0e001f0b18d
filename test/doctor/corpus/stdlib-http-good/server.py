#!/usr/bin/env python3
"""Tiny webhook receiver using only the standard library, keeping events in Dapr state."""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(os.environ.get("PORT", "8080"))
DAPR = f"http://localhost:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0"


def save(key, value):
    body = json.dumps([{"key": key, "value": value}]).encode()
    req = urllib.request.Request(f"{DAPR}/state/statestore", data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(req, timeout=5)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        event = json.loads(self.rfile.read(length))
        save(str(event.get("id")), event)
        self.send_response(204)
        self.end_headers()

    def do_GET(self):
        if self.path == "/health":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
