"""Startup that cannot work stops with one line naming the cause and the setting: the real `python -m bot`."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.startup import explain
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_process import BotProcess
from tests.storage.conftest import POSTGRES_URL, needs_postgres

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
OTHER_TOKEN = "123456789:ZZzzTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def one_line_exit(env: dict[str, str], *, console: bool) -> tuple[int, str]:
    args = ("-m", "bot", "--console") if console else ("-m", "bot")
    with BotProcess(env, args=args) as bot:
        code = bot.wait_exit(timeout=60)
        output = bot.output()
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return code, lines[0]


def test_a_folder_in_place_of_the_sqlite_file(tmp_path: Path) -> None:
    (tmp_path / "coach.db").mkdir()
    code, line = one_line_exit({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/coach.db"}, console=True)
    assert code != 0 and "DATABASE_URL" in line and "coach.db" in line


def test_a_file_in_place_of_the_sqlite_folder(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    code, line = one_line_exit(
        {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/coach.db"}, console=True
    )
    assert code != 0 and "DATABASE_URL" in line and "folder" in line


def test_a_malformed_database_url() -> None:
    code, line = one_line_exit({"DATABASE_URL": "postgresql+asyncpg://me:secret@host:port/db"}, console=True)
    assert code != 0 and "DATABASE_URL" in line and "malformed" in line
    assert "secret" not in line


def test_postgresql_that_does_not_answer() -> None:
    code, line = one_line_exit({"DATABASE_URL": "postgresql+asyncpg://me:secret@127.0.0.1:1/x"}, console=True)
    assert code != 0 and "DATABASE_URL" in line and "cannot connect" in line
    assert "secret" not in line


@needs_postgres
def test_a_postgresql_database_that_does_not_exist() -> None:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL).set(database="rekindle_no_such_db").render_as_string(hide_password=False)
    code, line = one_line_exit({"DATABASE_URL": url}, console=True)
    assert code != 0 and "does not exist" in line and "DATABASE_URL" in line


def test_a_token_the_server_rejects_never_shows_the_token(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/coach.db", TELEGRAM_BOT_TOKEN=OTHER_TOKEN)
        code, line = one_line_exit(env, console=False)
    assert code != 0 and "TELEGRAM_BOT_TOKEN" in line and "rejected" in line
    assert OTHER_TOKEN.split(":", 1)[1] not in line


def test_an_unreachable_bot_api(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/coach.db",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot",
    }
    code, line = one_line_exit(env, console=False)
    assert code != 0 and "TELEGRAM_API_BASE_URL" in line and "cannot be reached" in line
    assert TOKEN.split(":", 1)[1] not in line


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full")),
    ],
)
def test_a_full_disk_is_named(error: Exception, tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    try:
        raise RuntimeError("migration failed") from error
    except RuntimeError as exc:
        line = explain(exc, settings)
    assert line is not None and "disk is full" in line and "DATABASE_URL" in line
