# Fig 1.0's quick start: a web page that counts its hits in Redis.
from flask import Flask
from redis import Redis
import os

app = Flask(__name__)
redis = Redis(host="redis", port=6379)


@app.route("/")
def hello():
    redis.incr("hits")
    return "Hello World! I have been seen %s times.\n" % redis.get("hits").decode()


if __name__ == "__main__":
    # debug: Flask's reloader restarts the app when app.py changes (the code is a volume).
    app.run(host="0.0.0.0", port=5000, debug=True)
