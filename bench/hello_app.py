"""The machine's ceiling for bench_load.py: the smallest Flask app, under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "hello"
