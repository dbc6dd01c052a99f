"""The same journey in the console adapter: numbered buttons, typed labels, files for pictures and exports."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.console import CONSOLE_USER_ID, ConsoleChat, ConsoleSender
from bot.dispatcher import Dispatcher
from bot.usecase import Coaching
from coach.vocabulary import Pace, Stage
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
