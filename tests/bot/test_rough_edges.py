"""Rough edges found by trying the bot as a new user would (issue 10), each through the real use case."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.chart import axis_dates
from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from coach.vocabulary import Journey, Pace, Prefs, Stage
from tests.bot.harness import Harness, make_harness


async def to_no_contact(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Mark")
    await bot.press("This month")
    await bot.press("He did")
    await bot.send("he said we fought too much")
    await bot.press("No contact")
    await bot.press("Less than a week")
    await bot.send("Berlin")
    await bot.press("Yes, I'm sure")
    await bot.send("I was always on my phone, there's truth in that")
    assert await bot.stage() is Stage.NO_CONTACT


async def test_a_short_program_day_brings_one_self_work_prompt_a_day(tmp_path: Path) -> None:
    bot = await make_harness(tmp_path, pace=Pace(timedelta(seconds=10)))
    try:
        await to_no_contact(bot)
        days = []
        for _ in range(5):
            bot.clock.advance(seconds=10)
            for text in await bot.run_nudges():
                if text.startswith("Day "):
                    days.append(int(text.split()[1]))
        # Last contact was three days before: day 5, then one prompt per program day (not "5, 6, 8, 9, 11").
        assert days == [5, 6, 7, 8, 9]
    finally:
        await bot.app.shutdown()
        await bot.store.close()


@pytest.mark.parametrize("value", ["0.5", "0.999", "-3"])
def test_a_program_day_under_one_second_is_refused_in_one_line(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_DAY_SECONDS", value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "COACH_DAY_SECONDS" in str(err.value) and "\n" not in str(err.value)


def test_one_second_is_the_shortest_program_day(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_DAY_SECONDS", "1")
    assert load_settings().coach_day_seconds == 1


def test_the_chart_time_axis_is_on_her_clock() -> None:
    import matplotlib.dates as mdates

    late_utc = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already 3 Nov in Tokyo, and 08:30 there
    tokyo = Journey(prefs=Prefs(timezone="Asia/Tokyo"))
    assert axis_dates(tokyo, Pace())(mdates.date2num(late_utc)) == "03 Nov"
    assert axis_dates(tokyo, Pace(timedelta(seconds=10)))(mdates.date2num(late_utc)) == "08:30:00"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {n: logging.getLogger(n).level for n in ("telegram", "telegram.ext", "httpx", "httpcore")}
    setup_logging("DEBUG")
    captured = io.StringIO()
    capture = logging.StreamHandler(captured)
    capture.setLevel(logging.DEBUG)
    root.addHandler(capture)
    yield captured
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_at_debug_her_words_and_his_name_stay_out_of_the_log(
    bot: Harness, debug_log: io.StringIO
) -> None:
    await bot.send("/start")
    await bot.send("Zebedee")
    await bot.send("he said my-private-words-5521 to me")
    logged = debug_log.getvalue()
    assert "update" in logged, "the test saw the log at all (our own debug line)"
    assert "Zebedee" not in logged and "my-private-words-5521" not in logged
