"""Logging that never shows the bot token, at any level.

httpx logs every request URL at INFO, and Telegram's URLs carry the token (`/bot<id>:<secret>/method`), so
httpx and httpcore stay at WARNING, and every line, tracebacks included, passes a redacting formatter that
removes anything shaped like a token plus the configured token itself.
"""

from __future__ import annotations

import logging
import re
import sys

_TOKEN_SHAPE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
REDACTED = "<redacted>"


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
        # The secret half alone (after the colon) is the sensitive part.
        _, _, tail = secret.partition(":")
        if len(tail) >= 10:
            text = text.replace(tail, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


def setup_logging(level: str, secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs whole updates at DEBUG (her words, his name): never below INFO, whatever the level.
    for chatty in ("telegram", "telegram.ext"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # SQL (with its parameters: her words) and library chatter never reach the log, whatever the level.
    quiet_ones = ("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "matplotlib", "PIL", "asyncio", "uvicorn.access")
    for quiet in quiet_ones:
        logging.getLogger(quiet).setLevel(logging.WARNING)
