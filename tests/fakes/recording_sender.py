"""A NudgeSender for tests: records what would have reached Telegram, and raises the errors it is told to.

Errors are queued per chat (or for any chat) and raised one per send attempt, before anything is recorded,
the way a failed Bot API call delivers nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from coach.vocabulary import Reply


@dataclass(frozen=True, slots=True)
class Sent:
    chat_id: int
    reply: Reply
    at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    chat_id: int
    reply: Reply
    at: datetime
    error: BaseException | None


class RecordingSender:
    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime(2026, 1, 1, tzinfo=UTC))
        self.sent: list[Sent] = []
        self.attempts: list[Attempt] = []
        self._next_errors: dict[int | None, deque[BaseException]] = {}
        self._always: dict[int, BaseException] = {}

    def fail_next(self, *errors: BaseException, chat_id: int | None = None) -> None:
        """The next sends (to `chat_id`, or to any chat when None) raise these, in order."""
        self._next_errors.setdefault(chat_id, deque()).extend(errors)

    def fail_always(self, chat_id: int, error: BaseException) -> None:
        self._always[chat_id] = error

    def succeed(self, chat_id: int) -> None:
        self._always.pop(chat_id, None)
        self._next_errors.pop(chat_id, None)

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def chats(self) -> Iterable[int]:
        return [s.chat_id for s in self.sent]

    async def send(self, chat_id: int, reply: Reply) -> None:
        at = self._clock()
        error = self._take_error(chat_id)
        self.attempts.append(Attempt(chat_id, reply, at, error))
        if error is not None:
            raise error
        self.sent.append(Sent(chat_id, reply, at))

    def _take_error(self, chat_id: int) -> BaseException | None:
        if chat_id in self._always:
            return self._always[chat_id]
        for key in (chat_id, None):
            queue = self._next_errors.get(key)
            if queue:
                return queue.popleft()
        return None
