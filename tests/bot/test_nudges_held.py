"""Nothing lost, nothing twice (issue 12): nudges against a real database, through the real use case."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.dispatcher import RenderResult
from bot.usecase import Coaching
from coach.ports import HistoryKind, NudgeStatus, Transaction
from coach.vocabulary import NudgeKind, Pace, Reply
from storage.store import SqlStore, open_store
from tests.bot.test_nudges_integration import NOW, dispatcher, waiting_for_reply
from tests.fakes.clock import FakeClock
from tests.fakes.recording_sender import RecordingSender
from tests.storage.conftest import fresh_postgres_database, needs_postgres


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    yield opened
    await opened.close()


async def statuses(store: SqlStore, user_id: int) -> list[str]:
    async with store.transaction() as tx:
        exported = await tx.export(user_id)
    return [n["status"] for n in exported["nudges"]]


async def test_a_nudge_in_flight_during_delete_is_not_sent_and_logs_no_error(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    await waiting_for_reply(store, 4242, due=NOW)
    clock = FakeClock(NOW + timedelta(minutes=1))
    coaching = Coaching(store, clock, Pace())

    class DeletedMeanwhile:
        async def render(self, user_id: int, kinds: Sequence[NudgeKind], now: datetime) -> RenderResult:
            result = await coaching.render(user_id, kinds, now)
            async with store.transaction() as tx:  # her /delete commits while the nudge is on its way
                await tx.delete_everything(user_id)
            return result

        async def delivered(self, user_id: int, kind: NudgeKind, now: datetime, tx: Transaction) -> None:
            await coaching.delivered(user_id, kind, now, tx)

    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    d._renderer = DeletedMeanwhile()
    with caplog.at_level(logging.INFO):
        assert await d.run_due() == 0
    assert sender.sent == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    async with store.transaction() as tx:
        assert await tx.users.get(4242) is None


async def test_the_record_and_the_step_commit_together(store: SqlStore) -> None:
    await waiting_for_reply(store, 4242, due=NOW)
    clock = FakeClock(NOW + timedelta(minutes=1))
    coaching = Coaching(store, clock, Pace())
    failures = {"left": 1}

    class StepFailsOnce:
        async def render(self, user_id: int, kinds: Sequence[NudgeKind], now: datetime) -> RenderResult:
            return await coaching.render(user_id, kinds, now)

        async def delivered(self, user_id: int, kind: NudgeKind, now: datetime, tx: Transaction) -> None:
            await coaching.delivered(user_id, kind, now, tx)
            if failures["left"]:
                failures["left"] -= 1
                raise RuntimeError("crash in the middle of recording")

    sender = RecordingSender()
    d = dispatcher(store, clock, sender)
    d._renderer = StepFailsOnce()
    assert await d.run_due() == 1
    async with store.transaction() as tx:
        history = await tx.history.recent(4242, 50)
        pending = await tx.nudges.pending(4242)
    # One record of the nudge, and the step it leads to (the next check-in) exactly once with it.
    assert [h.kind for h in history].count(HistoryKind.NUDGE) == 1
    assert (await statuses(store, 4242)).count("sent") == 1
    assert len(pending) <= 1 and len(sender.sent) == 1


async def test_claims_are_renewed_through_a_long_batch(store: SqlStore) -> None:
    users = list(range(100, 112))
    for user in users:
        await waiting_for_reply(store, user, due=NOW)
    clock = FakeClock(NOW + timedelta(minutes=1))
    stale_after = timedelta(seconds=4)
    oldest_claims: list[timedelta] = []

    class Watching(RecordingSender):
        async def send(self, chat_id: int, reply: Reply) -> None:
            async with store.transaction() as tx:
                exported = [await tx.export(u) for u in users]
            claimed = [n["claimed_at"] for e in exported for n in e["nudges"] if n["status"] == "claimed"]
            if claimed:
                oldest = min(datetime.fromisoformat(c) for c in claimed)
                oldest_claims.append(clock.now - oldest)
            await super().send(chat_id, reply)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    d = dispatcher(store, clock, Watching(), rate_per_s=1.0, sleep=sleep, stale_after=stale_after)
    assert await d.run_due() == len(users)  # twelve seconds of sending, three times stale_after
    assert oldest_claims and max(oldest_claims) < stale_after


@needs_postgres
async def test_nudge_rate_holds_over_two_instances_sharing_postgresql() -> None:
    async with fresh_postgres_database() as url:
        a, b = await open_store(url), await open_store(url)
        users = list(range(2000, 2040))
        for user in users:
            await waiting_for_reply(a, user, due=NOW)
        clock = FakeClock(NOW + timedelta(minutes=1))

        async def sleep(seconds: float) -> None:
            # Both instances wait on one logical clock: it moves to the latest moment anyone waited for.
            target = clock.now + timedelta(seconds=seconds)
            await asyncio.sleep(0)
            clock.now = max(clock.now, target)

        sender_a, sender_b = RecordingSender(clock), RecordingSender(clock)
        rate = {"rate_per_s": 10.0, "per_chat_interval_s": 0.0, "batch": 10, "shared_rate": True}
        da = dispatcher(a, clock, sender_a, claimer=f"a-{uuid.uuid4().hex[:4]}", sleep=sleep, **rate)
        db = dispatcher(b, clock, sender_b, claimer="b", sleep=sleep, **rate)
        sent = await asyncio.gather(da.run_due(), db.run_due())
        assert sum(sent) == len(users)
        async with a.transaction() as tx:
            next_free = await tx.nudges.take_send_slot(NOW, 0.0)
        # Every send of either instance took its own slot from the one shared row: 40 sends at 10/s.
        assert next_free >= NOW + timedelta(minutes=1, seconds=3.9)
        assert sender_a.sent and sender_b.sent, "both instances did part of the work"
        await a.close()
        await b.close()


async def test_only_the_holder_marks_after_another_instance_took_over(store: SqlStore) -> None:
    await waiting_for_reply(store, 4242, due=NOW)
    clock = FakeClock(NOW + timedelta(minutes=1))
    async with store.transaction() as tx:
        (due,) = await tx.nudges.claim_due(clock.now, 10, "slow")
    clock.advance(minutes=10)
    fast = dispatcher(store, clock, RecordingSender(), claimer="fast")
    assert await fast.run_due() == 1  # took the stale claim over and sent it
    async with store.transaction() as tx:
        assert await tx.nudges.mark([due.nudge_id], NudgeStatus.FAILED, clock.now, "slow") == 0
    assert (await statuses(store, 4242)).count("sent") == 1
