"""Delivers due nudges: the database holds every nudge, this module only moves rows along.

A pass releases claims a crashed instance left behind, claims due rows in batches, renders one message per
person for all of her claimed rows (the others are MERGED, so a pile-up after downtime is one fresh message,
not a burst), sends it under Telegram's limits and records the outcome. Nothing is lost on an error: a row is
either SENT, MERGED, CANCELLED, FAILED after `max_attempts`, or back to pending at a later time.

Time only comes in through the injected `clock` (aware UTC datetimes), `monotonic` and `sleep`, so tests drive
it with a fake clock. `DispatchLoop` decides when the next pass runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from coach.ports import DueNudge, HistoryKind, NudgeStatus, Store, Transaction
from coach.vocabulary import NudgeKind, Reply

__all__ = [
    "DispatchLoop",
    "Dispatcher",
    "NudgeRenderer",
    "NudgeSender",
    "RateLimiter",
    "RenderResult",
]

log = logging.getLogger(__name__)


class NudgeSender(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> None:
        """Sends one message. Raises python-telegram-bot's errors as they come (RetryAfter, TimedOut,
        NetworkError, Forbidden, BadRequest): the dispatcher decides what each one means."""
        ...


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What to do with the nudges of one person that fell due: exactly one of the three.

    send: the message to send, with `kind`, the nudge it answers (the other claimed rows are MERGED).
    defer_until: not yet (quiet hours, one a day, quiet_until, paused): back to pending until then.
    drop: no longer applies (her stage moved on): CANCELLED.
    """

    send: Reply | None = None
    kind: NudgeKind | None = None
    defer_until: datetime | None = None
    drop: bool = False

    def __post_init__(self) -> None:
        chosen = (self.send is not None) + (self.defer_until is not None) + bool(self.drop)
        if chosen != 1:
            raise ValueError("RenderResult needs exactly one of send, defer_until, drop")
        if self.send is not None and self.kind is None:
            raise ValueError("RenderResult.send needs the kind it was rendered for")

    @classmethod
    def sending(cls, reply: Reply, kind: NudgeKind) -> RenderResult:
        return cls(send=reply, kind=kind)

    @classmethod
    def deferred(cls, until: datetime) -> RenderResult:
        return cls(defer_until=until)

    @classmethod
    def dropped(cls) -> RenderResult:
        return cls(drop=True)


class QueuePass(Protocol):
    """Another queue a dispatcher pass drains as well (bot.outbox.Postman: replies that could not go at once)."""

    async def run_due(self) -> int: ...

    async def next_at(self) -> datetime | None: ...


class NudgeRenderer(Protocol):
    async def render(self, user_id: int, kinds: Sequence[NudgeKind], now: datetime) -> RenderResult:
        """Turns her due nudges into one message, or says why not now. Runs the coach and saves her journey
        in its own transaction; it must not record the message as sent (the dispatcher does, once Telegram
        accepted it) nor touch the claimed rows."""
        ...

    async def delivered(self, user_id: int, kind: NudgeKind, now: datetime, tx: Transaction) -> None:
        """Telegram accepted the nudge of `kind` rendered for her: run its step for real (the next timer, a
        stage move) in `tx`, the transaction that records the nudge as sent, so neither commits alone."""
        ...


# --------------------------------------------------------------------------------------------------
# Telegram's limits


# Waits shorter than this are not worth a sleep; also keeps a clock of microsecond steps from spinning.
_EPSILON = 1e-6


