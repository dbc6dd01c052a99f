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
from coach.vocabulary import Facts, Journey, Pace, Prefs, Stage
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


async def seed(bot: Harness, journey: Journey) -> None:
    """She is already this far (the intake is tested elsewhere); the conversation below is real."""
    async with bot.store.transaction() as tx:
        await tx.users.touch(bot.user_id, bot.user_id, bot.clock.now)
        await tx.journeys.save(bot.user_id, journey, bot.clock.now)


def at(stage: Stage, **changes: object) -> Journey:
    base = Journey(facts=Facts(his_name="Mark"), awaiting=None, started_at=datetime(2026, 9, 1, tzinfo=UTC))
    return base.evolve(stage=stage, stage_since=datetime(2026, 10, 20, tzinfo=UTC), **changes)


async def test_draft_review_advice_names_him_without_placeholders(bot: Harness) -> None:
    await seed(bot, at(Stage.RECONNECT, unanswered=1, last_text_at=datetime(2026, 11, 1, tzinfo=UTC)))
    said = await bot.send("/check hey, how are you doing?")
    assert "Give him a couple of days" in said
    assert "{" not in said


async def test_good_to_send_does_not_offer_to_write_it_unsent(bot: Harness) -> None:
    await seed(bot, at(Stage.RECONNECT))
    said = await bot.send("/check hey, how have you been?")
    assert "Good to send" in said
    labels = [label for label, _ in bot.buttons()]
    assert "Write it unsent" not in labels and "I sent it" in labels
    said = await bot.press("I sent it")
    assert "couple of days" in said and (await bot.journey()).unanswered == 1


async def test_what_he_is_into_is_turned_into_a_phrase_and_memories_are_counted(bot: Harness) -> None:
    await seed(bot, at(Stage.REKINDLE))
    said = await bot.send("/memory")
    assert "No memories saved yet" in said
    await bot.send("our road trip to the coast")  # the /memory menu waits for the memory itself
    assert (await bot.journey()).facts.memories == ("our road trip to the coast",)
    said = await bot.send("/memory")
    assert "You've saved 1 good memory." in said
    await bot.press("What he's into now")
    await bot.send("hes training for the marathon")
    texts = ""
    for _ in range(4):
        texts += await bot.send("what should I text him?")
    assert "your training for the marathon" in texts
    assert "hes training" not in texts and "he's training" not in texts.lower()


async def test_the_second_text_is_not_called_unanswered_and_no_stale_did_he_reply(bot: Harness) -> None:
    await seed(bot, at(Stage.DISCUSS))
    said = await bot.send("I texted him")
    assert "couple of days" in said
    bot.clock.advance(days=1, hours=23)
    said = await bot.send("I texted him again")
    assert "second text" in said and "without an answer" not in said
    bot.clock.advance(hours=2)  # when the first text's "did he reply?" was due
    assert not [n for n in await bot.run_nudges() if "Did he reply?" in n]
    bot.clock.advance(days=2)
    assert [n for n in await bot.run_nudges() if "Did he reply?" in n], "asked once, after the wait"


async def test_help_me_answer_after_moving_on_when_he_reaches_out(bot: Harness) -> None:
    await seed(bot, at(Stage.MOVING_ON))
    said = await bot.send("he texted me out of the blue")
    assert "reached out" in said
    said = await bot.press("Help me answer")
    assert "earlier step" not in said
    assert await bot.stage() is Stage.DISCUSS
