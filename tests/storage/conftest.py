"""Storage fixtures: every test runs on SQLite (inline and through aiosqlite) and, where TEST_POSTGRES_URL is
set, on PostgreSQL in a database of its own that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import upgrade_to_head
from storage.store import SqlStore

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")


@dataclass(frozen=True)
class Backend:
    name: str  # "sqlite", "sqlite-aiosqlite" or "postgresql"
    url: str

    @property
    def inline_sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def store(self) -> SqlStore:
        return SqlStore(self.url, inline_sqlite=self.inline_sqlite)


async def _admin(statement: str) -> None:
    """Runs CREATE/DROP DATABASE, which refuse to run inside a transaction, on the test server."""
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new database on TEST_POSTGRES_URL's server (so parallel runs never collide), dropped afterwards."""
    name = f"rekindle_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("sqlite-aiosqlite", id="sqlite-aiosqlite"),
    pytest.param("postgresql", id="postgresql", marks=needs_postgres),
]


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A fresh, empty database (not migrated yet). The SQLite file's folder does not exist yet either."""
    if request.param == "postgresql":
        async with fresh_postgres_database() as url:
            yield Backend(request.param, url)
    else:
        yield Backend(request.param, f"sqlite+aiosqlite:///{tmp_path / 'db' / 'coach.db'}")


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[SqlStore]:
    """A store on a migrated database."""
    await upgrade_to_head(backend.url)
    opened = backend.store()
    try:
        yield opened
    finally:
        await opened.close()
