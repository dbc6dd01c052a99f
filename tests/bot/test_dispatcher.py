"""bot.dispatcher: nudges go out on time, once, under Telegram's limits, and survive errors.

Everything runs on a fake clock: the fake sleep moves it forward, so waits are measured, never slept.
The store is an in-memory fake of the Nudges/Users/History ports with the same claim semantics.
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import itertools
import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.dispatcher import Dispatcher, DispatchLoop, RateLimiter, RenderResult
from coach.ports import DueNudge, HistoryKind, NudgeStatus
from coach.vocabulary import NudgeKind, Reply
from tests.fakes.recording_sender import RecordingSender

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# Building RetryAfter(3) in a test reads its int-valued attribute, which PTB 22 flags as deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeClock:
    """Virtual time: a sleeper wakes when every earlier sleeper has, and the clock jumps to its wake time.

    Concurrent sleeps therefore overlap as they would on a real clock instead of adding up.
    """

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._sleepers: list[tuple[datetime, int]] = []
        self._order = itertools.count()

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - T0).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        # Whole microseconds, rounded up, as a real sleep never returns early.
        target = self.now + timedelta(microseconds=math.ceil(max(0.0, seconds) * 1_000_000))
        entry = (target, next(self._order))
        heapq.heappush(self._sleepers, entry)
        while True:
            # Let every task that can run now do so (and maybe start an earlier sleep) before time moves.
            for _ in range(5):
                await asyncio.sleep(0)
            if self._sleepers[0] == entry:
                heapq.heappop(self._sleepers)
                self.now = max(self.now, target)
                return

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


# --------------------------------------------------------------------------------------------------
# An in-memory store with the storage ports' semantics (only what the dispatcher uses)


@dataclass
class Row:
    nudge_id: int
    user_id: int
    chat_id: int
    kind: NudgeKind
    due_at: datetime
    status: NudgeStatus = NudgeStatus.PENDING
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class UserRow:
    user_id: int
    chat_id: int
    active: bool = True
    last_unprompted_at: datetime | None = None


@dataclass
class State:
    rows: dict[int, Row] = field(default_factory=dict)
    users: dict[int, UserRow] = field(default_factory=dict)
    history: list[tuple[int, datetime, HistoryKind, str, str]] = field(default_factory=list)
    next_slot: datetime | None = None


class _Nudges:
    def __init__(self, state: State) -> None:
        self.s = state

    async def claim_due(self, now: datetime, limit: int, claimer: str) -> Sequence[DueNudge]:
        due = sorted(
            (
                r
                for r in self.s.rows.values()
                if r.status is NudgeStatus.PENDING and r.due_at <= now and self.s.users[r.user_id].active
            ),
            key=lambda r: (r.due_at, r.nudge_id),
        )[:limit]
        for r in due:
            r.status, r.claimed_by, r.claimed_at = NudgeStatus.CLAIMED, claimer, now
        return [DueNudge(r.nudge_id, r.user_id, r.chat_id, r.kind, r.due_at, r.attempts) for r in due]

    def _held(self, nid: int, claimer: str | None) -> bool:
        r = self.s.rows.get(nid)
        return r is not None and (
            claimer is None or (r.status is NudgeStatus.CLAIMED and r.claimed_by == claimer)
        )

    async def mark(
        self, nudge_ids: Sequence[int], status: NudgeStatus, at: datetime, claimer: str | None = None
    ) -> int:
        changed = 0
        for nid in nudge_ids:
            if self._held(nid, claimer):
                self.s.rows[nid].status = status
                self.s.rows[nid].closed_at = at
                changed += 1
        return changed

    async def renew_claims(self, claimer: str, now: datetime) -> None:
        for r in self.s.rows.values():
            if r.status is NudgeStatus.CLAIMED and r.claimed_by == claimer:
                r.claimed_at = now

    async def holds(self, nudge_ids: Sequence[int], claimer: str) -> bool:
        return all(self._held(nid, claimer) for nid in nudge_ids)

    async def take_send_slot(self, now: datetime, interval_s: float) -> datetime:
        slot = max(now, self.s.next_slot or now)
        self.s.next_slot = slot + timedelta(seconds=interval_s)
        return slot

    async def hold_send_slots(self, until: datetime) -> None:
        await self.take_send_slot(until, 0.0)

    async def reschedule(
        self, nudge_id: int, due_at: datetime, attempts: int, claimer: str | None = None
    ) -> None:
        if not self._held(nudge_id, claimer):
            return
        r = self.s.rows[nudge_id]
        r.status, r.due_at, r.attempts, r.claimed_by, r.claimed_at = (
            NudgeStatus.PENDING,
            due_at,
            attempts,
            None,
            None,
        )

    async def release_stale_claims(self, older_than: datetime) -> int:
        stale = [
            r
            for r in self.s.rows.values()
            if r.status is NudgeStatus.CLAIMED and r.claimed_at is not None and r.claimed_at < older_than
        ]
        for r in stale:
            r.status, r.claimed_by, r.claimed_at = NudgeStatus.PENDING, None, None
        return len(stale)

    async def next_due_at(self) -> datetime | None:
        pending = [
            r.due_at
            for r in self.s.rows.values()
            if r.status is NudgeStatus.PENDING and self.s.users[r.user_id].active
        ]
        return min(pending, default=None)

    async def cancel_all(self, user_id: int) -> None:
        for r in self.s.rows.values():
            if r.user_id == user_id and r.status is NudgeStatus.PENDING:
                r.status = NudgeStatus.CANCELLED


class _Users:
    def __init__(self, state: State) -> None:
        self.s = state

    async def set_active(self, user_id: int, active: bool) -> None:
        self.s.users[user_id].active = active

    async def set_last_unprompted(self, user_id: int, at: datetime) -> None:
        self.s.users[user_id].last_unprompted_at = at


class _History:
    def __init__(self, state: State) -> None:
        self.s = state

    async def add(self, user_id: int, at: datetime, kind: HistoryKind, text: str, detail: str = "") -> None:
        self.s.history.append((user_id, at, kind, text, detail))


class _Tx:
    def __init__(self, state: State) -> None:
        self.nudges = _Nudges(state)
        self.users = _Users(state)
        self.history = _History(state)


class MemoryStore:
    def __init__(self) -> None:
        self.state = State()
        self._next_id = 1
        self.fail_transactions = 0  # the next n transactions raise (a database hiccup)

    def user(self, user_id: int, chat_id: int | None = None) -> None:
        self.state.users.setdefault(user_id, UserRow(user_id, chat_id if chat_id is not None else user_id))

    def add(self, user_id: int, kind: NudgeKind, due_at: datetime, attempts: int = 0) -> int:
        self.user(user_id)
        nid = self._next_id
        self._next_id += 1
        chat = self.state.users[user_id].chat_id
        self.state.rows[nid] = Row(nid, user_id, chat, kind, due_at, attempts=attempts)
        return nid

    def row(self, nudge_id: int) -> Row:
        return self.state.rows[nudge_id]

    def statuses(self, user_id: int | None = None) -> list[NudgeStatus]:
        return [r.status for r in self.state.rows.values() if user_id is None or r.user_id == user_id]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        if self.fail_transactions:
            self.fail_transactions -= 1
            raise RuntimeError("database is down")
        snapshot = copy.deepcopy(self.state)
        try:
            yield _Tx(self.state)
        except BaseException:
            self.state.rows, self.state.users, self.state.history = (
                snapshot.rows,
                snapshot.users,
                snapshot.history,
            )
            raise

    async def close(self) -> None:
        return None


# --------------------------------------------------------------------------------------------------
# A renderer that picks the most relevant kind, or follows a script per user

RELEVANCE = [
    NudgeKind.CRISIS_CHECKIN,
    NudgeKind.REACH_OUT,
    NudgeKind.DID_HE_REPLY,
    NudgeKind.LIGHT_TOUCH,
    NudgeKind.MEET_CHECKIN,
    NudgeKind.QUIET_WEEK,
    NudgeKind.HIS_MOVE_CHECKIN,
    NudgeKind.SELF_WORK,
]


class ScriptedRenderer:
    def __init__(self) -> None:
        self.calls: list[tuple[int, tuple[NudgeKind, ...], datetime]] = []
        self.script: dict[int, list[RenderResult | Exception]] = {}
        self.delivered_calls: list[tuple[int, NudgeKind, datetime]] = []

    def then(self, user_id: int, *results: RenderResult | Exception) -> None:
        self.script.setdefault(user_id, []).extend(results)

    async def render(self, user_id: int, kinds: Sequence[NudgeKind], now: datetime) -> RenderResult:
        self.calls.append((user_id, tuple(kinds), now))
        queued = self.script.get(user_id)
        if queued:
            step = queued.pop(0)
            if isinstance(step, Exception):
                raise step
            return step
        kind = min(kinds, key=RELEVANCE.index)
        return RenderResult.sending(Reply(f"{kind.value} for {user_id}"), kind)

    async def delivered(self, user_id: int, kind: NudgeKind, now: datetime, tx: Any) -> None:
        self.delivered_calls.append((user_id, kind, now))


@dataclass
class World:
    clock: FakeClock
    store: MemoryStore
    renderer: ScriptedRenderer
    sender: RecordingSender
    dispatcher: Dispatcher


def world(**kwargs: Any) -> World:
    clock = FakeClock()
    store = MemoryStore()
    renderer = ScriptedRenderer()
    sender = RecordingSender(clock)
    store_any: Any = store
    dispatcher = Dispatcher(
        store_any,
        renderer,
        sender,
        clock,
        claimer="test",
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **kwargs,
    )
    return World(clock, store, renderer, sender, dispatcher)


# --------------------------------------------------------------------------------------------------
# Sending what is due


async def test_sends_due_nudges_once_and_leaves_future_ones() -> None:
    w = world()
    due = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(minutes=1))
    later = w.store.add(2, NudgeKind.SELF_WORK, T0 + timedelta(hours=1))
    assert await w.dispatcher.run_due() == 1
    assert [s.chat_id for s in w.sender.sent] == [1]
    assert w.store.row(due).status is NudgeStatus.SENT
    assert w.store.row(later).status is NudgeStatus.PENDING
    assert w.store.state.users[1].last_unprompted_at == T0
    assert w.store.state.history == [(1, T0, HistoryKind.NUDGE, "self_work for 1", "self_work")]
    # A second pass at the same time sends nothing more.
    assert await w.dispatcher.run_due() == 0
    assert len(w.sender.sent) == 1
    assert await w.dispatcher.next_wakeup() == T0 + timedelta(hours=1)


async def test_the_renderer_hears_once_per_message_sent_and_never_on_failure() -> None:
    w = world()
    w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(hours=2))
    w.store.add(1, NudgeKind.REACH_OUT, T0 - timedelta(hours=1))
    w.store.add(2, NudgeKind.SELF_WORK, T0)
    w.store.add(3, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(TimedOut(), chat_id=2)
    w.renderer.then(3, RenderResult.dropped())
    assert await w.dispatcher.run_due() == 1
    assert [(u, k) for u, k, _ in w.renderer.delivered_calls] == [(1, NudgeKind.REACH_OUT)]


async def test_next_wakeup_is_none_when_nothing_is_pending() -> None:
    w = world()
    assert await w.dispatcher.next_wakeup() is None


async def test_global_rate_limit_spreads_a_hundred_messages_over_four_seconds() -> None:
    w = world(rate_per_s=25, batch=30)
    for user in range(1, 101):
        w.store.add(user, NudgeKind.SELF_WORK, T0)
    assert await w.dispatcher.run_due() == 100
    times = sorted(s.at for s in w.sender.sent)
    assert len({s.chat_id for s in w.sender.sent}) == 100
    assert times[-1] - times[0] >= timedelta(seconds=3.9)
    assert w.clock.now - T0 >= timedelta(seconds=3.9)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.04 - 1e-6
    # In any one-second window, at most 25 messages.
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + timedelta(seconds=1)) <= 25
    assert set(w.store.statuses()) == {NudgeStatus.SENT}


async def test_two_messages_to_one_chat_are_a_second_apart() -> None:
    w = world()
    w.store.add(1, NudgeKind.SELF_WORK, T0)
    assert await w.dispatcher.run_due() == 1
    w.store.add(1, NudgeKind.DID_HE_REPLY, T0)
    assert await w.dispatcher.run_due() == 1
    first, second = w.sender.to(1)
    assert second.at - first.at >= timedelta(seconds=1)


async def test_rate_limiter_alone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    stamps: list[tuple[int, float]] = []
    for chat in (1, 2, 1, 3, 1):
        await limiter.acquire(chat)
        stamps.append((chat, clock.monotonic()))
    chat1 = [t for c, t in stamps if c == 1]
    assert all(b - a >= 1.0 - 1e-6 for a, b in zip(chat1, chat1[1:], strict=False))
    everyone = [t for _, t in stamps]
    assert all(b - a >= 0.1 - 1e-6 for a, b in zip(everyone, everyone[1:], strict=False))


async def test_rate_limiter_with_concurrent_callers_keeps_the_spacing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    stamps: list[float] = []

    async def go(chat: int) -> None:
        await limiter.acquire(chat)
        stamps.append(clock.monotonic())

    await asyncio.gather(*(go(chat) for chat in range(10)))
    stamps.sort()
    assert all(b - a >= 0.2 - 1e-6 for a, b in zip(stamps, stamps[1:], strict=False))
    assert stamps[-1] == pytest.approx(1.8, abs=1e-3)


async def test_rate_limiter_trusts_a_sleep_that_does_not_move_the_clock() -> None:
    # A harness may pass a no-op sleep with a frozen clock: waits must end, not spin.
    slept: list[float] = []

    async def no_sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(25, 1.0, monotonic=lambda: 0.0, sleep=no_sleep)
    for _ in range(3):
        await limiter.acquire(7)
    limiter.pause(30)
    await limiter.acquire(8)
    assert len(slept) <= 8
    assert max(slept) >= 30


async def test_dispatcher_with_a_frozen_clock_and_no_op_sleep_still_finishes() -> None:
    w = world()
    frozen: Any = Dispatcher(
        cast(Any, w.store), w.renderer, w.sender, w.clock, claimer="t", sleep=lambda _: asyncio.sleep(0)
    )
    w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(RetryAfter(3), RetryAfter(3), chat_id=1)
    assert await frozen.run_due() == 1
    w.store.add(1, NudgeKind.DID_HE_REPLY, T0)
    assert await frozen.run_due() == 1
    assert len(w.sender.to(1)) == 2


async def test_rate_limiter_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 0, monotonic=clock.monotonic, sleep=clock.sleep, burst=3)
    for chat in range(3):
        await limiter.acquire(chat)
    assert clock.monotonic() == 0
    await limiter.acquire(9)
    assert clock.monotonic() == pytest.approx(0.1, abs=1e-5)


# --------------------------------------------------------------------------------------------------
# Downtime: piled-up nudges become one message


async def test_piled_up_nudges_of_one_person_become_one_message() -> None:
    w = world()
    self_work = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(days=2))
    self_work2 = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(days=1))
    reach = w.store.add(1, NudgeKind.REACH_OUT, T0 - timedelta(hours=5))
    other = w.store.add(2, NudgeKind.DID_HE_REPLY, T0 - timedelta(hours=3))
    assert await w.dispatcher.run_due() == 2
    assert sorted(s.chat_id for s in w.sender.sent) == [1, 2]
    calls = {user: kinds for user, kinds, _ in w.renderer.calls}
    assert calls[1] == (NudgeKind.SELF_WORK, NudgeKind.REACH_OUT)
    assert w.sender.to(1)[0].reply.text == "reach_out for 1"
    assert w.store.row(reach).status is NudgeStatus.SENT
    assert w.store.row(self_work).status is NudgeStatus.MERGED
    assert w.store.row(self_work2).status is NudgeStatus.MERGED
    assert w.store.row(other).status is NudgeStatus.SENT


async def test_a_person_split_over_two_batches_still_gets_one_message() -> None:
    w = world(batch=2)
    a1 = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(hours=9))
    w.store.add(2, NudgeKind.SELF_WORK, T0 - timedelta(hours=8))
    w.store.add(3, NudgeKind.SELF_WORK, T0 - timedelta(hours=7))
    a2 = w.store.add(1, NudgeKind.MEET_CHECKIN, T0 - timedelta(hours=6))
    assert await w.dispatcher.run_due() == 3
    assert len(w.sender.to(1)) == 1
    assert w.store.row(a1).status is NudgeStatus.SENT
    assert w.store.row(a2).status is NudgeStatus.MERGED


async def test_startup_after_downtime_sends_each_person_once() -> None:
    w = world(batch=7)
    for user in range(1, 21):
        for hours in (30, 20, 10):
            w.store.add(user, NudgeKind.SELF_WORK, T0 - timedelta(hours=hours + user / 100))
    assert await w.dispatcher.run_due() == 20
    assert sorted(w.sender.chats()) == list(range(1, 21))
    assert w.store.statuses().count(NudgeStatus.SENT) == 20
    assert w.store.statuses().count(NudgeStatus.MERGED) == 40


# --------------------------------------------------------------------------------------------------
# The renderer's decisions


async def test_defer_reschedules_and_sends_later() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    until = T0 + timedelta(hours=8)
    w.renderer.then(1, RenderResult.deferred(until))
    assert await w.dispatcher.run_due() == 0
    assert w.sender.sent == []
    row = w.store.row(nid)
    assert (row.status, row.due_at, row.attempts) == (NudgeStatus.PENDING, until, 0)
    assert await w.dispatcher.next_wakeup() == until
    w.clock.now = until
    assert await w.dispatcher.run_due() == 1
    assert w.store.row(nid).status is NudgeStatus.SENT


async def test_defer_into_the_past_is_not_claimed_again_in_a_loop() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.renderer.then(1, RenderResult.deferred(T0 - timedelta(hours=1)))
    assert await w.dispatcher.run_due() == 0
    assert len(w.renderer.calls) == 1
    assert w.store.row(nid).due_at > T0


async def test_drop_cancels() -> None:
    w = world()
    a = w.store.add(1, NudgeKind.REACH_OUT, T0)
    b = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.renderer.then(1, RenderResult.dropped())
    assert await w.dispatcher.run_due() == 0
    assert w.sender.sent == []
    assert {w.store.row(a).status, w.store.row(b).status} == {NudgeStatus.CANCELLED}


async def test_a_failing_renderer_loses_nothing() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.renderer.then(1, RuntimeError("bug"))
    assert await w.dispatcher.run_due() == 0
    row = w.store.row(nid)
    assert (row.status, row.attempts) == (NudgeStatus.PENDING, 1)
    w.clock.now = row.due_at
    assert await w.dispatcher.run_due() == 1


def test_render_result_takes_exactly_one_decision() -> None:
    with pytest.raises(ValueError):
        RenderResult()
    with pytest.raises(ValueError):
        RenderResult(send=Reply("hi"), kind=NudgeKind.SELF_WORK, drop=True)
    with pytest.raises(ValueError):
        RenderResult(send=Reply("hi"))
    assert RenderResult.dropped().drop


# --------------------------------------------------------------------------------------------------
# Telegram errors


async def test_429_waits_retry_after_then_sends_once() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(RetryAfter(3), chat_id=1)
    assert await w.dispatcher.run_due() == 1
    assert len(w.sender.sent) == 1
    assert len(w.sender.attempts) == 2
    assert w.sender.sent[0].at - w.sender.attempts[0].at >= timedelta(seconds=3)
    assert w.store.row(nid).status is NudgeStatus.SENT
    assert len(w.renderer.calls) == 1  # the same message went again, not a new one


async def test_429_holds_back_every_chat() -> None:
    w = world()
    w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.store.add(2, NudgeKind.SELF_WORK, T0 + timedelta(seconds=1))
    w.clock.advance(seconds=1)
    w.sender.fail_next(RetryAfter(5), chat_id=1)
    assert await w.dispatcher.run_due() == 2
    failed_at = w.sender.attempts[0].at
    assert all(s.at - failed_at >= timedelta(seconds=5) for s in w.sender.sent)


async def test_a_long_429_reschedules_instead_of_sleeping() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(RetryAfter(timedelta(minutes=10)), chat_id=1)
    assert await w.dispatcher.run_due() == 0
    row = w.store.row(nid)
    assert (row.status, row.due_at, row.attempts) == (NudgeStatus.PENDING, T0 + timedelta(minutes=10), 0)
    w.clock.now = row.due_at
    assert await w.dispatcher.run_due() == 1
    assert len(w.sender.sent) == 1


@pytest.mark.parametrize(
    "error",
    [TimedOut(), NetworkError("Internal Server Error (500)"), NetworkError("Bad Gateway (502)")],
)
async def test_timeouts_and_server_errors_back_off_and_send_later(error: Exception) -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(error, error, chat_id=1)
    assert await w.dispatcher.run_due() == 0
    first = w.store.row(nid)
    assert (first.status, first.attempts) == (NudgeStatus.PENDING, 1)
    first_delay = first.due_at - w.clock.now
    assert first_delay >= timedelta(seconds=29)
    assert await w.dispatcher.run_due() == 0  # not due yet
    w.clock.now = first.due_at
    assert await w.dispatcher.run_due() == 0
    second = w.store.row(nid)
    assert second.attempts == 2
    assert second.due_at - w.clock.now >= 2 * first_delay - timedelta(seconds=1)  # exponential
    w.clock.now = second.due_at
    assert await w.dispatcher.run_due() == 1
    assert len(w.sender.sent) == 1
    assert w.store.row(nid).status is NudgeStatus.SENT


async def test_gives_up_after_max_attempts() -> None:
    w = world(max_attempts=3)
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_always(1, TimedOut())
    for _ in range(5):
        await w.dispatcher.run_due()
        w.clock.now = max(w.clock.now, w.store.row(nid).due_at)
    assert w.store.row(nid).status is NudgeStatus.FAILED
    assert len(w.sender.attempts) == 3
    assert w.sender.sent == []


@pytest.mark.parametrize(
    "error", [Forbidden("Forbidden: bot was blocked by the user"), BadRequest("Chat not found")]
)
async def test_blocked_or_gone_makes_her_inactive_and_keeps_her_nudges_for_her_return(
    error: Exception,
) -> None:
    w = world()
    now_id = w.store.add(1, NudgeKind.SELF_WORK, T0)
    later_id = w.store.add(1, NudgeKind.REACH_OUT, T0 + timedelta(days=3))
    other = w.store.add(2, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(error, chat_id=1)
    assert await w.dispatcher.run_due() == 1
    assert w.store.state.users[1].active is False
    assert w.store.row(now_id).status is NudgeStatus.PENDING
    assert w.store.row(later_id).status is NudgeStatus.PENDING
    assert w.store.row(other).status is NudgeStatus.SENT
    assert w.store.state.users[2].active is True
    assert w.sender.to(1) == []
    assert await w.dispatcher.run_due() == 0, "nothing for her while she is away"
    w.store.state.users[1].active = True  # her next message (users.touch)
    assert await w.dispatcher.run_due() == 1
    assert w.store.row(now_id).status is NudgeStatus.SENT


async def test_a_message_too_long_goes_again_as_plain_text() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(BadRequest("Message is too long"), chat_id=1)
    assert await w.dispatcher.run_due() == 1
    assert w.store.row(nid).status is NudgeStatus.SENT
    assert len(w.sender.to(1)) == 1


async def test_a_message_refused_for_good_fails_without_blocking_her(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.sender.fail_next(BadRequest("Bad Request: message must be non-empty"), chat_id=1)
    assert await w.dispatcher.run_due() == 0
    assert w.store.row(nid).status is NudgeStatus.FAILED
    assert w.store.state.users[1].active is True
    assert "non-empty" in caplog.text and "self_work for 1" not in caplog.text  # why, never the words


async def test_only_user_leaves_everyone_else_untouched() -> None:
    w = world(only_user=2)
    mine = w.store.add(2, NudgeKind.SELF_WORK, T0)
    theirs = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(hours=1))
    assert await w.dispatcher.run_due() == 1
    assert w.sender.chats() == [2]
    assert w.store.row(mine).status is NudgeStatus.SENT
    row = w.store.row(theirs)
    assert (row.status, row.due_at, row.attempts) == (NudgeStatus.PENDING, T0 - timedelta(hours=1), 0)


# --------------------------------------------------------------------------------------------------
# Crashes and the database


async def test_stale_claims_of_a_crashed_instance_are_picked_up() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0 - timedelta(minutes=20))
    row = w.store.row(nid)
    row.status, row.claimed_by, row.claimed_at = NudgeStatus.CLAIMED, "crashed", T0 - timedelta(minutes=10)
    fresh = w.store.add(2, NudgeKind.SELF_WORK, T0 - timedelta(minutes=20))
    other = w.store.row(fresh)
    other.status, other.claimed_by, other.claimed_at = NudgeStatus.CLAIMED, "busy", T0 - timedelta(seconds=30)
    assert await w.dispatcher.run_due() == 1
    assert w.store.row(nid).status is NudgeStatus.SENT
    assert w.store.row(fresh).status is NudgeStatus.CLAIMED  # another live instance is on it


async def test_recording_a_sent_nudge_is_retried_when_the_database_hiccups() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    real = w.store.transaction
    calls = {"n": 0}

    def flaky() -> Any:
        calls["n"] += 1
        if calls["n"] == 4:  # release, claim, the check before sending, then the first attempt to record
            w.store.fail_transactions = 1
        return real()

    w.store.transaction = flaky  # type: ignore[method-assign]
    assert await w.dispatcher.run_due() == 1
    assert w.store.row(nid).status is NudgeStatus.SENT
    assert len(w.sender.sent) == 1


async def test_a_database_outage_fails_the_pass_loudly_and_loses_nothing() -> None:
    w = world()
    nid = w.store.add(1, NudgeKind.SELF_WORK, T0)
    w.store.fail_transactions = 1
    with pytest.raises(RuntimeError):
        await w.dispatcher.run_due()
    assert w.store.row(nid).status is NudgeStatus.PENDING
    assert await w.dispatcher.run_due() == 1


# --------------------------------------------------------------------------------------------------
# DispatchLoop


class FakeDispatcher:
    def __init__(self, clock: FakeClock, wake: Callable[[], datetime | None]) -> None:
        self.clock = clock
        self.passes = 0
        self._wake = wake

    async def run_due(self) -> int:
        self.passes += 1
        return 0

    async def next_wakeup(self) -> datetime | None:
        return self._wake()


class FakeJob:
    def __init__(self, callback: Any, when: float) -> None:
        self.callback, self.when, self.removed = callback, when, False

    def schedule_removal(self) -> None:
        self.removed = True

    async def run(self) -> None:
        self.removed = True  # a run_once job is gone once it ran
        await self.callback(None)


class FakeJobQueue:
    def __init__(self) -> None:
        self.jobs: list[FakeJob] = []

    def run_once(self, callback: Any, when: float, name: str | None = None) -> FakeJob:
        job = FakeJob(callback, when)
        self.jobs.append(job)
        return job

    def live(self) -> list[FakeJob]:
        return [j for j in self.jobs if not j.removed]


async def test_loop_on_the_job_queue_runs_at_once_then_at_the_next_due_time() -> None:
    clock = FakeClock()
    fake: Any = FakeDispatcher(clock, lambda: T0 + timedelta(seconds=20))
    jq = FakeJobQueue()
    loop = DispatchLoop(fake, clock, job_queue=jq, max_idle_s=60)
    loop.start()
    assert [j.when for j in jq.live()] == [0.0]
    await jq.live()[0].run()
    assert fake.passes == 1
    assert jq.live()[-1].when == pytest.approx(20)
    # A nudge due earlier than the scheduled pass moves the pass forward.
    loop.poke(T0 + timedelta(seconds=5))
    assert [j.when for j in jq.live()] == [pytest.approx(5)]
    # A later one does not.
    loop.poke(T0 + timedelta(minutes=5))
    assert len(jq.live()) == 1
    await loop.stop()
    assert jq.live() == []


async def test_loop_caps_the_idle_wait_and_respects_a_minimum_gap() -> None:
    clock = FakeClock()
    wake: dict[str, datetime | None] = {"at": None}
    fake: Any = FakeDispatcher(clock, lambda: wake["at"])
    loop = DispatchLoop(fake, clock, job_queue=FakeJobQueue(), max_idle_s=60, min_gap_s=1)
    assert await loop.run_pass() == 60
    wake["at"] = T0 + timedelta(days=2)
    assert await loop.run_pass() == 60
    wake["at"] = T0 - timedelta(hours=1)
    assert await loop.run_pass() == 1


async def test_loop_as_an_asyncio_task_wakes_on_poke() -> None:
    clock = FakeClock()
    fake: Any = FakeDispatcher(clock, lambda: None)
    loop = DispatchLoop(fake, clock, max_idle_s=3600)
    loop.start()
    for _ in range(50):
        await asyncio.sleep(0)
        if fake.passes == 1:
            break
    assert fake.passes == 1
    loop.poke()
    for _ in range(50):
        await asyncio.sleep(0)
        if fake.passes == 2:
            break
    assert fake.passes == 2
    await loop.stop()


async def test_loop_runs_on_a_real_python_telegram_bot_job_queue() -> None:
    # A smoke test of the wiring (run_once's signature, job removal): real APScheduler, tiny real waits.
    from telegram.ext import ApplicationBuilder

    app = ApplicationBuilder().token("123:abc").build()
    assert app.job_queue is not None
    await app.job_queue.start()
    try:
        fake: Any = FakeDispatcher(FakeClock(), lambda: None)
        loop = DispatchLoop(fake, lambda: datetime.now(UTC), application=app, max_idle_s=0.02, min_gap_s=0.01)
        loop.start()
        for _ in range(200):
            await asyncio.sleep(0.01)
            if fake.passes >= 2:
                break
        assert fake.passes >= 2
        await loop.stop()
        assert app.job_queue.jobs() == ()
    finally:
        await app.job_queue.stop()
