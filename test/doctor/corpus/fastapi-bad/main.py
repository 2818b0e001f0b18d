import logging

import psycopg2
import requests
import uvicorn
from fastapi import FastAPI
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    openai_api_key: str
    model_name: str = "gpt-4o-mini"


settings = Settings()
logging.basicConfig(level=logging.INFO, handlers=[logging.FileHandler("app.log")])

app = FastAPI(title="Order tracker")
conn = psycopg2.connect("postgresql://postgres:Pa55w0rd-Orders@db:5432/orders")
INVENTORY_URL = "http://inventory-service:8080/items"


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/orders")
def create_order(order: dict):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders (data) VALUES (%s)", (str(order),))
    items = requests.get(INVENTORY_URL).json()
    token = requests.get("http://localhost:3500/v1.0/secrets/kubernetes/openai").json()
    requests.post("http://localhost:3500/v1.0/publish/messagebus/orders", json=order)
    return {"items": items, "token": bool(token)}


if __name__ == "__main__":
    uvicorn.run("main:app", host="127.0.0.1", port=8000, reload=True)
