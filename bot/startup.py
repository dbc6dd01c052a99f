"""Why startup failed, in one line that names the cause and the setting to look at.

The operator of a bot that cannot start needs the setting to fix, not 200 lines of traceback; and some of
those lines are dangerous: python-telegram-bot's InvalidToken message holds the whole token, and a database
driver's may hold the URL with its password. So exception messages are never printed raw here: each known
failure gets a sentence of our own, with only the parts of the settings that are not secret (host, port,
database name, file path).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.config import Settings

TELEGRAM_DEFAULT_HOST = "api.telegram.org"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, DBAPIError) and isinstance(current.orig, BaseException):
            yield current.orig
        current = current.__cause__ or current.__context__


def _where_db(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite file {parsed.database or ':memory:'}"
    host = parsed.host or "localhost"
    return f"PostgreSQL at {host}:{parsed.port or 5432}, database {parsed.database or '(none)'!r}"


def _api_host(settings: Settings) -> str:
    if not settings.telegram_api_base_url:
        return TELEGRAM_DEFAULT_HOST
    return urlsplit(settings.telegram_api_base_url).netloc or settings.telegram_api_base_url


async def check_bot_api(settings: Settings) -> None:
    """getMe once before python-telegram-bot's own start, whose bootstrap would log a traceback (and, for a
    rejected token, the token itself in InvalidToken's message) before we could say it in one line."""
    assert settings.token is not None
    base_url = settings.telegram_api_base_url or "https://api.telegram.org/bot"
    async with Bot(settings.token, base_url=base_url.rstrip("/")) as bot:
        await bot.get_me()


def explain(exc: BaseException, settings: Settings) -> str | None:
    """One line for a startup failure we know, or None (then the caller logs it, redacted, with traceback)."""
    chain = list(_chain(exc))
    db = f"DATABASE_URL: {_where_db(settings.database_url)}"
    for cause in chain:
        if isinstance(cause, InvalidToken):
            return "startup failed: TELEGRAM_BOT_TOKEN: the Bot API server rejected the token (401 Unauthorized)"
        if isinstance(cause, (TimedOut, NetworkError)):
            return (
                f"startup failed: TELEGRAM_API_BASE_URL: the Bot API server {_api_host(settings)} cannot be "
                f"reached ({type(cause).__name__})"
            )
    names = {type(c).__name__ for c in chain}
    messages = " ".join(str(c) for c in chain if isinstance(c, (sqlite3.Error, OSError))).lower()
    for cause in chain:
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC or "disk is full" in messages:
            return f"startup failed: {db}: the disk is full"
    if "InvalidCatalogNameError" in names:
        return f"startup failed: {db}: that database does not exist"
    if "InvalidPasswordError" in names or "InvalidAuthorizationSpecificationError" in names:
        return f"startup failed: {db}: the server refused the user name or password"
    for cause in chain:
        if isinstance(cause, (ConnectionError, TimeoutError)) or (
            isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH)
        ):
            return f"startup failed: {db}: cannot connect ({type(cause).__name__})"
        if type(cause).__name__ == "gaierror":
            return f"startup failed: {db}: the host name cannot be resolved"
    for cause in chain:
        if isinstance(cause, (IsADirectoryError, NotADirectoryError)):
            return f"startup failed: {db}: a folder is in the way of the file or its folder"
        if isinstance(cause, PermissionError):
            return f"startup failed: {db}: no permission to create or write it"
        if isinstance(cause, ArgumentError):
            return f"startup failed: {db}: the URL is malformed"
    for cause in chain:
        if isinstance(cause, OSError) and cause.strerror:
            return f"startup failed: {db}: cannot create it or its folder ({cause.strerror})"
    if "unable to open database file" in messages or "readonly database" in messages:
        return f"startup failed: {db}: cannot open or write it (missing permission, or a folder in its place)"
    if "not a database" in messages:
        return f"startup failed: {db}: that file is not a SQLite database"
    if "database is locked" in messages:
        return f"startup failed: {db}: locked by another process"
    return None
