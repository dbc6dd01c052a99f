"""Sends her replies from the outbox, so what she is told and what was saved never disagree.

The use case writes every reply into the outbox in the very transaction that saves the step (bot.usecase).
Right after the commit the adapter hands the queued ids here (`deliver`): sent at once, in order, and marked
sent. What could not go (a 429, a 5xx, a timeout, a crash between commit and send) stays queued and a later
`run_due` pass sends it: the step she took is never undone, and she is never told it was.

What Telegram answers decides what happens to a reply:
- 429: wait `retry_after` (inline when short, else later) and send the same reply again;
- 5xx, timeouts, network: a quick second try, then later with a doubling backoff;
- 403 (blocked), chat not found: dropped, she cannot be reached;
- 400 for the markup or the length: sent once more as plain text; any other 400: dropped, the reason logged.
Replies to one chat keep their order: when one has to wait, the ones after it wait with it.
Time comes only through the injected clock and sleep.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.dispatcher import NudgeSender, _chat_gone, _may_pass_as_plain_text, _retry_after_seconds
from coach.ports import Queued, Store
from coach.vocabulary import Reply

log = logging.getLogger(__name__)

# A background pass leaves a fresh reply alone this long: the handler is sending it.
HOLD_S = 30.0
# Sent replies are kept a day (a look at what went out), then forgotten: her history keeps the words.
KEEP_SENT = timedelta(days=1)
_MAX_TEXT = 4096


def instance_name() -> str:
    """Names this process in the claims it takes (nudges, outbox)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class _Later(Exception):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _Drop(Exception):
    pass


class Postman:
    def __init__(
        self,
        store: Store,
        sender: NudgeSender,
        clock: Callable[[], datetime],
        *,
        claimer: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_inline_wait_s: float = 5.0,
        backoff_base_s: float = 10.0,
        backoff_cap_s: float = 3600.0,
        max_attempts: int = 12,
        batch: int = 200,
        on_retry: Callable[[datetime], None] | None = None,
    ) -> None:
        # Wakes the dispatch loop for a retry sooner than its next pass (it polls at least once a minute).
        self._on_retry = on_retry
        self._store = store
        self._sender = sender
        self._clock = clock
        self._claimer = claimer
        self._sleep = sleep
        self._max_inline_wait_s = max_inline_wait_s
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._max_attempts = max_attempts
        self._batch = batch
        self._unmarked: list[int] = []
        self._marking: asyncio.Task[None] | None = None

    async def settle(self) -> None:
        """Waits until every reply sent so far is marked sent (tests, shutdown)."""
        while self._marking is not None and not self._marking.done():
            await self._marking

    async def deliver(self, queued: Sequence[Queued]) -> None:
        """The handler's fast path: the replies of one update, just committed, sent in order now."""
        if queued:
            await self._send_in_order(list(queued), fresh=True)

    async def run_due(self) -> int:
        """Sends what is left in the outbox and due; returns how many went."""
        now = self._clock()
        async with self._store.transaction() as tx:
            due = list(await tx.outbox.claim_due(now, self._batch, self._claimer, HOLD_S))
            await tx.outbox.prune(now - KEEP_SENT)
        chats: dict[int, list[Queued]] = {}
        for item in due:
            chats.setdefault(item.chat_id, []).append(item)
        sent = await asyncio.gather(*(self._send_in_order(items, fresh=False) for items in chats.values()))
        return sum(sent)

    async def next_at(self) -> datetime | None:
        async with self._store.transaction() as tx:
            return await tx.outbox.next_at()

    async def _send_in_order(self, items: list[Queued], *, fresh: bool) -> int:
        done: list[int] = []
        dropped: list[int] = []
        later: tuple[float, list[Queued]] | None = None
        for index, item in enumerate(items):
            try:
                await self._send_one(item)
            except _Later as wait:
                later = (wait.seconds, items[index:])
                break
            except _Drop:
                dropped.append(item.message_id)
                continue
            done.append(item.message_id)
        if fresh and not dropped and later is None:
            self._mark_sent_soon(done)
            return len(done)
        try:
            async with self._store.transaction() as tx:
                claimer = None if fresh else self._claimer
                for message_id in done:
                    await tx.outbox.sent(message_id, claimer)
                for message_id in dropped:
                    await tx.outbox.drop(message_id, claimer)
                if later is not None:
                    seconds, rest = later
                    at = self._clock() + timedelta(seconds=seconds)
                    for item in rest:
                        if item.attempts + 1 >= self._max_attempts:
                            log.error("reply %s to user %s given up after %d tries", item.message_id,
                                      item.user_id, item.attempts + 1)
                            await tx.outbox.drop(item.message_id, claimer)
                        else:
                            await tx.outbox.retry(item.message_id, at, item.attempts + 1, claimer)
            if later is not None and self._on_retry is not None:
                self._on_retry(self._clock() + timedelta(seconds=later[0]))
        except Exception:
            # Sent but not marked: the background pass sends it again after HOLD_S (at least once).
            log.exception("could not record replies %s as sent", done)
        return len(done)

    def _mark_sent_soon(self, ids: list[int]) -> None:
        """The common case, every reply went: marked by one transaction for all that went meanwhile, not one
        per update (at thousands of updates a second that transaction was a quarter of the time). A crash
        before it commits sends them again after HOLD_S: at least once, never lost."""
        self._unmarked.extend(ids)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.get_running_loop().create_task(self._mark_all())

    async def _mark_all(self) -> None:
        while self._unmarked:
            ids, self._unmarked = self._unmarked, []
            try:
                async with self._store.transaction() as tx:
                    for message_id in ids:
                        await tx.outbox.sent(message_id, None)
            except Exception:
                log.exception("could not record %d replies as sent: they may be sent again", len(ids))

    async def _send_one(self, item: Queued) -> None:
        reply = item.reply
        plain = False
        tries = 0
        while True:
            tries += 1
            try:
                await self._sender.send(item.chat_id, reply)
                return
            except RetryAfter as exc:
                seconds = _retry_after_seconds(exc)
                log.warning("flood control on a reply to user %s: %.1f s", item.user_id, seconds)
                if seconds > self._max_inline_wait_s or tries > 3:
                    raise _Later(seconds) from None
                await self._sleep(seconds)
            except Forbidden:
                log.info("reply to user %s not sent: she blocked the bot", item.user_id)
                raise _Drop from None
            except BadRequest as exc:
                if _chat_gone(exc):
                    log.info("reply to user %s not sent: chat gone (%s)", item.user_id, exc.message)
                    raise _Drop from None
                if not plain and _may_pass_as_plain_text(exc):
                    log.warning("reply to user %s refused (%s): sending it as plain text", item.user_id,
                                exc.message)
                    reply, plain = Reply(reply.text[:_MAX_TEXT]), True
                    continue
                log.error("reply to user %s refused for good (%s): dropped", item.user_id, exc.message)
                raise _Drop from None
            except TelegramError as exc:  # TimedOut, NetworkError (5xx)
                if tries < 2:
                    await self._sleep(0.5)
                    continue
                log.warning("reply to user %s not sent yet (%s): later", item.user_id, type(exc).__name__)
                raise _Later(self._backoff(item.attempts)) from None
            except Exception:
                log.exception("reply to user %s not sent yet: later", item.user_id)
                raise _Later(self._backoff(item.attempts)) from None

    def _backoff(self, attempts: int) -> float:
        return min(self._backoff_base_s * (2 ** max(0, attempts)), self._backoff_cap_s)
