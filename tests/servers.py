"""Real servers for the tests that need them: gunicorn instances of the app, nginx in
front, and a resident or organiser speaking HTTP to them with their own cookies."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


class HttpClient:
    """A browser without a screen: its own cookies, forms, JSON and file uploads."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def on(self, base: str) -> HttpClient:
        """The same browser (same cookies) talking to another server."""
        twin = HttpClient(base)
        twin.cookies, twin.opener = self.cookies, self.opener
        return twin

    def request(self, path: str, *, form=None, payload=None, files=None, headers=None,
                follow: bool = True) -> tuple[int, bytes, str]:
        """(status, body, final URL); status 0 when the connection failed."""
        data, extra = None, dict(headers or {})
        headers = {}
        if files is not None:
            data, content_type = _multipart(form or {}, files)
            headers = {"Content-Type": content_type}
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        if payload is not None:
            data = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
        req = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path, data=data, headers={**headers, **extra})
        opener = self.opener if follow else urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())
        try:
            with opener.open(req, timeout=30) as response:
                return response.status, response.read(), response.url
        except urllib.error.HTTPError as error:
            try:
                return error.code, error.read(), error.headers.get("Location", "")
            except (http.client.HTTPException, OSError):
                return 0, b"", ""  # an error reply cut off mid-way: not acknowledged either
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            # Refused, reset, or cut off mid-response (a killed worker): not acknowledged.
            return 0, b"", ""

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        status, body, _ = self.request(path)
        match = CSRF_RE.search(body.decode())
        assert status == 200 and match, (path, status, body[:300])
        return match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f'\r\n\r\n{item}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def wait_until_healthy(base: str, process: subprocess.Popen, log: Path,
                       timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while HttpClient(base).request("/healthz")[0] != 200:
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        assert time.monotonic() < deadline, f"{base} did not start"
        time.sleep(0.3)


def stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def gunicorn(env: dict, port: int, log: Path, target: str = "wsgi:app"):
    """The app under gunicorn with the repository's settings, on 127.0.0.1:``port``."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", target],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
            yield process
        finally:
            stop_process_group(process)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size 6m;
    upstream contest {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://contest;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""


@contextmanager
def nginx_round_robin(upstream_ports: list[int], port: int, run_dir: Path):
    """nginx from Debian's package with its own configuration: round-robin, no stickiness."""
    run_dir.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;"
                        for p in upstream_ports)
    conf = run_dir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(run=run_dir, servers=servers, port=port))
    log = run_dir / "stdout.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(run_dir)],
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process, run_dir / "error.log")
            yield process
        finally:
            stop_process_group(process)