class RateLimiter:
    """At most `rate_per_s` messages a second over all chats, and `per_chat_interval_s` between two messages
    to one chat.

    The global limit is a GCRA token bucket (`burst` messages may go at once, default 1: evenly spaced, the
    way Telegram prefers). Slots are reserved without awaiting, so concurrent senders in one event loop never
    take the same slot; the waiting is done with the injected `sleep`, measured with the injected `monotonic`.
    """

    _PRUNE_ABOVE = 4096

    def __init__(
        self,
        rate_per_s: float = 25,
        per_chat_interval_s: float = 1.0,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        burst: int = 1,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self._interval = 1.0 / rate_per_s
        self._tolerance = max(0, burst - 1) * self._interval
        self._per_chat = max(0.0, per_chat_interval_s)
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat = -math.inf  # theoretical arrival time of the next message (GCRA)
        self._paused_until = -math.inf
        self._chat_next: dict[int, float] = {}

    def pause(self, seconds: float) -> None:
        """Flood control (429) applies to the whole bot: nobody sends until it has passed."""
        until = self._monotonic() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        self._tat = max(self._tat, self._paused_until)

    async def acquire(self, chat_id: int) -> None:
        """Returns when a message to `chat_id` may go now.

        Each wait is slept once and then trusted, never re-checked in a loop: a test's sleep that does not
        move the clock must not spin forever.
        """
        now = self._monotonic()
        ready = max(self._chat_next.get(chat_id, -math.inf), self._paused_until)
        if ready - now > _EPSILON:
            # Wait for this chat (or the flood pause) before taking a global slot, so other chats are not
            # held back meanwhile.
            await self._sleep(ready - now)
            now = max(self._monotonic(), ready)
        earliest = max(now, self._chat_next.get(chat_id, -math.inf), self._paused_until)
        slot = max(earliest, self._tat - self._tolerance)
        self._tat = max(self._tat, earliest) + self._interval
        self._chat_next[chat_id] = slot + self._per_chat
        self._prune(now)
        wait = slot - max(self._monotonic(), now)
        if wait > _EPSILON:
            await self._sleep(wait)

    def _prune(self, now: float) -> None:
        if len(self._chat_next) > self._PRUNE_ABOVE:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}


# --------------------------------------------------------------------------------------------------
# The dispatcher


class _Done(Enum):
    SENT = "sent"
    DEFERRED = "deferred"
    DROPPED = "dropped"
    INACTIVE = "inactive"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class _Outcome:
    done: _Done
    until: datetime | None = None
    attempts: int = 0


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the int form is deprecated; both forms are handled here.
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


_MAX_TEXT = 4096


