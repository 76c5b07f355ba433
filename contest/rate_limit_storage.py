"""Rate-limit counters in Redis, and in the database while Redis cannot be reached.

Flask-Limiter's own fallback keeps counters in each process's memory, so with Redis
down a limit of 10 became 10 per worker (50 with five workers) without a word in the
log. Here the limiter's storage is ``failover+redis://…`` (``_configure_limiter`` sets
it whenever ``REDIS_URL`` is): every call goes to Redis; when Redis fails, the call is
made on the ``rate_limit_counter`` table instead, which every worker and every app
server shares, so a limit stays what it says. Redis is tried again after
``RETRY_SECONDS``; its error is logged at most once a minute, and its return once.

Counters restart when the store changes (Redis down, then back): around an outage a
limit can let through up to twice its number once, never more.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

import redis
import sqlalchemy as sa
from limits.storage import RedisStorage, Storage

from contest.models.rate_limit import RateLimitCounter

log = logging.getLogger(__name__)

SCHEME_PREFIX = "failover+"
#: Seconds before Redis is tried again after a failure (requests meanwhile go straight
#: to the database instead of each waiting for a connection timeout).
RETRY_SECONDS = 5.0
#: The Redis error is logged at most this often while it lasts.
LOG_INTERVAL_SECONDS = 60.0
#: A reachable but silent Redis must not hold a request for long.
REDIS_TIMEOUT_SECONDS = 0.5
MAX_KEY_LENGTH = 255
_table = RateLimitCounter.__table__


def _key(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseCounters:
    """Fixed-window counters in ``rate_limit_counter``, one atomic statement each.

    Runs on the app's engine (``db.engine``, so inside an app context, as every limit
    check is), on its own short transaction: never the request's session.
    """

    def __init__(self) -> None:
        self._calls = 0

    @staticmethod
    def _engine() -> sa.Engine:
        from contest.extensions import db

        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = self._engine()
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(_table).values(key=_key(key), count=amount, expires_at=now + expiry)
        expired = _table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=_table.c.count + amount),
                "expires_at": sa.case((expired, now + expiry), else_=_table.c.expires_at),
            },
        ).returning(_table.c.count)
        with engine.begin() as conn:
            count = conn.execute(statement).scalar_one()
            self._calls += 1
            if self._calls % 1000 == 0:  # now and then, drop windows long over
                conn.execute(sa.delete(_table).where(_table.c.expires_at < now - 3600))
        return int(count)

    def _row(self, key: str):
        with self._engine().connect() as conn:
            return conn.execute(
                sa.select(_table.c.count, _table.c.expires_at).where(
                    _table.c.key == _key(key), _table.c.expires_at > time.time())
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as conn:
                conn.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int:
        with self._engine().begin() as conn:
            return conn.execute(sa.delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as conn:
            conn.execute(sa.delete(_table).where(_table.c.key == _key(key)))


class RedisWithDatabaseFallback(Storage):
    """``failover+redis://…``: Redis first; the database while Redis fails."""

    STORAGE_SCHEME = [SCHEME_PREFIX + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        options.setdefault("socket_connect_timeout", REDIS_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", REDIS_TIMEOUT_SECONDS)
        self.redis = RedisStorage(uri.removeprefix(SCHEME_PREFIX), **options)
        self.database = DatabaseCounters()
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._logged_at: float | None = None
        self._failing = False

    @property
    def base_exceptions(self):
        return (redis.RedisError, sa.exc.SQLAlchemyError)

    def _redis_failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + RETRY_SECONDS
            self._failing = True
            if self._logged_at is not None and now - self._logged_at < LOG_INTERVAL_SECONDS:
                return
            self._logged_at = now
        log.error("Redis cannot be reached for the rate limits (%s: %s); counting in the "
                  "database until it answers again", type(error).__name__, error)

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._retry_at:
            try:
                result = getattr(self.redis, name)(*args, **kwargs)
            except redis.RedisError as error:
                self._redis_failed(error)
            else:
                if self._failing:
                    with self._lock:
                        back, self._failing = self._failing, False
                    if back:
                        log.warning("Redis answers again; rate limits counted there again")
                return result
        return getattr(self.database, name)(*args, **kwargs)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount=amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return bool(self._call("check")) or self.database.check()

    def reset(self) -> int | None:
        try:
            self.redis.reset()
        except redis.RedisError as error:
            self._redis_failed(error)
        return self.database.reset()

    def clear(self, key: str) -> None:
        try:
            self.redis.clear(key)
        except redis.RedisError as error:
            self._redis_failed(error)
        self.database.clear(key)
