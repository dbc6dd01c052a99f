"""The narrow interfaces the application needs from storage, in the coach's own types.

storage/ implements them with SQLAlchemy; tests may use fakes. ORM rows never cross this line: every method
takes and returns the plain dataclasses below or those of coach.vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from coach.vocabulary import Journey, Note, NoteKind, NudgeKind, Reply, Stage, Timer


class HistoryKind(StrEnum):
    MESSAGE_IN = "in"  # a message she sent (text, or the button she pressed)
    MESSAGE_OUT = "out"  # a message the coach sent
    STAGE_CHANGE = "stage"  # detail = "from->to"
    NUDGE = "nudge"  # a nudge the coach sent first


class NudgeStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    MERGED = "merged"  # several piled up during downtime: one message was sent for all of them
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class UserInfo:
    user_id: int
    chat_id: int
    active: bool
    created_at: datetime
    last_unprompted_at: datetime | None  # when the coach last spoke first (one unprompted message a day)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    at: datetime
    kind: HistoryKind
    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    kind: NoteKind
    text: str
    value: int | None = None


@dataclass(frozen=True, slots=True)
class StageChange:
    at: datetime
    from_stage: Stage | None
    to_stage: Stage


@dataclass(frozen=True, slots=True)
class DueNudge:
    nudge_id: int
    user_id: int
    chat_id: int
    kind: NudgeKind
    due_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class Queued:
    """A reply waiting in the outbox: sent in id order per chat, marked once Telegram accepted it."""

    message_id: int
    user_id: int
    chat_id: int
    reply: Reply
    attempts: int = 0


class Users(Protocol):
    async def touch(self, user_id: int, chat_id: int, now: datetime) -> UserInfo:
        """Creates her row if new; marks her active (her message after a block makes her reachable again)."""
        ...

    async def get(self, user_id: int) -> UserInfo | None: ...

    async def set_active(self, user_id: int, active: bool) -> None: ...

    async def set_last_unprompted(self, user_id: int, at: datetime) -> None: ...


class Journeys(Protocol):
    async def load(self, user_id: int) -> Journey | None: ...

    async def save(self, user_id: int, journey: Journey, now: datetime) -> None: ...


class History(Protocol):
    async def add(
        self, user_id: int, at: datetime, kind: HistoryKind, text: str, detail: str = ""
    ) -> None: ...

    async def recent(self, user_id: int, limit: int = 50) -> Sequence[HistoryItem]: ...

    async def stage_changes(self, user_id: int) -> Sequence[StageChange]: ...


class Entries(Protocol):
    async def add(self, user_id: int, note: Note, at: datetime) -> None: ...

    async def recent(self, user_id: int, kinds: Sequence[NoteKind], limit: int = 10) -> Sequence[Entry]: ...


class Nudges(Protocol):
    async def apply(
        self, user_id: int, set_timers: Sequence[Timer], cancel: frozenset[NudgeKind], now: datetime
    ) -> None:
        """Cancels pending nudges of the kinds in `cancel`, then for each timer replaces any pending nudge of
        the same kind with one due at timer.due_at."""
        ...

    async def cancel_all(self, user_id: int) -> None: ...

    async def pending(self, user_id: int) -> Sequence[Timer]: ...

    async def next_due_at(self) -> datetime | None:
        """The earliest due time of any pending nudge of an active user, or None."""
        ...

    async def claim_due(self, now: datetime, limit: int, claimer: str) -> Sequence[DueNudge]:
        """Atomically marks up to `limit` pending nudges with due_at <= now as claimed by `claimer` and returns
        them (oldest first). Concurrent claimers never get the same row (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
        ...

    async def mark(
        self, nudge_ids: Sequence[int], status: NudgeStatus, at: datetime, claimer: str | None = None
    ) -> int:
        """Sets their status; with `claimer`, only rows that claimer still holds. Returns how many changed."""
        ...

    async def reschedule(
        self, nudge_id: int, due_at: datetime, attempts: int, claimer: str | None = None
    ) -> None:
        """Puts a claimed nudge back to pending at a new due time (quiet hours, retry after an error); with
        `claimer`, only if that claimer still holds it."""
        ...

    async def renew_claims(self, claimer: str, now: datetime) -> None:
        """The claimer is still working on its claims: they are not stale (heartbeat)."""
        ...

    async def holds(self, nudge_ids: Sequence[int], claimer: str) -> bool:
        """Whether `claimer` still holds every one of them (not taken over, not deleted with her data)."""
        ...

    async def take_send_slot(self, now: datetime, interval_s: float) -> datetime:
        """The time of the next free send slot, shared by every instance on this database; takes it."""
        ...

    async def hold_send_slots(self, until: datetime) -> None:
        """Flood control: no instance sends before `until`."""
        ...

    async def release_stale_claims(self, older_than: datetime) -> int:
        """Claims left by a crashed instance go back to pending."""
        ...


class Outbox(Protocol):
    async def add(
        self, user_id: int, chat_id: int, replies: Sequence[Reply], now: datetime, hold_s: float
    ) -> list[int]:
        """Queues replies in this transaction. A background sender leaves them alone for `hold_s` seconds (the
        handler sends them at once); returns their ids, in order."""
        ...

    async def claim_due(self, now: datetime, limit: int, claimer: str, hold_s: float) -> Sequence[Queued]:
        """Unsent replies whose time has come (the handler did not send them), oldest first; held for
        `hold_s` seconds by `claimer`."""
        ...

    # `claimer` None: the handler's own fresh replies, which no background pass has claimed.
    async def sent(self, message_id: int, claimer: str | None) -> None: ...

    async def retry(self, message_id: int, at: datetime, attempts: int, claimer: str | None) -> None: ...

    async def drop(self, message_id: int, claimer: str | None) -> None:
        """It can never be delivered (blocked, chat gone, refused): kept out of the queue."""
        ...

    async def next_at(self) -> datetime | None: ...

    async def prune(self, before: datetime) -> None:
        """Forgets sent and dropped replies older than `before` (her history keeps what was said)."""
        ...


class Updates(Protocol):
    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Records that this Telegram update is being handled; False if it already was (a redelivery).

        Written in the transaction that handles the update, so the record and the handling commit together.
        A concurrent transaction holding the same update_id makes this wait for its outcome."""
        ...


class Transaction(Protocol):
    users: Users
    journeys: Journeys
    history: History
    entries: Entries
    nudges: Nudges
    outbox: Outbox
    updates: Updates

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything held about her, as JSON-ready data."""
        ...

    async def delete_everything(self, user_id: int) -> None:
        """Removes every row about her from every table."""
        ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One unit of work: commits on success, rolls back on error."""
        ...

    async def close(self) -> None: ...