def _may_pass_as_plain_text(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return any(
        word in text
        for word in ("too long", "can't parse", "markup", "button", "entities", "entity", "reply_markup")
    )


def _chat_gone(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return "chat not found" in text or "user not found" in text or "peer_id_invalid" in text


class Dispatcher:
    """Sends due nudges: `run_due()` is one pass, `next_wakeup()` says when the next one is needed.

    `claimer` names this instance in the claims it takes. Rows whose claim is older than `stale_after` belong
    to a crashed instance and are taken back. Transient errors retry after `backoff_base` doubling up to
    `backoff_cap`, at most `max_attempts` tries in all. `only_user` limits delivery to one person (the
    console), putting everyone else's rows back untouched.
    """

    def __init__(
        self,
        store: Store,
        renderer: NudgeRenderer,
        sender: NudgeSender,
        clock: Callable[[], datetime],
        *,
        rate_per_s: float = 25,
        per_chat_interval_s: float = 1.0,
        batch: int = 200,
        claimer: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_attempts: int = 8,
        monotonic: Callable[[], float] | None = None,
        stale_after: timedelta = timedelta(minutes=5),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        max_inline_wait_s: float = 60.0,
        concurrency: int | None = None,
        only_user: int | None = None,
        shared_rate: bool = False,
        outbox: QueuePass | None = None,
    ) -> None:
        self._outbox = outbox
        self._store = store
        self._renderer = renderer
        self._sender = sender
        self._clock = clock
        self._batch = max(1, batch)
        self._claimer = claimer
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._stale_after = stale_after
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        # A longer flood wait is not slept through inside a pass: its claims would go stale and another
        # instance could send the same nudge.
        self._max_inline_wait_s = min(max_inline_wait_s, stale_after.total_seconds() / 2)
        # In flight, only what the rate needs (rate x a typical 100 ms round trip, plus one): a crash can
        # then repeat at most these few messages, each sent but not yet recorded.
        self._concurrency = max(1, concurrency or min(16, math.ceil(rate_per_s * 0.1) + 1))
        self._interval_s = 1.0 / rate_per_s
        # Several instances on one database take their send slots from one row there (PostgreSQL), so
        # NUDGE_RATE holds for all of them together.
        self._shared_rate = shared_rate
        self._renewed_at: datetime | None = None
        self._only_user = only_user
        # Without an injected monotonic clock the limiter measures with the injected wall clock, so the
        # dispatcher never reads time on its own.
        self.limiter = RateLimiter(
            rate_per_s,
            per_chat_interval_s,
            monotonic=monotonic or (lambda: self._clock().timestamp()),
            sleep=sleep,
        )

    def _now(self) -> datetime:
        return _utc(self._clock())

    async def next_wakeup(self) -> datetime | None:
        """When the earliest pending nudge falls due (None: nothing pending)."""
        async with self._store.transaction() as tx:
            at = await tx.nudges.next_due_at()
        if self._outbox is not None:
            queued = await self._outbox.next_at()
            if queued is not None and (at is None or queued < at):
                at = queued
        return _utc(at) if at is not None else None

    async def run_due(self) -> int:
        """One pass over everything due now; returns how many messages were sent."""
        if self._outbox is not None:
            try:
                await self._outbox.run_due()
            except Exception:
                log.exception("sending queued replies failed; next pass")
        async with self._store.transaction() as tx:
            released = await tx.nudges.release_stale_claims(self._now() - self._stale_after)
        if released:
            log.warning("released %d stale nudge claims", released)
        handled: dict[int, _Outcome] = {}  # per user, this pass: later batches follow the first decision
        seen: set[int] = set()
        sent = 0
        gate = asyncio.Semaphore(self._concurrency)

        async def one(rows: list[DueNudge]) -> bool:
            async with gate:
                return await self._handle(rows, handled)

        while True:
            async with self._store.transaction() as tx:
                claimed = list(await tx.nudges.claim_due(self._now(), self._batch, self._claimer))
            if not claimed:
                break
            again = [n for n in claimed if n.nudge_id in seen or not self._mine(n)]
            fresh = [n for n in claimed if n.nudge_id not in seen and self._mine(n)]
            if again:
                # Put back untouched for the next pass (handling a row twice in one pass could loop forever),
                # or for the instance that serves that person (only_user).
                await self._safely(self._reschedule_each, again, None)
            seen.update(n.nudge_id for n in fresh)
            groups: dict[int, list[DueNudge]] = {}
            for nudge in fresh:
                groups.setdefault(nudge.user_id, []).append(nudge)
            results = await asyncio.gather(*(one(rows) for rows in groups.values()))
            sent += sum(results)
            if len(claimed) < self._batch or not fresh:
                break
        return sent

    def _mine(self, nudge: DueNudge) -> bool:
        return self._only_user is None or nudge.user_id == self._only_user

    # ---- one person

    async def _handle(self, rows: list[DueNudge], handled: dict[int, _Outcome]) -> bool:
        user_id = rows[0].user_id
        try:
            earlier = handled.get(user_id)
            if earlier is not None and earlier.done is not _Done.DROPPED and earlier.done is not _Done.FAILED:
                await self._follow(rows, earlier)
                return False
            outcome = await self._deliver(rows)
            handled[user_id] = outcome
            return outcome.done is _Done.SENT
        except Exception:
            # Storage trouble while recording: the rows stay claimed and come back after stale_after.
            log.exception(
                "nudges %s of user %s: could not record the outcome", [r.nudge_id for r in rows], user_id
            )
            return False

    async def _follow(self, rows: list[DueNudge], earlier: _Outcome) -> None:
        """Rows of a person met again in a later batch of the same pass share her first outcome."""
        if earlier.done is _Done.SENT:
            await self._mark(rows, NudgeStatus.MERGED)
        elif earlier.done is _Done.INACTIVE:
            await self._reschedule_each(rows, None)
        elif earlier.done is _Done.DEFERRED:
            await self._reschedule_each(rows, earlier.until)
        else:
            assert earlier.until is not None
            await self._reschedule_all(rows, earlier.until, earlier.attempts)

    async def _deliver(self, rows: list[DueNudge]) -> _Outcome:
        user_id, chat_id = rows[0].user_id, rows[0].chat_id
        kinds = list(dict.fromkeys(row.kind for row in rows))
        attempts = max(row.attempts for row in rows)
        try:
            result = await self._renderer.render(user_id, kinds, self._now())
        except Exception:
            log.exception("rendering nudges %s for user %s failed", [k.value for k in kinds], user_id)
            return await self._retry_later(rows, attempts)
        if result.drop:
            await self._mark(rows, NudgeStatus.CANCELLED)
            return _Outcome(_Done.DROPPED)
        if result.defer_until is not None:
            # Never back to "due now": the same rows would be claimed again at once.
            until = max(_utc(result.defer_until), self._now() + timedelta(seconds=1))
            await self._reschedule_each(rows, until)
            return _Outcome(_Done.DEFERRED, until)
        assert result.send is not None and result.kind is not None
        return await self._send(rows, chat_id, result.send, result.kind, attempts)

    async def _send(
        self, rows: list[DueNudge], chat_id: int, reply: Reply, kind: NudgeKind, attempts: int
    ) -> _Outcome:
        user_id = rows[0].user_id
        flood_waits = 0
        plain = False
        while True:
            await self.limiter.acquire(chat_id)
            if self._shared_rate:
                await self._take_shared_slot()
            if not await self._still_mine(rows):
                # Deleted with her data (/delete) or taken over by another instance: not ours to send.
                log.info("nudges of user %s are no longer ours: not sent", user_id)
                return _Outcome(_Done.DROPPED)
            try:
                await self._sender.send(chat_id, reply)
            except RetryAfter as exc:
                seconds = _retry_after_seconds(exc)
                self.limiter.pause(seconds)
                if self._shared_rate:
                    await self._safely_hold_slots(seconds)
                flood_waits += 1
                log.warning("flood control: waiting %.1f s (user %s)", seconds, user_id)
                if seconds > self._max_inline_wait_s or flood_waits > 5:
                    until = self._now() + timedelta(seconds=seconds)
                    await self._reschedule_all(rows, until, attempts)
                    return _Outcome(_Done.RETRY, until, attempts)
                continue  # acquire() waits out the pause, then the same message goes again
            except Forbidden:
                log.info("user %s blocked the bot: inactive, her nudges kept for her return", user_id)
                return await self._deactivate(rows)
            except BadRequest as exc:
                reason = exc.message
                if _chat_gone(exc):
                    log.info("chat of user %s is gone (%s): inactive", user_id, reason)
                    return await self._deactivate(rows)
                if not plain and _may_pass_as_plain_text(exc):
                    # Too long, or markup Telegram refused: the words still matter, sent plain once.
                    log.warning("nudge for user %s refused (%s): sending it as plain text", user_id, reason)
                    reply, plain = Reply(reply.text[:_MAX_TEXT]), True
                    continue
                # Telegram says this message can never pass: sending it again cannot help.
                log.error("nudge for user %s refused for good (%s): failed", user_id, reason)
                await self._mark(rows, NudgeStatus.FAILED)
                return _Outcome(_Done.FAILED)
            except TelegramError as exc:  # TimedOut, NetworkError (5xx), anything else from Telegram
                log.warning("sending a nudge to user %s failed (%s): retrying later", user_id, exc)
                return await self._retry_later(rows, attempts)
            except Exception:
                log.exception("sending a nudge to user %s failed: retrying later", user_id)
                return await self._retry_later(rows, attempts)
            await self._record_sent(rows, reply, kind)
            return _Outcome(_Done.SENT)

    async def _still_mine(self, rows: Sequence[DueNudge]) -> bool:
        """Checked right before each send, and renews this instance's claims now and then (a heartbeat, so a
        long batch at a low rate is never taken for a crashed instance's)."""
        now = self._now()
        async with self._store.transaction() as tx:
            if self._renewed_at is None or now - self._renewed_at >= self._stale_after / 4:
                await tx.nudges.renew_claims(self._claimer, now)
                self._renewed_at = now
            return await tx.nudges.holds([row.nudge_id for row in rows], self._claimer)

    async def _take_shared_slot(self) -> None:
        now = self._now()
        async with self._store.transaction() as tx:
            slot = await tx.nudges.take_send_slot(now, self._interval_s)
        wait = (slot - now).total_seconds()
        if wait > _EPSILON:
            await self._sleep(wait)

    async def _safely_hold_slots(self, seconds: float) -> None:
        try:
            async with self._store.transaction() as tx:
                await tx.nudges.hold_send_slots(self._now() + timedelta(seconds=seconds))
        except Exception:
            log.exception("could not share the flood wait with other instances")

    # ---- recording outcomes

    async def _record_sent(self, rows: list[DueNudge], reply: Reply, kind: NudgeKind) -> None:
        """One transaction: the nudge marked sent, her history, and the step the nudge leads to (the next
        daily prompt, day 21's move). A crash leaves either all of it or none (then it is sent again)."""
        chosen = next((row for row in rows if row.kind == kind), rows[0])
        others = [row.nudge_id for row in rows if row is not chosen]
        user_id = chosen.user_id
        for attempt in range(3):
            at = self._now()
            try:
                async with self._store.transaction() as tx:
                    if not await tx.nudges.mark([chosen.nudge_id], NudgeStatus.SENT, at, self._claimer):
                        # Her data was deleted meanwhile, or the claim was taken over: nothing to record.
                        log.info("nudge %s of user %s: claim gone, not recorded", chosen.nudge_id, user_id)
                        return
                    if others:
                        await tx.nudges.mark(others, NudgeStatus.MERGED, at, self._claimer)
                    await tx.users.set_last_unprompted(user_id, at)
                    await tx.history.add(user_id, at, HistoryKind.NUDGE, reply.text, kind.value)
                    await self._renderer.delivered(user_id, kind, at, tx)
                return
            except Exception:
                # She has the message already; failing to record it would send it again after stale_after.
                log.exception("recording the nudge sent to user %s failed (try %d)", user_id, attempt + 1)
                await self._sleep(1.0 + attempt)
        log.error("nudge for user %s was sent but not recorded: it may be sent again", user_id)

    async def _deactivate(self, rows: list[DueNudge]) -> _Outcome:
        """Blocked or gone: she is inactive, and her nudges wait, pending, for her return (her next message
        marks her active again, and the dispatcher takes them up)."""
        user_id = rows[0].user_id
        async with self._store.transaction() as tx:
            await tx.users.set_active(user_id, False)
            for row in rows:
                await tx.nudges.reschedule(row.nudge_id, row.due_at, row.attempts, self._claimer)
        return _Outcome(_Done.INACTIVE)

    def backoff(self, attempts: int) -> timedelta:
        """The wait before try number `attempts + 1`: doubling from backoff_base, capped."""
        seconds = self._backoff_base.total_seconds() * (2 ** max(0, attempts - 1))
        return min(timedelta(seconds=seconds), self._backoff_cap)

    async def _retry_later(self, rows: list[DueNudge], attempts: int) -> _Outcome:
        attempts += 1
        if attempts >= self._max_attempts:
            log.error("giving up on nudges %s after %d attempts", [r.nudge_id for r in rows], attempts)
            await self._mark(rows, NudgeStatus.FAILED)
            return _Outcome(_Done.FAILED)
        until = self._now() + self.backoff(attempts)
        await self._reschedule_all(rows, until, attempts)
        return _Outcome(_Done.RETRY, until, attempts)

    async def _mark(self, rows: Sequence[DueNudge], status: NudgeStatus) -> None:
        async with self._store.transaction() as tx:
            await tx.nudges.mark([row.nudge_id for row in rows], status, self._now(), self._claimer)

    async def _reschedule_all(self, rows: Sequence[DueNudge], until: datetime, attempts: int) -> None:
        async with self._store.transaction() as tx:
            for row in rows:
                await tx.nudges.reschedule(row.nudge_id, until, attempts, self._claimer)

    async def _reschedule_each(self, rows: Sequence[DueNudge], until: datetime | None) -> None:
        """Back to pending, each keeping its attempts; at `until`, or at its own due time when None."""
        async with self._store.transaction() as tx:
            for row in rows:
                await tx.nudges.reschedule(row.nudge_id, until or row.due_at, row.attempts, self._claimer)

    async def _safely(
        self,
        action: Callable[[Sequence[DueNudge], datetime | None], Awaitable[None]],
        rows: Sequence[DueNudge],
        until: datetime | None,
    ) -> None:
        try:
            await action(rows, until)
        except Exception:
            log.exception("could not put back nudges %s", [r.nudge_id for r in rows])


# --------------------------------------------------------------------------------------------------
# When passes run


class DispatchLoop:
    """Runs a pass at startup (what fell due during downtime goes out, once per person), then at the next
    due time, at least every `max_idle_s` so rows written by other instances are seen.

    With an `Application` whose JobQueue is available the passes are JobQueue jobs; otherwise a plain asyncio
    task. `poke(due_at)` wakes it when a nudge earlier than the scheduled pass was just set.
    """

    _JOB_NAME = "rekindle-nudges"

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Callable[[], datetime],
        *,
        application: Any = None,
        job_queue: Any = None,
        max_idle_s: float = 60.0,
        min_gap_s: float = 1.0,
        error_retry_s: float = 15.0,
    ) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._job_queue: Any = job_queue if job_queue is not None else getattr(application, "job_queue", None)
        self._max_idle_s = max_idle_s
        self._min_gap_s = min_gap_s
        self._error_retry_s = error_retry_s
        self._next_at: datetime | None = None
        self._job: Any = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._running = False
        self._rerun = False
        self._stopped = False
        self._last_run_at: datetime | None = None

    @property
    def next_at(self) -> datetime | None:
        """When the next pass is scheduled (None: running now or not started)."""
        return self._next_at

    def alive(self, now: datetime) -> bool:
        """A pass started or ended lately (passes run at least every max_idle_s): the health check's answer."""
        last = self._last_run_at
        if self._stopped or last is None:
            return False
        return (_utc(now) - last).total_seconds() <= 2 * self._max_idle_s

    def start(self) -> None:
        self._stopped = False
        if self._job_queue is not None:
            self._schedule(0.0)
        elif self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._forever(), name=self._JOB_NAME)

    async def stop(self) -> None:
        self._stopped = True
        if self._job is not None:
            self._job.schedule_removal()
            self._job = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def poke(self, due_at: datetime | None = None) -> None:
        """A nudge due at `due_at` (None: now) was just set; run a pass earlier if it is earlier."""
        if self._stopped:
            return
        if self._running:
            self._rerun = True
            return
        if due_at is not None and self._next_at is not None and _utc(due_at) >= self._next_at:
            return
        delay = 0.0 if due_at is None else max(0.0, (_utc(due_at) - _utc(self._clock())).total_seconds())
        if self._job_queue is not None:
            self._schedule(delay)
        else:
            self._wake.set()

    async def run_pass(self) -> float:
        """One pass; returns the seconds until the next one should run."""
        self._running = True
        self._next_at = None
        self._last_run_at = _utc(self._clock())
        try:
            while True:
                self._rerun = False
                delay = await self._one_pass()
                if not self._rerun:
                    return delay
        finally:
            self._running = False
            self._last_run_at = _utc(self._clock())

    async def _one_pass(self) -> float:
        try:
            await self._dispatcher.run_due()
            wake = await self._dispatcher.next_wakeup()
        except Exception:
            log.exception("nudge pass failed; retrying in %.0f s", self._error_retry_s)
            return self._error_retry_s
        if wake is None:
            return self._max_idle_s
        delay = (wake - _utc(self._clock())).total_seconds()
        return min(max(delay, self._min_gap_s), self._max_idle_s)

    # ---- JobQueue mode

    def _schedule(self, delay: float) -> None:
        if self._job is not None:
            self._job.schedule_removal()
        self._job = self._job_queue.run_once(self._job_callback, when=delay, name=self._JOB_NAME)
        self._next_at = _utc(self._clock()) + timedelta(seconds=delay)

    async def _job_callback(self, context: Any) -> None:
        self._job = None
        if self._running:  # an overlapping run: the current one will notice and go again
            self._rerun = True
            return
        delay = await self.run_pass()
        if not self._stopped:
            self._schedule(delay)

    # ---- asyncio task mode

    async def _forever(self) -> None:
        while not self._stopped:
            self._wake.clear()
            delay = await self.run_pass()
            self._next_at = _utc(self._clock()) + timedelta(seconds=delay)
            if self._wake.is_set():
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
