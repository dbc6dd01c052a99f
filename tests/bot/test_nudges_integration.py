"""Nudges through the real use case and storage: restarts, downtime, quiet hours, pause, a crisis pause,
faults from a loopback Bot API server, and two dispatchers sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.dispatcher import Dispatcher
from bot.telegram_app import TelegramSender
from bot.usecase import Coaching
from coach.vocabulary import Facts, Journey, NudgeKind, Pace, Prefs, Stage, Timer
from storage.store import SqlStore, open_store
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.clock import FakeClock
from tests.fakes.recording_sender import RecordingSender

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
DAY = timedelta(days=1)


async def no_sleep(_: float) -> None:
    return None


async def waiting_for_reply(store: SqlStore, user_id: int, *, due: datetime, tz: str = "UTC") -> None:
    """She texted him and the "did he reply?" nudge is pending."""
    journey = Journey(
        stage=Stage.RECONNECT,
        stage_since=NOW - DAY,
        started_at=NOW - 30 * DAY,
        facts=Facts(his_name="Sam"),
        prefs=Prefs(timezone=tz),
        awaiting=None,
        unanswered=1,
        last_text_at=NOW,
    )
    async with store.transaction() as tx:
        await tx.users.touch(user_id, user_id, NOW - DAY)
        await tx.journeys.save(user_id, journey, NOW)
        await tx.nudges.apply(user_id, [Timer(NudgeKind.DID_HE_REPLY, due)], frozenset(), NOW)


def dispatcher(
    store: SqlStore, clock: FakeClock, sender: object, pace: Pace | None = None, **kw: object
) -> Dispatcher:
    coaching = Coaching(store, clock, pace or Pace())
    return Dispatcher(
        store,
        coaching,
        sender,
        clock,
        claimer=kw.pop("claimer", "t"),
        sleep=kw.pop("sleep", no_sleep),  # type: ignore[arg-type]
        monotonic=lambda: clock.now.timestamp(),
        **kw,
    )  # type: ignore[arg-type]


async def test_a_nudge_due_while_the_bot_was_down_is_sent_once_after_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/c.db"
    store = await open_store(url)
    await waiting_for_reply(store, 1, due=NOW + 2 * DAY)
    clock = FakeClock(NOW + DAY)
    sender = RecordingSender()
    assert await dispatcher(store, clock, sender).run_due() == 0  # not due yet
    await store.close()  # the bot stops

    clock.advance(days=3)  # ... and starts again after the due time
    store = await open_store(url)
    first = dispatcher(store, clock, sender)
    assert await first.run_due() == 1
    assert await first.run_due() == 0
    assert [s.reply.text for s in sender.sent] == [
        "It's been a couple of days since you texted Sam. Did he reply?"
    ]
    await store.close()


async def test_nudges_that_piled_up_become_one_message(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    journey = Journey(
        stage=Stage.NO_CONTACT, stage_since=NOW, started_at=NOW, awaiting=None, last_contact_at=NOW
    )
    async with store.transaction() as tx:
        await tx.users.touch(7, 7, NOW)
        await tx.journeys.save(7, journey, NOW)
        await tx.nudges.apply(
            7,
            [Timer(NudgeKind.SELF_WORK, NOW + DAY), Timer(NudgeKind.REACH_OUT, NOW + 21 * DAY)],
            frozenset(),
            NOW,
        )
    clock = FakeClock(NOW + 40 * DAY)
    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    assert await d.run_due() == 1
    assert "reconnect" in sender.sent[0].reply.text.lower()
    async with store.transaction() as tx:
        j = await tx.journeys.load(7)
        pending = {t.kind for t in await tx.nudges.pending(7)}
    assert j is not None and j.stage is Stage.RECONNECT
    assert NudgeKind.SELF_WORK not in pending  # the stage moved on: no more daily no-contact prompts
    await store.close()


async def test_quiet_hours_move_a_nudge_and_never_drop_it(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    late = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    await waiting_for_reply(store, 3, due=late, tz="Europe/Berlin")
    clock = FakeClock(late)
    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    assert await d.run_due() == 0
    clock.now = datetime(2026, 11, 3, 6, 59, tzinfo=UTC)  # 07:59 in Berlin
    assert await d.run_due() == 0
    clock.now = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    assert await d.run_due() == 1
    await store.close()


async def test_paused_nudges_wait_and_come_after_resume(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    await waiting_for_reply(store, 4, due=NOW + DAY)
    clock = FakeClock(NOW)
    coaching = Coaching(store, clock, Pace())
    from coach.vocabulary import Command, Commanded

    await coaching.handle_event(4, 4, Commanded(Command.PAUSE), "/pause")
    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    clock.advance(days=2)
    assert await d.run_due() == 0
    await coaching.handle_event(4, 4, Commanded(Command.RESUME), "/resume")
    clock.advance(hours=1, minutes=1)
    assert await d.run_due() == 1
    await store.close()


async def test_after_a_crisis_message_nudges_pause_a_day_then_one_gentle_check_in(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    await waiting_for_reply(store, 5, due=NOW + timedelta(hours=2))
    clock = FakeClock(NOW)
    coaching = Coaching(store, clock, Pace())
    out = await coaching.handle_text(5, 5, "i don't want to be alive anymore")
    assert "findahelpline.com" in out.replies[0].text
    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    clock.advance(hours=3)
    assert await d.run_due() == 0  # the "did he reply?" nudge waits
    clock.advance(hours=21, minutes=1)
    assert await d.run_due() == 1
    assert "checking in" in sender.sent[0].reply.text
    await store.close()


# --------------------------------------------------------------------------------------------------
# Faults from a loopback Bot API server, through python-telegram-bot's real request layer.

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


async def _with_api(
    tmp_path: Path, fault: str, **fault_kw: object
) -> tuple[FakeBotApi, SqlStore, Dispatcher, FakeClock]:
    api = FakeBotApi(token=TOKEN).start()
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    await waiting_for_reply(store, 4242, due=NOW)
    bot = Bot(TOKEN, base_url=api.base_url, request=HTTPXRequest(read_timeout=0.5, connect_timeout=1))
    await bot.initialize()
    api.fail_next("sendMessage", fault, **fault_kw)  # type: ignore[arg-type]
    clock = FakeClock(NOW + timedelta(minutes=1))

    async def short_real_sleep(seconds: float) -> None:
        await asyncio.sleep(min(seconds, 1.5))

    return api, store, dispatcher(store, clock, TelegramSender(bot), sleep=short_real_sleep), clock


def _delivered(api: FakeBotApi) -> int:
    return sum(1 for c in api.calls_of("sendMessage") if c.fault is None and c.ok)


async def test_429_waits_for_retry_after_then_sends_once(tmp_path: Path) -> None:
    api, store, d, _ = await _with_api(tmp_path, "429", retry_after=1)
    try:
        assert await d.run_due() == 1
        assert _delivered(api) == 1
        assert [c.fault for c in api.calls_of("sendMessage")] == ["429", None]
    finally:
        await store.close()
        api.stop()


@pytest.mark.parametrize("fault", ["500", "timeout"])
async def test_server_errors_and_timeouts_are_retried_later_and_not_lost(tmp_path: Path, fault: str) -> None:
    kw = {"hold": 2.0} if fault == "timeout" else {}
    api, store, d, clock = await _with_api(tmp_path, fault, **kw)
    try:
        assert await d.run_due() == 0
        async with store.transaction() as tx:
            pending = await tx.nudges.pending(4242)
        assert [t.kind for t in pending] == [NudgeKind.DID_HE_REPLY]
        clock.advance(minutes=5)
        assert await d.run_due() == 1
        assert await d.run_due() == 0
        texts = [c.params.get("text") for c in api.calls_of("sendMessage") if c.fault is None and c.ok]
        assert len(texts) == 1 or (fault == "timeout" and len(set(texts)) == 1)
    finally:
        await store.close()
        api.stop()


@pytest.mark.parametrize("fault", ["403", "chat_not_found"])
async def test_a_blocked_bot_marks_her_inactive_until_she_writes_again(tmp_path: Path, fault: str) -> None:
    api, store, d, clock = await _with_api(tmp_path, fault)
    try:
        assert await d.run_due() == 0
        async with store.transaction() as tx:
            user = await tx.users.get(4242)
            pending = await tx.nudges.pending(4242)
        # Kept for her return, not cancelled: day 21 and the rest still come once she is back.
        assert user is not None and not user.active and pending
        coaching = Coaching(store, clock, Pace())
        await coaching.handle_text(4242, 4242, "hi")
        async with store.transaction() as tx:
            user = await tx.users.get(4242)
        assert user is not None and user.active
        api.clear_faults()
        api.unblock(4242)
        mark = api.mark()
        assert await d.run_due() == 1
        assert api.calls_of("sendMessage", after_index=mark), "her nudge came once she was back"
    finally:
        await store.close()
        api.stop()


# --------------------------------------------------------------------------------------------------
# Several instances on one PostgreSQL database.

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")
async def test_two_dispatchers_on_one_postgresql_database_send_each_nudge_once() -> None:
    from tests.storage.conftest import fresh_postgres_database

    async with fresh_postgres_database() as url:
        a, b = await open_store(url), await open_store(url)
        users = list(range(1000, 1300))
        for user in users:
            await waiting_for_reply(a, user, due=NOW)
        clock = FakeClock(NOW + timedelta(minutes=1))
        sender_a, sender_b = RecordingSender(), RecordingSender()
        unlimited = {"rate_per_s": 1e9, "per_chat_interval_s": 0.0, "batch": 20}
        da = dispatcher(a, clock, sender_a, claimer=f"a-{uuid.uuid4().hex[:4]}", **unlimited)
        db = dispatcher(b, clock, sender_b, claimer="b", **unlimited)
        sent = await asyncio.gather(da.run_due(), db.run_due())
        chats = [s.chat_id for s in sender_a.sent + sender_b.sent]
        assert sum(sent) == len(users) and sorted(chats) == users
        async with a.transaction() as tx:
            assert not [u for u in users if await tx.nudges.pending(u)]
        await a.close()
        await b.close()
