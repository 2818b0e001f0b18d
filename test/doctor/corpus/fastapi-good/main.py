import os

import uvicorn
from dapr.clients import DaprClient
from fastapi import FastAPI

app = FastAPI(title="Order tracker")
STORE = "statestore"
PUBSUB = "pubsub"


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/orders")
def create_order(order: dict):
    with DaprClient() as d:
        d.save_state(store_name=STORE, key=str(order["id"]), value=str(order))
        d.publish_event(pubsub_name=PUBSUB, topic_name="orders", data=str(order))
        items = d.invoke_method("inventory.inventory-ns", "items", data=b"", http_verb="GET")
    return {"items": items.text()}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
