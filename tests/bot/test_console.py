"""The same journey in the console adapter: numbered buttons, typed labels, files for pictures and exports."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

from bot.console import CONSOLE_USER_ID, ConsoleChat, ConsoleSender
from bot.dispatcher import Dispatcher
from bot.usecase import Coaching
from coach.vocabulary import Journey, Pace, Stage
from storage.store import open_store
from tests.fakes.clock import FakeClock


class Console:
    def __init__(self, chat: ConsoleChat, out: io.StringIO) -> None:
        self.chat, self.out = chat, out

    async def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.chat.say(line)
        return self.out.getvalue()[start:]


async def test_console_journey_to_together(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    clock = FakeClock()
    coaching = Coaching(store, clock, Pace())
    out = io.StringIO()
    chat = ConsoleChat(coaching, out, files_dir=tmp_path / "files")

    async def no_sleep(_: float) -> None:
        return None

    dispatcher = Dispatcher(
        store,
        coaching,
        ConsoleSender(chat),
        clock,
        claimer="console",
        sleep=no_sleep,
        monotonic=lambda: clock.now.timestamp(),
    )
    c = Console(chat, out)

    assert "What should I call him?" in await c.type("/start")
    said = await c.type("Sam")
    assert "[1] This week" in said
    assert "Who ended it?" in await c.type("3")  # the number of "1-3 months ago"
    assert "What reason" in await c.type("We both did")  # or the label
    await c.type("he needed space")
    await c.type("2")  # No contact
    await c.type("4")  # 3 weeks or more
    await c.type("Berlin")
    said = await c.type("1")  # Yes, I'm sure
    assert "understand his side" in said
    said = await c.type("I was distant for months")
    assert "reconnect" in said.lower()  # three weeks already passed: no stage waits longer than it must

    said = await c.type("/progress")
    assert "Picture:" in said
    picture = said.split("Picture: ")[1].split()[0]
    assert picture.endswith("files/journey.png") and picture.startswith(str(tmp_path))

    await c.type("he replied!!")
    await c.type("We talked it through")
    await c.type("He's warm and engaged")
    await c.type("we met up for coffee")
    clock.advance(days=8)
    await dispatcher.run_due()
    assert "a week since you met" in out.getvalue()
    await c.type("I said it")
    said = await c.type("we're back together!!")
    assert "together again" in said
    async with store.transaction() as tx:
        j = await tx.journeys.load(CONSOLE_USER_ID)
    assert j is not None and j.stage is Stage.TOGETHER

    said = await c.type("/export")
    assert "File:" in said
    await store.close()


async def test_console_run_exits_cleanly_at_eof(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    out = io.StringIO()
    chat = ConsoleChat(Coaching(store, FakeClock(), Pace()), out)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    for line in ("/start", "Sam", None):
        lines.put_nowait(line)
    await asyncio.wait_for(chat.run(lines), 10)
    assert "Bye for now" in out.getvalue()
    await store.close()


async def console_with_nudges(tmp_path: Path) -> tuple[Console, FakeClock, Dispatcher, Any]:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    clock = FakeClock()
    coaching = Coaching(store, clock, Pace())
    out = io.StringIO()
    chat = ConsoleChat(coaching, out, files_dir=tmp_path / "files")

    async def no_sleep(_: float) -> None:
        return None

    dispatcher = Dispatcher(
        store,
        coaching,
        ConsoleSender(chat),
        clock,
        claimer="console",
        sleep=no_sleep,
        monotonic=lambda: clock.now.timestamp(),
    )
    return Console(chat, out), clock, dispatcher, store


async def journey_of(store: Any) -> Journey:
    async with store.transaction() as tx:
        j = await tx.journeys.load(CONSOLE_USER_ID)
    assert j is not None
    return j


def number_of(said: str, label: str) -> str:
    """The number the console printed for the button `label` in `said`."""
    match = re.search(r"\[(\w+)\] " + re.escape(label) + r"(?:   |$)", said, re.MULTILINE)
    assert match, f"no button {label!r} in {said!r}"
    return match.group(1)


async def test_scripted_console_journey_repairs_and_keeps_his_no_through_reset(tmp_path: Path) -> None:
    c, clock, dispatcher, store = await console_with_nudges(tmp_path)

    said = await c.type("hi")  # no /start: greeted and asked, "hi" is not his name
    assert "I'm Rekindle" in said and "What should I call him?" in said
    said = await c.type("Mark")
    said = await c.type(number_of(said, "This month"))
    said = await c.type(number_of(said, "Back"))  # she meant longer ago: Back re-asks the question
    assert "When did things end with Mark?" in said
    said = await c.type(number_of(said, "1-3 months ago"))
    await c.type("He did")
    await c.type("he said he needed space")
    said = await c.type("No contact")
    said = await c.type(number_of(said, "3 weeks or more"))
    said = await c.type("Berlin")
    said = await c.type(number_of(said, "Yes, I'm sure"))
    said = await c.type("I was distant for months, that's true")
    assert (await journey_of(store)).facts.ended == "months"
    assert (await journey_of(store)).stage is Stage.RECONNECT

    # A reading that moved her is one tap from undone, and a nudge's buttons do not renumber the reply's.
    said = await c.type("I texted him")
    clock.advance(days=2, hours=1)
    await dispatcher.run_due()
    nudge = c.out.getvalue().rsplit("(Rekindle) ", 1)[1]
    assert "Did he reply?" in nudge and "[a] He replied" in nudge
    said = await c.type(number_of(said, "What should I text him?"))  # the reply's [n], not the nudge's
    assert "Why:" in said and (await journey_of(store)).stage is Stage.RECONNECT
    said = await c.type("we're back together!")
    assert (await journey_of(store)).stage is Stage.TOGETHER
    said = await c.type(number_of(said, "That's not what I meant"))
    assert "misread" in said
    j = await journey_of(store)
    assert j.stage is Stage.RECONNECT and j.unanswered == 1

    # His no, kept through /reset: nothing about him reopens unless he reaches out.
    said = await c.type("he blocked me everywhere")
    assert "Did I get that right?" in said
    await c.type(number_of(said, "Yes"))
    said = await c.type("/reset")
    said = await c.type(number_of(said, "Yes, start over"))
    assert "still stands" in said
    j = await journey_of(store)
    assert j.he_said_no and j.stage is Stage.MOVING_ON
    said = await c.type("what should I text him?")
    assert "won't help you contact" in said
    said = await c.type("we're back together!")
    assert "Did he reach out to you" in said
    said = await c.type("/text")
    assert "won't help you contact" in said
    clock.advance(days=30)
    before = len(c.out.getvalue())
    await dispatcher.run_due()
    assert c.out.getvalue()[before:] == "", "no reminder about him comes back after the reset"
    j = await journey_of(store)
    assert j.he_said_no and j.stage is Stage.MOVING_ON
    await store.close()
