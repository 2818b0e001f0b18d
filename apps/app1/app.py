"""app1: the message classifier.

A citizen developer's Flask app, as the seed describes it, with its bugs fixed.
It knows nothing about Redis, Vault or Kubernetes: everything goes through the
Dapr sidecar on localhost (DAPR_HTTP_PORT):

  state   -> state store "statestore"   (each entry, plus a "history" index)
  secrets -> secret store "secretstore" (its API keys; the app works without them)

POST /classify {"message": "..."} -> {id, message, classification, timestamp}
GET  /history                      -> the latest entries, newest first
GET  /health                       -> {"status": "ok"}
"""

import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

import requests
from flask import Flask, jsonify, request

DAPR_URL = f"http://127.0.0.1:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0"
STATE_STORE = "statestore"
SECRET_STORE = "secretstore"
HISTORY_KEY = "history"
HISTORY_LIMIT = 100
MAX_MESSAGE_LENGTH = 2000
# Keys this app may read (the platform's secret scoping allows only these).
API_KEY_SECRET = "anthropic-api-key"

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stdout)
log = logging.getLogger("app1")

app = Flask(__name__)
dapr = requests.Session()

# Whole words or phrases only: "add" must not match "address", "bug" not "debug".
BUG_WORDS = ["broken", "error", "errors", "fail", "fails", "failed", "failing", "crash", "crashes",
             "crashed", "bug", "bugs", "issue", "wrong", "exception", "doesn't work", "does not work"]
FEATURE_WORDS = ["add", "want", "wish", "would be nice", "feature", "request", "could you", "please support",
                 "it would be great", "suggest", "suggestion"]


def _pattern(words):
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


BUG_RE = _pattern(BUG_WORDS)
FEATURE_RE = _pattern(FEATURE_WORDS)


def classify_text(message: str) -> str:
    """Keyword classifier (the seed's placeholder for a call to an LLM)."""
    if BUG_RE.search(message):
        return "bug"
    if FEATURE_RE.search(message):
        return "feature_request"
    return "question"


class Secrets:
    """Reads API keys through the sidecar once a minute; never logs a value."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values = {}
        self._read_at = {}

    def get(self, name):
        with self._lock:
            if time.monotonic() - self._read_at.get(name, -1e9) < 60:
                return self._values.get(name)
        value = None
        try:
            resp = dapr.get(f"{DAPR_URL}/secrets/{SECRET_STORE}/{name}", timeout=3)
            if resp.status_code == 200:
                value = resp.json().get(name) or None
            elif resp.status_code == 403:
                log.warning("secret store: %s is not among this app's secrets (secretstore.keys)", name)
        except requests.RequestException as err:
            log.warning("secret store unreachable (%s); trying again on the next request", type(err).__name__)
            return None
        with self._lock:
            if name not in self._read_at:
                log.info("secret %s: %s", name, "configured" if value else "not set (using the keyword classifier)")
            self._values[name] = value
            self._read_at[name] = time.monotonic()
        return value


secrets = Secrets()


class StateError(Exception):
    pass


def _read_history():
    """The history index and its ETag (None when it does not exist yet)."""
    resp = dapr.get(f"{DAPR_URL}/state/{STATE_STORE}/{HISTORY_KEY}", timeout=5)
    if resp.status_code == 204 or not resp.content:
        return [], None
    if resp.status_code != 200:
        raise StateError(f"reading history: HTTP {resp.status_code}")
    items = resp.json()
    return (items if isinstance(items, list) else []), resp.headers.get("ETag")


def save_entry(entry):
    """Save the entry and put it at the head of the history index, in one transaction.

    The index is written with its ETag (first-write concurrency), so two
    concurrent requests cannot overwrite each other's entry: the loser re-reads
    and tries again.
    """
    for _ in range(8):
        items, etag = _read_history()
        items = [entry] + [i for i in items if i.get("id") != entry["id"]]
        # first-write: with an ETag, only if unchanged since read; without, only if still absent.
        history_op = {"key": HISTORY_KEY, "value": items[:HISTORY_LIMIT], "options": {"concurrency": "first-write"}}
        if etag:
            history_op["etag"] = etag
        body = {"operations": [
            {"operation": "upsert", "request": {"key": entry["id"], "value": entry}},
            {"operation": "upsert", "request": history_op},
        ]}
        resp = dapr.post(f"{DAPR_URL}/state/{STATE_STORE}/transaction", json=body, timeout=5)
        if resp.status_code in (200, 201, 204):
            return
        if resp.status_code not in (409, 500):
            raise StateError(f"saving: HTTP {resp.status_code} {resp.text[:200]}")
        time.sleep(0.01)
    raise StateError("saving: the history kept changing underneath (too many concurrent writes)")


@app.post("/classify")
def classify():
    data = request.get_json(silent=True)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return jsonify(error='send JSON like {"message": "the app crashes on login"}'), 400
    if len(message) > MAX_MESSAGE_LENGTH:
        return jsonify(error=f"message is longer than {MAX_MESSAGE_LENGTH} characters"), 400

    secrets.get(API_KEY_SECRET)  # an LLM call would use it; the keyword classifier does not need it
    entry = {
        "id": uuid.uuid4().hex[:12],
        "message": message.strip(),
        "classification": classify_text(message),
        "timestamp": datetime.now(timezone.utc).isoformat(),
    }
    try:
        save_entry(entry)
    except (StateError, requests.RequestException) as err:
        log.error("state store: %s", err)
        return jsonify(error="could not save the classification; try again"), 503
    log.info("classified %s as %s", entry["id"], entry["classification"])
    return jsonify(entry)


@app.get("/history")
def history():
    try:
        items, _ = _read_history()
    except (StateError, requests.RequestException) as err:
        log.error("state store: %s", err)
        return jsonify(error="could not read the history; try again"), 503
    limit = request.args.get("limit", type=int) or HISTORY_LIMIT
    return jsonify(items[: max(1, min(limit, HISTORY_LIMIT))])


@app.get("/health")
def health():
    return jsonify(status="ok")


def main():
    from waitress import serve

    # Stop cleanly on SIGTERM (Kubernetes, paddock dev) as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8080"))
    log.info("app1 listening on 0.0.0.0:%d (Dapr sidecar at %s)", port, DAPR_URL)
    serve(app, host="0.0.0.0", port=port, threads=8, ident="app1")


if __name__ == "__main__":
    main()
