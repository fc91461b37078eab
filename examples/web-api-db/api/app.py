# The API: notes stored in PostgreSQL, a request counter in Redis.
#   GET  /api/health          200 when PostgreSQL and Redis answer
#   GET  /api/notes           {"notes": [{"id": 1, "text": "..."}], "served": N}
#   POST /api/notes           body {"text": "..."} -> 201 {"id": N, "text": "..."}
import os

import psycopg2
from flask import Flask, jsonify, request
from redis import Redis

app = Flask(__name__)
cache = Redis(host=os.environ.get("REDIS_HOST", "cache"), port=6379, socket_timeout=2)


def db():
    return psycopg2.connect(
        host=os.environ.get("POSTGRES_HOST", "db"),
        dbname=os.environ.get("POSTGRES_DB", "app"),
        user=os.environ.get("POSTGRES_USER", "postgres"),
        password=os.environ["POSTGRES_PASSWORD"],
        connect_timeout=3,
    )


def migrate():
    with db() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, text text NOT NULL)")


@app.get("/api/health")
def health():
    with db() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
    cache.ping()
    return jsonify(status="ok")


@app.get("/api/notes")
def list_notes():
    with db() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, text FROM notes ORDER BY id")
        notes = [{"id": i, "text": t} for (i, t) in cur.fetchall()]
    return jsonify(notes=notes, served=cache.incr("served"))


@app.post("/api/notes")
def add_note():
    body = request.get_json(silent=True) or {}
    text = body.get("text")
    if not isinstance(text, str) or text == "":
        return jsonify(error='send {"text": "..."}'), 400
    with db() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO notes (text) VALUES (%s) RETURNING id", (text,))
        (note_id,) = cur.fetchone()
    return jsonify(id=note_id, text=text), 201


if __name__ == "__main__":
    migrate()
    app.run(host="0.0.0.0", port=5000)
