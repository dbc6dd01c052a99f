"""Issue 9 through the real use case: a question back when unsure, a direct safety check, answers to the coach's
own questions, a first "hi", a script the readers don't know; in Telegram and in the console.

Where a test needs the readers to be unsure, it says so with a fixed reading (`reading_is`), so the mechanism is
tested, not one model's mood; where the real readers must be right, it uses them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.console import ConsoleChat
from bot.usecase import Coaching
from coach import program
from coach.ports import HistoryKind
from coach.understand import Reading
from coach.vocabulary import Intent, NoteKind, NudgeKind, Pace, Stage, Timer
from storage.store import open_store
from tests.bot.harness import Harness, at
from tests.fakes.clock import FakeClock


@pytest.fixture
def reading_is(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def fix(reading: Reading) -> None:
        monkeypatch.setattr(program, "read_words", lambda text: reading)

    return fix


async def journal(bot: Harness) -> list[str]:
    async with bot.store.transaction() as tx:
        return [e.text for e in await tx.entries.recent(bot.user_id, (NoteKind.JOURNAL,), 10)]


async def test_unsure_asks_with_the_likeliest_readings_and_her_pick_is_acted_on(
    bot: Harness, reading_is
) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.REKINDLE))
    reading_is(Reading(Intent.OTHER, 0.3, alternatives=(Intent.WE_MET, Intent.FEELING_DOWN)))
    said = await bot.send("well that was something")
    assert "Which is closest?" in said
    labels = [label for label, _ in bot.buttons()]
    assert labels == [
        "Something else",
        "We saw each other",
        "I'm having a hard time",
        "Just keep it in my journal",
    ]
    assert await bot.stage() is Stage.REKINDLE and await journal(bot) == []  # nothing acted on, nothing filed
    await bot.press("We saw each other")
    assert await bot.stage() is Stage.THE_OPTION  # her pick, handled as if she had said it plainly
    assert (await bot.journey()).unclear_text == ""


async def test_what_her_stage_waits_for_wins_a_close_call(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.RECONNECT, unanswered=1))
    reading_is(Reading(Intent.OTHER, 0.3, alternatives=(Intent.HE_REPLIED, Intent.FEELING_DOWN)))
    said = await bot.send("well he wrote something")
    assert "Which is closest?" not in said
    assert await bot.stage() is Stage.DISCUSS
    assert "That's not what I meant" in [label for label, _ in bot.buttons()]  # and one tap undoes it


async def test_just_keep_it_in_my_journal_keeps_her_words(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)))
    reading_is(Reading(Intent.OTHER, 0.3, alternatives=(Intent.PROGRESS,)))
    await bot.send("the lake at dusk reminded me of everything")
    await bot.press("Just keep it in my journal")
    assert await journal(bot) == ["the lake at dusk reminded me of everything"]


async def test_typing_on_instead_of_picking_leaves_the_old_question_behind(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.REKINDLE))
    reading_is(Reading(Intent.OTHER, 0.3, alternatives=(Intent.WE_MET,)))
    await bot.send("hmm so")
    old = bot.buttons()
    reading_is(Reading(Intent.PROGRESS, 0.9))
    await bot.send("where am i in all this")
    assert (await bot.journey()).unclear_text == ""
    said = await bot.press_data(next(d for label, d in old if label == "We saw each other"))
    assert "from earlier" in said
    assert await bot.stage() is Stage.REKINDLE


async def test_a_possible_self_harm_reading_gets_a_direct_check_and_yes_gets_care(
    bot: Harness, reading_is
) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)))
    reading_is(Reading(Intent.FEELING_DOWN, 0.5, check=Intent.CRISIS))
    said = await bot.send("i gave my cat to the neighbour, she'll be better off")
    assert "are you thinking about hurting yourself" in said
    assert [label for label, _ in bot.buttons()] == ["Yes", "No, I'm safe"]
    said = await bot.press("Yes")
    assert "findahelpline.com" in said
    assert (await bot.journey()).quiet_until is not None


async def test_no_im_safe_goes_on_with_what_she_said(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)))
    reading_is(Reading(Intent.FEELING_DOWN, 0.8, check=Intent.CRISIS))
    await bot.send("everything feels heavy today")
    said = await bot.press("No, I'm safe")
    assert "Thank you for telling me" in said
    assert "findahelpline" not in said
    assert (await bot.journey()).quiet_until is None


async def test_the_safety_check_comes_before_an_intake_answer(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.send("/start")
    await bot.send("Mark")
    await bot.press("This month")
    await bot.press("He did")
    reading_is(Reading(Intent.OTHER, 0.5, check=Intent.CRISIS))
    said = await bot.send("he said i was too much. maybe everyone would be lighter without me")
    assert "are you thinking about hurting yourself" in said
    await bot.press("No, I'm safe")
    j = await bot.journey()
    assert j.facts.his_reason.startswith("he said i was too much")  # then taken as the answer it was


async def test_nope_not_even_read_answers_did_he_reply(bot: Harness) -> None:
    await bot.seed(
        at(Stage.RECONNECT, unanswered=1, last_text_at=datetime(2026, 11, 1, tzinfo=UTC)),
    )
    async with bot.store.transaction() as tx:
        await tx.nudges.apply(
            bot.user_id, (Timer(NudgeKind.DID_HE_REPLY, bot.clock.now),), frozenset(), bot.clock.now
        )
    sent = await bot.run_nudges()
    assert any("Did he reply?" in s for s in sent)
    said = await bot.send("nope, not even read")
    assert "journal" not in said.lower()
    assert "No answer yet" in said
    async with bot.store.transaction() as tx:
        assert not await tx.entries.recent(bot.user_id, (NoteKind.JOURNAL,), 10)


async def test_hi_as_a_first_message_is_not_his_name(bot: Harness) -> None:
    said = await bot.send("hi")
    assert "What should I call him?" in said
    j = await bot.journey()
    assert j.facts.his_name == ""
    said = await bot.send("hello?")
    assert (await bot.journey()).facts.his_name == ""
    assert "What should I call him?" in said
    await bot.send("his name is Mark")
    assert (await bot.journey()).facts.his_name == "Mark"


async def test_a_script_the_readers_dont_know_is_asked_about(bot: Harness) -> None:
    await bot.seed(at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)))
    said = await bot.send("我今天很想他")
    assert "English" in said
    await bot.press("Just keep it in my journal")
    assert await journal(bot) == ["我今天很想他"]


async def test_her_unclear_words_are_in_her_export(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.REKINDLE))
    reading_is(Reading(Intent.OTHER, 0.3, alternatives=(Intent.WE_MET,)))
    await bot.send("secret-words-4411")
    async with bot.store.transaction() as tx:
        data = await tx.export(bot.user_id)
        history = await tx.history.recent(bot.user_id)
    assert data["journey"]["unclear_text"] == "secret-words-4411"
    assert any(h.kind is HistoryKind.MESSAGE_IN and h.text == "secret-words-4411" for h in history)


async def test_console_unsure_question_is_answered_by_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    try:
        clock = FakeClock()
        coaching = Coaching(store, clock, Pace())
        out = io.StringIO()
        chat = ConsoleChat(coaching, out, files_dir=tmp_path / "files")
        async with store.transaction() as tx:
            await tx.users.touch(0, 0, clock.now)
            await tx.journeys.save(0, at(Stage.REKINDLE), clock.now)
        monkeypatch.setattr(
            program, "read_words", lambda text: Reading(Intent.OTHER, 0.3, alternatives=(Intent.WE_MET,))
        )
        start = len(out.getvalue())
        await chat.say("well well")
        said = out.getvalue()[start:]
        assert "Which is closest?" in said and "[2] We saw each other" in said
        await chat.say("2")
        async with store.transaction() as tx:
            j = await tx.journeys.load(0)
        assert j is not None and j.stage is Stage.THE_OPTION
    finally:
        await store.close()


async def test_a_possible_unsafe_reading_is_asked_about_directly(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.REKINDLE))
    reading_is(Reading(Intent.OTHER, 0.4, alternatives=(Intent.WE_MET,), check=Intent.UNSAFE))
    said = await bot.send("he put his fist through the door last night")
    assert "has Mark hurt you, threatened you, or are you afraid of" in said
    said = await bot.press("Yes")
    j = await bot.journey()
    assert j.unsafe and j.stage is Stage.MOVING_ON


async def test_yes_to_an_old_safety_question_still_gets_care(bot: Harness, reading_is) -> None:  # type: ignore[no-untyped-def]
    await bot.seed(at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)))
    reading_is(Reading(Intent.FEELING_DOWN, 0.5, check=Intent.CRISIS))
    await bot.send("i won't be a problem much longer")
    old = bot.buttons()
    reading_is(Reading(Intent.PROGRESS, 0.9))
    await bot.send("how many days left")
    said = await bot.press_data(next(d for label, d in old if label == "Yes"))
    assert "findahelpline.com" in said


async def test_a_self_harm_hunch_in_a_first_message_is_asked_about_before_the_welcome(
    bot: Harness,
    reading_is,  # type: ignore[no-untyped-def]
) -> None:
    reading_is(Reading(Intent.OTHER, 0.4, check=Intent.CRISIS))
    said = await bot.send("i don't know why i'm even writing, nobody would notice if i was gone")
    assert "are you thinking about hurting yourself" in said
