"""Engines and sessions: one async engine per database URL, SQLite tuned on connect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

DEFAULT_URL = "sqlite+aiosqlite:///data/coach.db"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer
    "PRAGMA busy_timeout=5000",  # wait for another process's write lock instead of failing at once
    "PRAGMA foreign_keys=ON",  # SQLite leaves them off per connection unless asked
    "PRAGMA synchronous=NORMAL",  # safe with WAL; commits skip an fsync
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`: SQLite gets WAL, busy_timeout, foreign keys; PostgreSQL a bounded pool."""
    if is_sqlite(url):
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=30,
        pool_pre_ping=True,  # a restarted server or idle-closed connection is noticed before use
        pool_recycle=1800,
        # Short OLTP queries: JIT compilation only adds latency.
        connect_args={"server_settings": {"jit": "off"}},
    )


# Inline, SQLite's busy handler would sleep on the event loop's thread and freeze every conversation while
# another process holds the lock. So the inline engine waits at most this long inside SQLite; the real wait for
# the lock happens at BEGIN IMMEDIATE, retried with asyncio sleeps (SqlStore._unit).
INLINE_BUSY_TIMEOUT_MS = 20


def create_inline_sqlite_engine(url: str) -> Engine:
    """A synchronous pysqlite engine on the same file as the sqlite+aiosqlite `url`.

    SqlStore runs SQLite statements with it directly on the event loop thread: a statement on a local WAL
    database takes microseconds, while aiosqlite's hop to its worker thread and back costs about 100 us per
    call, several calls per statement. Same pragmas as create_engine, but a short busy_timeout, and every
    transaction starts with BEGIN IMMEDIATE: the write lock is taken up front, where waiting for it costs
    nothing but an asyncio sleep, so no statement inside the transaction waits for another process.
    """
    engine = create_sync_engine(make_url(url).set(drivername="sqlite+pysqlite"))
    event.listen(engine, "connect", _inline_on_connect)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _inline_on_connect(dbapi_connection: Any, record: Any) -> None:
    _sqlite_on_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
    # pysqlite would open a deferred transaction by itself before the first write; BEGIN is ours instead.
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    # Straight to pysqlite: exec_driver_sql would cost more than the statement, once per transaction.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """ORM sessions for code that wants them; SqlStore itself works on plain connections (see store.py)."""
    return async_sessionmaker(engine, expire_on_commit=False)
