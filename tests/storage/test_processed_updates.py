"""Exactly-once handling of Telegram updates: processed_updates, written with the handling itself, on every
backend; and on PostgreSQL, two instances handling the same person (or the same update) at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.usecase import Coaching
from coach.ports import HistoryKind, NudgeStatus
from coach.vocabulary import Journey, NudgeKind, Pace, Timer
from storage.migrate import upgrade_to_head
from storage.store import SqlStore
from tests.fakes.clock import FakeClock

from .conftest import fresh_postgres_database, needs_postgres

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ALICE = 7_000_000_001


async def test_an_update_id_is_new_once(store: SqlStore) -> None:
    async with store.transaction() as tx:
        assert await tx.updates.first_time(901, NOW)
        assert not await tx.updates.first_time(901, NOW)
    async with store.transaction() as tx:
        assert not await tx.updates.first_time(901, NOW)
        assert await tx.updates.first_time(902, NOW)


async def test_a_rolled_back_handling_leaves_the_update_new(store: SqlStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            assert await tx.updates.first_time(903, NOW)
            raise RuntimeError("the handler failed")
    async with store.transaction() as tx:
        assert await tx.updates.first_time(903, NOW)


async def test_prune_forgets_only_old_update_ids(store: SqlStore) -> None:
    async with store.transaction() as tx:
        await tx.updates.first_time(1, NOW - timedelta(days=3))
        await tx.updates.first_time(2, NOW)
    assert await store.prune_updates(NOW - timedelta(days=2)) == 1
    async with store.transaction() as tx:
        assert await tx.updates.first_time(1, NOW)
        assert not await tx.updates.first_time(2, NOW)


async def test_a_redelivered_update_is_not_handled_again(store: SqlStore) -> None:
    coaching = Coaching(store, FakeClock(NOW), Pace())
    first = await coaching.handle_text(ALICE, ALICE, "/start hello", update_id=77)
    again = await coaching.handle_text(ALICE, ALICE, "/start hello", update_id=77)
    assert first.replies and not again.replies
    no_id = await coaching.handle_text(ALICE, ALICE, "hi")  # the console has no update ids
    assert no_id.replies
    async with store.transaction() as tx:
        incoming = [h for h in await tx.history.recent(ALICE) if h.kind is HistoryKind.MESSAGE_IN]
    assert [h.text for h in incoming] == ["/start hello", "hi"]


async def test_nudge_backlog_counts_pending_and_how_late_the_oldest_is(store: SqlStore) -> None:
    assert await store.nudge_backlog(NOW) == (0, 0.0)
    async with store.transaction() as tx:
        await tx.users.touch(ALICE, ALICE, NOW)
        await tx.nudges.apply(
            ALICE,
            [Timer(NudgeKind.SELF_WORK, NOW - timedelta(seconds=90)), Timer(NudgeKind.REACH_OUT, NOW + DAY)],
            frozenset(),
            NOW,
        )
    assert await store.nudge_backlog(NOW) == (2, 90.0)
    async with store.transaction() as tx:
        claimed = await tx.nudges.claim_due(NOW, 10, "test")
        await tx.nudges.mark([c.nudge_id for c in claimed], NudgeStatus.SENT, NOW)
    assert await store.nudge_backlog(NOW) == (1, 0.0)


async def test_ping_answers(store: SqlStore) -> None:
    await store.ping()


# --- two instances on one PostgreSQL database ------------------------------------------------------------


async def _journey_after(url_of_fresh_sqlite: str, texts: list[str]) -> Journey:
    """Her journey after `texts` handled one after the other, on a database of its own."""
    await upgrade_to_head(url_of_fresh_sqlite)
    store = SqlStore(url_of_fresh_sqlite)
    try:
        coaching = Coaching(store, FakeClock(NOW), Pace())
        for text in texts:
            await coaching.handle_text(ALICE, ALICE, text)
        async with store.transaction() as tx:
            journey = await tx.journeys.load(ALICE)
        assert journey is not None
        return journey
    finally:
        await store.close()


@needs_postgres
async def test_her_first_two_messages_on_two_instances_at_once_are_both_kept(tmp_path: Path) -> None:
    texts = ["/start", "Sam"]
    serial = [
        await _journey_after(f"sqlite+aiosqlite:///{tmp_path}/ab.db", texts),
        await _journey_after(f"sqlite+aiosqlite:///{tmp_path}/ba.db", texts[::-1]),
    ]
    async with fresh_postgres_database() as url:
        await upgrade_to_head(url)
        one, two = SqlStore(url), SqlStore(url)
        try:
            clock = FakeClock(NOW)
            a, b = Coaching(one, clock, Pace()), Coaching(two, clock, Pace())
            users = range(ALICE, ALICE + 20)  # many new people, each writing to both instances at once
            await asyncio.gather(
                *(a.handle_text(u, u, texts[0], update_id=2 * u) for u in users),
                *(b.handle_text(u, u, texts[1], update_id=2 * u + 1) for u in users),
            )
            for user in users:
                async with one.transaction() as tx:
                    journey = await tx.journeys.load(user)
                    history = await tx.history.recent(user)
                incoming = sorted(h.text for h in history if h.kind is HistoryKind.MESSAGE_IN)
                assert incoming == sorted(texts)
                # As if handled one after the other, in one order or the other: nothing of either was lost.
                assert journey in serial
        finally:
            await one.close()
            await two.close()


@needs_postgres
async def test_the_same_update_on_two_instances_at_once_is_handled_once() -> None:
    async with fresh_postgres_database() as url:
        await upgrade_to_head(url)
        one, two = SqlStore(url), SqlStore(url)
        try:
            clock = FakeClock(NOW)
            a, b = Coaching(one, clock, Pace()), Coaching(two, clock, Pace())
            users = range(ALICE, ALICE + 20)
            outs = await asyncio.gather(
                *(a.handle_text(u, u, "/start", update_id=u) for u in users),
                *(b.handle_text(u, u, "/start", update_id=u) for u in users),
            )
            assert sum(1 for out in outs if out.replies) == len(users)
            for user in users:
                async with one.transaction() as tx:
                    history = await tx.history.recent(user)
                assert [h.text for h in history if h.kind is HistoryKind.MESSAGE_IN] == ["/start"]
        finally:
            await one.close()
            await two.close()
