"""Her data is hers (export, delete that leaves nothing), logs that hold no message text and no token,
and configuration that fails with one clear line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from bot.config import ConfigError, load_settings
from bot.logs import RedactingFormatter, redact
from storage.models import metadata
from tests.bot.harness import Harness

SECRET_TEXT = "my-very-private-words-7731"
# Telegram update ids only, nothing about her (and a small update id could pass for a user id here); send_slots
# has one row for the whole bot, about nobody.
NOT_ABOUT_HER = {"processed_updates", "send_slots"}


async def full_history(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    for label in ("This week", "He did"):
        await bot.press(label)
    await bot.send("he said I was distant")
    await bot.press("We still talk")
    await bot.send("Berlin")
    await bot.press("Yes, I'm sure")
    await bot.send("I was distant, that's true")  # no_contact: timers pending
    await bot.send(f"/journal {SECRET_TEXT}")
    await bot.send("/mood 2")
    await bot.send("/memory our trip to Lisbon")


def rows_mentioning(db_file: Path, values: set[Any]) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(f"sqlite:///{db_file}")
    found = []
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            if name in NOT_ABOUT_HER:
                continue
            for row in conn.execute(select(table)).mappings():
                cells = [
                    json.dumps(v, default=str) if isinstance(v, dict | list) else v for v in row.values()
                ]
                if any(
                    (isinstance(v, int) and v in values) or (isinstance(v, str) and SECRET_TEXT in v)
                    for v in cells
                ):
                    found.append((name, dict(row)))
    engine.dispose()
    return found


async def test_export_holds_everything_and_delete_leaves_nothing(bot: Harness, tmp_path: Path) -> None:
    await full_history(bot)
    other = Harness(bot.app, bot.request, bot.clock, bot.store, bot.coaching, bot.dispatcher, user_id=5151)
    await other.send("/start")

    await bot.send("/export")
    doc = bot.request.of("sendDocument")[-1]
    assert doc.params["chat_id"] == bot.user_id
    async with bot.store.transaction() as tx:
        exported = await tx.export(bot.user_id)
    text = json.dumps(exported, default=str)
    assert SECRET_TEXT in text and "Lisbon" in text and "Europe/Berlin" in text
    assert {"user", "journey", "history", "entries", "nudges"} <= set(exported)

    db = tmp_path / "coach.db"
    assert {t for t, _ in rows_mentioning(db, {bot.user_id})} == set(metadata.tables) - NOT_ABOUT_HER
    await bot.send("/delete")
    said = await bot.press("Yes, delete everything")
    assert "deleted" in said
    assert rows_mentioning(db, {bot.user_id}) == []
    assert rows_mentioning(db, {other.user_id}), "someone else's data is untouched"
    bot.clock.advance(days=30)
    assert not await bot.run_nudges(), "her nudges went with her"


async def test_delete_needs_the_button_and_no_keeps_everything(bot: Harness) -> None:
    await full_history(bot)
    await bot.send("/delete")
    await bot.press("No, keep it")
    assert (await bot.journey()).facts.his_name == "Sam"


async def test_logs_at_info_carry_no_message_text(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await full_history(bot)
    await bot.send(f"he said {SECRET_TEXT} to me")
    assert all(SECRET_TEXT not in r.getMessage() for r in caplog.records)
    assert "Lisbon" not in caplog.text


@pytest.mark.parametrize(
    "line",
    [
        "GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
        "token=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw failed",
    ],
)
def test_anything_shaped_like_a_token_is_redacted(line: str) -> None:
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in redact(line)


def test_the_configured_token_is_redacted_even_in_tracebacks() -> None:
    token = "42:short_secret_value_xyz"
    formatter = RedactingFormatter("%(message)s", (token,))
    try:
        raise RuntimeError(f"boom {token}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed with %s", (token,), None)
        import sys

        record.exc_info = sys.exc_info()
    out = formatter.format(record)
    assert "short_secret_value_xyz" not in out and "boom" in out


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"COACH_DAY_SECONDS": "abc"}, "COACH_DAY_SECONDS"),
        ({"COACH_DAY_SECONDS": "0"}, "COACH_DAY_SECONDS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"TELEGRAM_API_BASE_URL": "not a url"}, "TELEGRAM_API_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": "secret-but-malformed"}, "TELEGRAM_BOT_TOKEN"),
        ({"NUDGE_RATE": "100"}, "NUDGE_RATE"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    env: dict[str, str], name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the project
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert name in message and "\n" not in message
    assert "secret-but-malformed" not in message


def test_defaults_and_empty_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url == "sqlite+aiosqlite:///data/coach.db"
    assert settings.coach_day_seconds == 86400 and settings.log_level == "INFO"
