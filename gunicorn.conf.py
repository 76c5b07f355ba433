"""gunicorn settings for the contest platform: ``gunicorn --config gunicorn.conf.py wsgi:app``.

Every value can be overridden by an environment variable (GUNICORN_*) so one
file serves a 2-core ward server and a bigger provincial one; see docs/deploy.md.

Why gthread: a request here is short and waits on PostgreSQL and Redis in between
(saving an answer is the pool's pre-ping, one guarded UPDATE in autocommit, and the
rate limit's Redis command). Threads let one process overlap those waits at a
fraction of the memory of more processes, and nginx in front buffers slow phones, so
no worker thread is held by a resident on 3G. Four threads per worker stay under
SQLAlchemy's default pool size (5), so a thread never waits for a connection and the
overflow (10) is never opened: each worker holds at most 5 PostgreSQL connections.
``sync`` workers would also be correct, just need more processes (and connections)
for the same throughput.

Why 2 × cores + 1 processes and not more threads: the Python work of a request
holds the GIL, so one process uses at most one core however many threads it has;
the processes are what use both cores, the threads only cover the database waits.
On the 2-core benchmark machine (docs/deploy.md §9) that is 5 × 4 = 20 requests in
flight, enough to keep both cores and PostgreSQL busy; more only queues inside the
server instead of in nginx.
"""

from __future__ import annotations

import multiprocessing
import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


_cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual 2 × cores + 1, capped: beyond ~12 processes a single app server
# only adds PostgreSQL connections (workers × pool 5) and memory.
workers = _int_env("GUNICORN_WORKERS", min(2 * _cores + 1, 12))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int_env("GUNICORN_THREADS", 4)

# A request that takes longer than this is stuck (a page here takes milliseconds);
# the master kills and replaces its worker.
timeout = _int_env("GUNICORN_TIMEOUT", 30)
# On reload/stop, let in-flight saves finish before workers are killed.
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Slightly above nginx's upstream keepalive_timeout (see docs/deploy.md).
keepalive = _int_env("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow; jitter avoids all at once.
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int_env("GUNICORN_MAX_REQUESTS_JITTER", 500)

# Each worker builds its own app and its own database pool after the fork:
# preloading would share one pool's sockets between processes.
preload_app = False

# Logs to stdout/stderr for journald or the container runtime.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# No client address, no query string, no referrer or user agent: personal data stays
# out of the logs (Nghị định 13/2023). %(U)s is the path without the query string.
access_log_format = (
    '%({x-request-id}o)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
)

# The heartbeat file on tmpfs: a slow disk must not make the master think a worker hung.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's documented choice, not a temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# X-Forwarded-* is handled by the app's ProxyFix (CONTEST_PROXY_FIX_*), not by gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
