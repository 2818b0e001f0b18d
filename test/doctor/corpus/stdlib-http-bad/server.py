#!/usr/bin/env python3
"""Tiny webhook receiver using only the standard library."""
import json
import sqlite3
from http.server import BaseHTTPRequestHandler, HTTPServer

HOST = "localhost"
PORT = 9000
SLACK_WEBHOOK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"

db = sqlite3.connect("events.db")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        event = json.loads(self.rfile.read(length))
        db.execute("INSERT INTO events VALUES (?)", (json.dumps(event),))
        self.send_response(204)
        self.end_headers()

    def do_GET(self):
        if self.path == "/ping":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"pong")


if __name__ == "__main__":
    HTTPServer((HOST, PORT), Handler).serve_forever()
