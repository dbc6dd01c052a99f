"""A whole bot in one test: the real Application and use case on a SQLite file, python-telegram-bot's request
layer replaced by a recorder, and a clock the test moves."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.dispatcher import Dispatcher
from bot.outbox import Postman
from bot.telegram_app import POSTMAN_KEY, TelegramSender, build_application
from bot.usecase import Coaching
from coach.vocabulary import Facts, Journey, Pace, Stage, Timer
from storage.store import SqlStore, open_store
from tests.fakes.clock import FakeClock
from tests.fakes.recording_request import BOT_ID, RecordingRequest

TOKEN = "123456:TEST-token-for-recording-0123456789"
_ids = itertools.count(1)


def message_update(
    user_id: int, text: str, *, chat_type: str = "private", chat_id: int | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 1_790_000_000,
        "chat": {"id": chat_id or user_id, "type": chat_type, "first_name": "Ana", "title": "group"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": message}


def at(stage: Stage, **changes: object) -> Journey:
    """A journey at `stage` with his name known, for tests that start past the intake."""
    base = Journey(facts=Facts(his_name="Mark"), awaiting=None, started_at=datetime(2026, 9, 1, tzinfo=UTC))
    return base.evolve(stage=stage, stage_since=datetime(2026, 10, 20, tzinfo=UTC), **changes)


@dataclass
class Harness:
    app: Any
    request: RecordingRequest
    clock: FakeClock
    store: SqlStore
    coaching: Coaching
    dispatcher: Dispatcher
    user_id: int = 4242
    seen: int = field(default=0)

    async def feed(self, update: dict[str, Any]) -> list[str]:
        before = len(self.request.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        await self.app.bot_data[POSTMAN_KEY].settle()
        new = self.request.calls[before:]
        return [
            c.params.get("text") or c.params.get("caption") or ""
            for c in new
            if c.method in ("sendMessage", "sendPhoto", "sendDocument") and "failed" not in c.params
        ]

    async def send(self, text: str) -> str:
        """She types `text`; returns everything the coach said back, joined."""
        return "\n".join(await self.feed(message_update(self.user_id, text)))

    def buttons(self) -> list[tuple[str, str]]:
        markup = self.request.last_markup() or {"inline_keyboard": []}
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]

    async def press(self, label: str) -> str:
        """She taps the button labelled `label` on the coach's last message with buttons."""
        return await self.press_data(next(d for text, d in self.buttons() if text == label))

    async def press_data(self, data: str) -> str:
        """She taps a button carrying `data` (an old one, say) on the coach's last message with buttons."""
        call = next(
            c
            for c in reversed(self.request.calls)
            if c.method == "sendMessage" and c.params.get("reply_markup")
        )
        message = {
            "message_id": 99_000 + next(_ids),
            "date": 1_790_000_000,
            "chat": {"id": self.user_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle"},
            "text": call.params["text"],
            "reply_markup": call.params["reply_markup"],
        }
        update = {
            "update_id": next(_ids),
            "callback_query": {
                "id": str(next(_ids)),
                "from": {"id": self.user_id, "is_bot": False, "first_name": "Ana"},
                "chat_instance": "ci",
                "data": data,
                "message": message,
            },
        }
        return "\n".join(await self.feed(update))

    async def seed(self, journey: Journey, timers: tuple[Timer, ...] = ()) -> None:
        """She is already this far (the intake is tested elsewhere); the conversation after it is real."""
        async with self.store.transaction() as tx:
            await tx.users.touch(self.user_id, self.user_id, self.clock.now)
            await tx.journeys.save(self.user_id, journey, self.clock.now)
            await tx.nudges.apply(self.user_id, timers, frozenset(), self.clock.now)

    async def journey(self) -> Journey:
        async with self.store.transaction() as tx:
            j = await tx.journeys.load(self.user_id)
        assert j is not None
        return j

    async def stage(self) -> Stage:
        return (await self.journey()).stage

    async def run_nudges(self) -> list[str]:
        before = len(self.request.calls)
        await self.dispatcher.run_due()
        return [c.params.get("text", "") for c in self.request.calls[before:] if c.method == "sendMessage"]


async def make_harness(tmp_path: Path, pace: Pace | None = None, url: str | None = None) -> Harness:
    store = await open_store(url or f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    clock = FakeClock()
    coaching = Coaching(store, clock, pace or Pace())
    request = RecordingRequest()
    app = build_application(TOKEN, coaching, request=request, get_updates_request=RecordingRequest())
    await app.initialize()

    async def no_sleep(_: float) -> None:
        return None

    postman = Postman(store, TelegramSender(app.bot), clock, claimer="test", sleep=no_sleep)
    app.bot_data[POSTMAN_KEY] = postman
    dispatcher = Dispatcher(
        store,
        coaching,
        TelegramSender(app.bot),
        clock,
        claimer="test",
        sleep=no_sleep,
        monotonic=lambda: clock.now.timestamp(),
        outbox=postman,
    )
    return Harness(app, request, clock, store, coaching, dispatcher)
