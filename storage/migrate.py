"""Brings a database's schema to the newest migration; cheap and safe to call at every startup.

Also a small command line, since there is no alembic.ini (DATABASE_URL or the default URL is used):
    python -m storage.migrate                      upgrade to the newest revision
    python -m storage.migrate revision "message"   autogenerate a new migration from storage.models
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import DEFAULT_URL

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Any fixed number: instances starting together take turns upgrading a PostgreSQL database.
_PG_LOCK_KEY = 0x52454B49


def alembic_config(url: str) -> Config:
    """An Alembic Config built in code: no alembic.ini, no dependence on the current directory."""
    config = Config()
    # Config options go through configparser interpolation: a literal % must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = url
    return config


def ensure_sqlite_folder(url: str) -> None:
    """Creates the folder of a SQLite database file (sqlite+aiosqlite:///data/coach.db needs ./data)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Opened once here, synchronously: a file that cannot be opened (a folder in its place, no permission)
    # fails with one clear error, not in aiosqlite's worker thread, which may print a traceback at exit.
    sqlite3.connect(path).execute("PRAGMA user_version").connection.close()


async def upgrade_to_head(url: str) -> None:
    """Upgrades the database at `url` (sqlite+aiosqlite or postgresql+asyncpg) to the newest revision."""
    ensure_sqlite_folder(url)
    # asyncpg waits 60 s for an unreachable server by default: a startup that fails should say so sooner.
    connect_args = {"timeout": 10} if make_url(url).get_backend_name() == "postgresql" else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        # Wait for another process's lock; foreign keys stay off, as SQLite table rebuilds require.
        event.listen(engine.sync_engine, "connect", _sqlite_busy_timeout)
    config = alembic_config(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            await connection.run_sync(_upgrade, config)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def main(argv: list[str]) -> None:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if argv[:1] == ["revision"] and len(argv) == 2:
        asyncio.run(upgrade_to_head(url))  # autogenerate compares against an up-to-date database
        command.revision(alembic_config(url), message=argv[1], autogenerate=True)
    elif not argv:
        asyncio.run(upgrade_to_head(url))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
