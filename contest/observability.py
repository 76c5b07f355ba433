"""Structured request logs: one JSON line per request on the ``contest.requests`` logger.

What a line holds: a request id, the method, the path WITHOUT its query string,
the endpoint, the status and the duration in milliseconds. What it never holds:
query strings, form or JSON bodies, cookies, user agents or client addresses.
An IP address is personal data under Nghị định 13/2023/NĐ-CP and the logs are
kept longer and shared more widely than the database, so we leave it out
entirely (nginx's own log, if the operator keeps one, is the place to decide
otherwise). Paths carry only random public ids (attempts, participants), never
names or phone numbers.

The request id is the caller's ``X-Request-ID`` when it looks like an id (so a
line can be matched with nginx's log), otherwise a fresh random one; it is sent
back in the ``X-Request-ID`` response header.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

REQUEST_LOGGER_NAME = "contest.requests"
REQUEST_ID_HEADER = "X-Request-ID"
#: Letters, digits and a few separators, bounded: anything else could forge log lines.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

request_logger = logging.getLogger(REQUEST_LOGGER_NAME)


class JsonLineFormatter(logging.Formatter):
    """The record's ``fields`` dict as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {"message": record.getMessage()}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (test runners and servers swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _request_id_from(header_value: str | None) -> str:
    if header_value and _SANE_REQUEST_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Register the hooks; call early in the factory so the timer starts first."""
    if not request_logger.handlers:
        # Own handler and no propagation: one line per request even when the
        # root logger is configured differently (gunicorn, flask run).
        handler = _CurrentStderrHandler()
        handler.setFormatter(JsonLineFormatter())
        request_logger.addHandler(handler)
        request_logger.setLevel(logging.INFO)
        request_logger.propagate = False

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()
        g.request_id = _request_id_from(request.headers.get(REQUEST_ID_HEADER))

    @app.after_request
    def _log_request(response):
        # A request refused before our before_request ran (none should be, as
        # we register first) still gets an id and a line.
        request_id = g.get("request_id") or _request_id_from(None)
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else None
        response.headers[REQUEST_ID_HEADER] = request_id
        request_logger.info(
            "request",
            extra={
                "fields": {
                    "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 2) if duration_ms is not None else None,
                }
            },
        )
        return response
