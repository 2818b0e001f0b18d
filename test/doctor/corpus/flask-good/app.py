"""Customer feedback classifier, written for the platform: Dapr for state and secrets."""
import json
import logging
import os
import tempfile

import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
log = logging.getLogger("classifier")

DAPR_PORT = os.getenv("DAPR_HTTP_PORT", "3500")
STATE_STORE = "statestore"
SECRET_STORE = "secretstore"
BASE_URL = f"http://localhost:{DAPR_PORT}/v1.0"
REPORTS_APP = "reports.reports-ns"


def api_key():
    resp = requests.get(f"{BASE_URL}/secrets/{SECRET_STORE}/openai-api-key", timeout=3)
    return resp.json().get("openai-api-key")


def save(key, value):
    requests.post(f"{BASE_URL}/state/{STATE_STORE}", json=[{"key": key, "value": value}], timeout=5)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.route("/classify", methods=["POST"])
def classify():
    text = request.json.get("text", "")
    label = "positive" if "good" in text.lower() else "negative"
    save(text, label)
    requests.post(f"{BASE_URL}/invoke/{REPORTS_APP}/method/new", json={"label": label}, timeout=5)
    scratch = os.path.join(tempfile.gettempdir(), "last.json")
    with open(scratch, "w") as f:
        json.dump({"text": text, "label": label}, f)
    log.info("classified %s as %s (see http://localhost:8080/health)", text, label)
    return jsonify({"label": label})


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))
