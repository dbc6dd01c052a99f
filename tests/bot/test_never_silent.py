"""She is never left without an answer: what fuzzing found (issue 12), each through the real adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from coach.ports import HistoryKind
from coach.vocabulary import Question, Stage
from tests.bot.harness import Harness, make_harness
from tests.bot.test_telegram_journeys import intake
from tests.storage.conftest import fresh_postgres_database, needs_postgres


async def to_who_ended(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    assert "Who ended it?" in await bot.press("1-3 months ago")


@pytest.mark.parametrize("command", ["/delete", "/reset"])
async def test_no_keep_it_during_intake_asks_the_question_again(bot: Harness, command: str) -> None:
    await to_who_ended(bot)
    await bot.send(command)
    said = await bot.press(next(label for label, _ in bot.buttons() if label.lower().startswith("no")))
    assert "Who ended it?" in said
    assert (await bot.journey()).awaiting is Question.WHO_ENDED
    assert "What reason did Sam give" in await bot.press("He did")


async def test_no_keep_it_typed_during_intake_then_any_text_is_answered(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    await bot.send("/delete")
    said = await bot.send("no")
    assert "When did things end with Sam?" in said
    for text in ("hello?", "are you there", "a while ago"):
        assert await bot.send(text), f"no answer to {text!r}"


async def test_settings_during_intake_go_back_to_the_intake(bot: Harness) -> None:
    await to_who_ended(bot)
    await bot.send("/settings")
    await bot.press(next(label for label, data in bot.buttons() if "name" in data.lower()))
    said = await bot.send("Tom")
    assert await bot.send("hi"), "answered after the settings"
    assert (await bot.journey()).awaiting is Question.WHO_ENDED or "Who ended it?" in said


@pytest.mark.parametrize("odd", ["²", "③", "⁵"])
async def test_mood_with_digits_int_refuses_gets_the_range(bot: Harness, odd: str) -> None:
    await intake(bot)
    assert "1 (awful) to 5" in await bot.send(f"/mood {odd}")
    await bot.send("/mood")
    assert "1 (awful) to 5" in await bot.send(odd)
    assert "Noted" in await bot.send("4") or (await bot.journey()).awaiting is not Question.MOOD


async def test_a_number_like_character_is_no_button_choice(bot: Harness) -> None:
    await to_who_ended(bot)
    said = await bot.send("²")
    assert said and "went wrong" not in said.lower()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    if request.param == "postgresql":
        async with fresh_postgres_database() as url:
            h = await make_harness(tmp_path, url=url)
            yield h
            await h.app.shutdown()
            await h.store.close()
        return
    h = await make_harness(tmp_path)
    yield h
    await h.app.shutdown()
    await h.store.close()


async def test_control_characters_are_stripped_before_anything_is_stored(any_bot: Harness) -> None:
    bot = any_bot
    await bot.send("/start")
    said = await bot.send("S\x00a\x07m\ud800")
    assert "When did things end with Sam" in said
    await bot.send("/journal line one\x00\nline\ttwo\x1b")
    async with bot.store.transaction() as tx:
        history = await tx.history.recent(bot.user_id, 50)
    stored = "".join(item.text for item in history if item.kind is HistoryKind.MESSAGE_IN)
    assert "\x00" not in stored and "\x07" not in stored and "\x1b" not in stored
    assert "Sam" in stored
    assert await bot.stage() is Stage.INTAKE


@pytest.mark.parametrize("typed", ["2", "9", "0"])
async def test_a_bare_number_at_the_mood_question_is_her_answer_not_a_hunch(bot: Harness, typed: str) -> None:
    # The intent reader alone puts a self-harm hunch on some bare numbers; at the mood question they are her
    # answer (saved, or the range explained), never a question about hurting herself.
    await intake(bot)
    await bot.send("/mood")
    said = await bot.send(typed)
    assert "hurting yourself" not in said
    if typed == "2":
        assert "Low days are part of this" in said
        assert (await bot.journey()).awaiting is not Question.MOOD
    else:
        assert "1 (awful) to 5" in said
