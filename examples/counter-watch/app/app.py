# The hit counter of examples/fig-counter, for the dev loop: edit this file while
# `tsfig watch` runs and the next request answers with the new code (the file is synced into
# the container and Flask's reloader picks it up; the container is not restarted).
from pathlib import Path

from flask import Flask
from redis import Redis

app = Flask(__name__)
redis = Redis(host="redis", port=6379)
# The dependency file as the image was built with it: a change to it rebuilds the image.
DEPS = ", ".join(
    line.strip()
    for line in Path("/code/requirements.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)


@app.route("/")
def hello():
    count = redis.incr("hits")
    return "Hello from the dev loop! I have been seen %s times. (built with: %s)\n" % (count, DEPS)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=True)
