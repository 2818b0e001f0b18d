"""Customer feedback classifier. Generated with help from ChatGPT."""
import json
import os

import redis
import requests
from dotenv import load_dotenv
from flask import Flask, jsonify, request

load_dotenv()

app = Flask(__name__)

# Connect to Redis for caching results
r = redis.Redis(host='localhost', port=6379, db=0)

OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
ANTHROPIC_KEY = "sk-ant-api03-Xy7fQ2mN8pL4kR9tV1wB6cD3eH5jG0aS2uI8oP4"

DAPR_PORT = os.getenv("DAPR_HTTP_PORT", "3500")
STATE_STORE = "redis-store"
BASE_URL = f"http://localhost:{DAPR_PORT}/v1.0"


def save(key, value):
    requests.post(f"{BASE_URL}/state/{STATE_STORE}", json=[{"key": key, "value": value}])


@app.route("/")
def index():
    return "Feedback classifier is running!"


@app.route("/classify", methods=["POST"])
def classify():
    text = request.json.get("text", "")
    label = "positive" if "good" in text.lower() else "negative"
    r.set(text, label)
    save(text, label)
    # Tell the reporting app about it
    requests.post(f"{BASE_URL}/invoke/reports/method/new", json={"label": label})
    with open("results.json", "a") as f:
        f.write(json.dumps({"text": text, "label": label}) + "\n")
    return jsonify({"label": label})


if __name__ == "__main__":
    app.run(debug=True)
