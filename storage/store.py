"""SqlStore: coach.ports.Store over SQLAlchemy, one connection and one database transaction per unit."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RootTransaction, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from coach.ports import Entries, History, Journeys, Nudges, Outbox, Updates, Users
from storage.db import create_engine, create_inline_sqlite_engine, is_sqlite
from storage.migrate import upgrade_to_head
from storage.repositories import (
    Executor,
    InlineConnection,
    SqlEntries,
    SqlHistory,
    SqlJourneys,
    SqlNudges,
    SqlOutbox,
    SqlUpdates,
    SqlUsers,
    delete_user,
    export_user,
    nudge_backlog,
    statements_for,
)

# How long a transaction waits for another process's write lock on a SQLite file (busy_timeout's old 5 s).
LOCK_WAIT_S = 5.0


class SqlTransaction:
    """coach.ports.Transaction: the repositories, all on the same connection and transaction."""

    def __init__(self, conn: Executor) -> None:
        sql = statements_for(conn.dialect.name)
        self._conn = conn
        self._journeys = SqlJourneys(conn, sql)
        self._history = SqlHistory(conn, sql)
        # Typed as the ports: Protocol attributes are invariant, so Transaction needs exactly these types.
        self.users: Users = SqlUsers(conn, sql)
        self.journeys: Journeys = self._journeys
        self.history: History = self._history
        self.entries: Entries = SqlEntries(conn, sql)
        self.nudges: Nudges = SqlNudges(conn, sql)
        self.outbox: Outbox = SqlOutbox(conn, sql)
        self._updates = SqlUpdates(conn, sql)
        self.updates: Updates = self._updates

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything held about her: user, journey, history, entries, nudges; JSON-ready."""
        await self.flush()
        return await export_user(self._conn, user_id)

    async def delete_everything(self, user_id: int) -> None:
        """Removes every row about her from every table."""
        await self.flush()
        await delete_user(self._conn, user_id)
        self._journeys.forget(user_id)

    @property
    def conn(self) -> Executor:
        return self._conn

    async def prune_updates(self, before: datetime) -> int:
        return await self._updates.prune(before)

    async def flush(self) -> None:
        """Writes what is buffered (history); done before every commit."""
        await self._history.flush()


class _Gate:
    """Lets one transaction at a time through to a SQLite file, and knows which task holds it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None


# Per event loop (asyncio locks belong to one loop), per database file: every SqlStore on the same file in this
# process shares the gate, so a second store (say, the nudge dispatcher's) queues instead of colliding.
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Gate]] = weakref.WeakKeyDictionary()


def _sqlite_gate(key: str) -> _Gate:
    per_loop = _gates.setdefault(asyncio.get_running_loop(), {})
    if key not in per_loop:
        per_loop[key] = _Gate()
    return per_loop[key]


def _sqlite_file_key(url: str) -> str:
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return f"{url}#{uuid.uuid4()}"  # private to this store
    return os.path.realpath(database)


class SqlStore:
    """coach.ports.Store for any SQLAlchemy async URL (sqlite+aiosqlite, postgresql+asyncpg).

    SQLite (one instance only) is run inline by default: statements execute synchronously on the event loop
    thread through pysqlite, because each takes microseconds while aiosqlite's thread hops cost ~100 us
    apiece (about 10x the throughput; see storage.db.create_inline_sqlite_engine). `inline_sqlite=False`
    uses aiosqlite instead. Either way this store's SQLite transactions run one at a time: SQLite has one
    writer, and queueing here is cheaper than connections sleeping in its busy handler (which, inline, would
    stall the loop). The queue is shared by all stores on the same file in this process. So a transaction
    must not open another in the same task; that is refused, not hung. Another *process* holding the file's
    write lock is waited for at BEGIN IMMEDIATE with asyncio sleeps, so the loop keeps serving everyone else
    meanwhile (see _begin_immediate). Still: one instance on SQLite.
    PostgreSQL uses the async engine and runs transactions concurrently.
    """

    def __init__(self, url: str, *, inline_sqlite: bool = True) -> None:
        self.url = url
        sqlite = is_sqlite(url)
        self.inline = sqlite and inline_sqlite
        self.engine = None if self.inline else create_engine(url)
        self.sync_engine = create_inline_sqlite_engine(url) if self.inline else None
        self._gate_key = _sqlite_file_key(url) if sqlite else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTransaction]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        if self._gate_key is None:
            async with self._unit() as tx:
                yield tx
            return
        gate = _sqlite_gate(self._gate_key)
        task = asyncio.current_task()
        if task is not None and gate.owner is task:
            raise RuntimeError("nested SqlStore.transaction() on SQLite would wait for itself")
        async with gate.lock:
            gate.owner = task
            try:
                async with self._unit() as tx:
                    yield tx
            finally:
                gate.owner = None

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[SqlTransaction]:
        # A plain connection in a transaction, not an ORM Session: nothing here uses the ORM, and the Session's
        # bookkeeping cost a quarter of the SQLite throughput.
        if self.sync_engine is not None:
            with self.sync_engine.connect() as conn, await _begin_immediate(conn):
                tx = SqlTransaction(InlineConnection(conn))
                yield tx
                await tx.flush()
            return
        assert self.engine is not None
        async with self.engine.begin() as aconn:
            tx = SqlTransaction(aconn)
            yield tx
            await tx.flush()

    async def ping(self) -> None:
        """Raises unless the database answers `SELECT 1`."""
        async with self.transaction() as tx:
            await tx.conn.execute(text("SELECT 1"))

    async def nudge_backlog(self, now: datetime) -> tuple[int, float]:
        """Pending nudges, and how late in seconds the oldest due one is (for /metrics)."""
        async with self.transaction() as tx:
            return await nudge_backlog(tx.conn, now)

    async def prune_updates(self, before: datetime) -> int:
        """Forgets handled update_ids older than `before` (Telegram stopped redelivering them long ago)."""
        async with self.transaction() as tx:
            return await tx.prune_updates(before)

    async def close(self) -> None:
        if self.sync_engine is not None:
            self.sync_engine.dispose()
        if self.engine is not None:
            await self.engine.dispose()


async def _begin_immediate(conn: Connection) -> RootTransaction:
    """BEGIN IMMEDIATE (storage.db's begin hook), waiting for another process's write lock with asyncio sleeps,
    not on the loop's thread, up to about LOCK_WAIT_S; then "database is locked" goes up."""
    waited, delay = 0.0, 0.002
    while True:
        try:
            return conn.begin()
        except (OperationalError, sqlite3.OperationalError) as exc:
            if "locked" not in str(getattr(exc, "orig", exc)) or waited >= LOCK_WAIT_S:
                raise
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.1)


async def open_store(url: str) -> SqlStore:
    """Upgrades the schema to the newest migration, then opens the store."""
    await upgrade_to_head(url)
    return SqlStore(url)
