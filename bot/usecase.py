"""The per-message use case: load her journey, run the coach, save everything in one transaction, hand back
what to send. Both adapters (Telegram and console) and the nudge dispatcher go through here, so they behave the
same and keep the same history.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.chart import journey_chart
from bot.clock import Clock
from bot.dispatcher import RenderResult
from bot.llm_drafts import LLMConfig, llm_suggest
from bot.outbox import HOLD_S
from coach import program
from coach.copy import messages as M
from coach.ports import HistoryKind, Queued, Store, Transaction
from coach.suggest import suggest
from coach.timing import deliverable_at
from coach.vocabulary import (
    Commanded,
    Effect,
    Event,
    Journey,
    NoteKind,
    NudgeKind,
    Outcome,
    Pace,
    Reply,
    TimerFired,
)

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4096  # what Telegram itself allows in one message

# C0 controls (but tab and newline) and DEL mean nothing in her words, and PostgreSQL refuses U+0000 in text.
_CONTROLS = dict.fromkeys([*range(0, 9), *range(11, 32), 0x7F])


def clean_text(text: str) -> str:
    """Her words as they may be stored: no control characters, and no lone surrogates (not UTF-8 at all)."""
    text = text.translate(_CONTROLS)
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Picture:
    png: bytes
    caption: str = ""


@dataclass(slots=True)
class Outgoing:
    """What an adapter sends back, in order: replies, then a picture or document if any."""

    replies: list[Reply] = field(default_factory=list)
    picture: Picture | None = None
    document: Document | None = None
    deleted: bool = False
    # The replies as written to the outbox with the step: what the adapter sends (bot.outbox.Postman). Empty
    # after /delete, whose one reply has nowhere left to be kept.
    queued: list[Queued] = field(default_factory=list)


class Coaching:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        pace: Pace,
        *,
        on_timers_changed: Callable[[datetime], None] | None = None,
        chart: Callable[..., bytes | None] = journey_chart,
        llm: LLMConfig | None = None,
    ) -> None:
        self._llm = llm
        self._store = store
        self._clock = clock
        self._pace = pace
        # Set by the wiring once the dispatch loop exists: a new, earlier nudge wakes it.
        self.on_timers_changed = on_timers_changed
        self._chart = chart

    @property
    def pace(self) -> Pace:
        return self._pace

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    async def shown(self, out: Outgoing) -> None:
        """An adapter that shows replies itself (the console) says so: they leave the outbox."""
        if out.queued:
            async with self._store.transaction() as tx:
                for item in out.queued:
                    await tx.outbox.sent(item.message_id, None)

    async def handle_text(
        self, user_id: int, chat_id: int, text: str, *, update_id: int | None = None
    ) -> Outgoing:
        """With Telegram's `update_id`, a redelivered update is a no-op: nothing saved, nothing to send."""
        text = clean_text(text).strip()
        if not text:
            return Outgoing([Reply(M.empty_message())])
        if len(text) > MAX_INPUT_CHARS:
            return Outgoing([Reply(M.too_long(MAX_INPUT_CHARS))])
        return await self._run(user_id, chat_id, text, None, text, update_id)

    async def handle_event(
        self, user_id: int, chat_id: int, event: Event, shown_as: str, *, update_id: int | None = None
    ) -> Outgoing:
        """A button or a command: `shown_as` is what goes into her history (the label or the command)."""
        if isinstance(event, Commanded) and event.arg:
            event = replace(event, arg=clean_text(event.arg)[:MAX_INPUT_CHARS])
        return await self._run(user_id, chat_id, None, event, clean_text(shown_as), update_id)

    async def first_time(self, update_id: int) -> bool:
        """For an answer that saves nothing (an edit, a sticker): records the update, False if it was seen."""
        async with self._store.transaction() as tx:
            return await tx.updates.first_time(update_id, self._clock())

    async def _run(
        self,
        user_id: int,
        chat_id: int,
        text: str | None,
        event: Event | None,
        shown_as: str,
        update_id: int | None = None,
    ) -> Outgoing:
        now = self._clock()
        chart_data: tuple[Journey, list, list] | None = None
        earliest: datetime | None = None
        async with self._store.transaction() as tx:
            if update_id is not None and not await tx.updates.first_time(update_id, now):
                return Outgoing()
            # On PostgreSQL the upsert also locks her users row until commit, even when it creates it: a second
            # instance handling her first message at the same moment waits here, then sees her journey.
            await tx.users.touch(user_id, chat_id, now)
            loaded = await tx.journeys.load(user_id)
            before = loaded or Journey(started_at=now, stage_since=now)
            if event is None:
                assert text is not None
                # No journey yet means she was never asked anything: her "hi" is not an answer.
                event = program.read(before, text, first=loaded is None)
            outcome = program.step(before, event, now, self._pace)
            if outcome.undoable:
                outcome = await self._keep_undo(tx, user_id, before, outcome)
            if outcome.offered is not None and self._llm is not None:
                outcome = await self._with_model_drafts(outcome, now)
            await tx.history.add(user_id, now, HistoryKind.MESSAGE_IN, shown_as)
            if Effect.DELETE_DATA in outcome.effects:
                await tx.delete_everything(user_id)
                return Outgoing([Reply(M.delete_done())], deleted=True)
            await self._save(tx, user_id, before, outcome, now, new=loaded is None)
            out = Outgoing(list(outcome.replies))
            for effect in outcome.effects:
                if effect is Effect.EXPORT_DATA:
                    data = await tx.export(user_id)
                    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
                    out.document = Document(f"rekindle-export-{user_id}.json", content, M.export_caption())
                elif effect is Effect.LIST_JOURNAL:
                    entries = await tx.entries.recent(user_id, (NoteKind.JOURNAL, NoteKind.UNSENT), 10)
                    listed = [(e.at, e.kind, e.text) for e in entries]
                    out.replies.append(Reply(M.journal_list(listed, outcome.journey.prefs.timezone)))
                elif effect is Effect.SEND_PROGRESS_CHART:
                    changes = list(await tx.history.stage_changes(user_id))
                    moods = [(e.at, e.value) for e in await tx.entries.recent(user_id, (NoteKind.MOOD,), 200)]
                    chart_data = (outcome.journey, changes, moods)
            for reply in out.replies:
                await tx.history.add(user_id, now, HistoryKind.MESSAGE_OUT, reply.text)
            ids = await tx.outbox.add(user_id, chat_id, out.replies, now, HOLD_S)
            out.queued = [Queued(i, user_id, chat_id, r) for i, r in zip(ids, out.replies, strict=True)]
            if outcome.set_timers:
                earliest = min(t.due_at for t in outcome.set_timers)
        if chart_data is not None:
            # About 0.1 s of drawing: on a worker thread, so other people's messages are not held up.
            png = await asyncio.to_thread(self._chart, *chart_data, now=now, pace=self._pace)
            if png is not None:
                out.picture = Picture(png, M.chart_caption(chart_data[0]))
        if earliest is not None and self.on_timers_changed is not None:
            self.on_timers_changed(earliest)
        return out

    async def _keep_undo(self, tx: Transaction, user_id: int, before: Journey, outcome: Outcome) -> Outcome:
        """A reading moved her: the coach keeps the journey before and the nudges pending before, so one tap
        (or "no wait") puts both back exactly."""
        pending = await tx.nudges.pending(user_id)
        return program.remember(before, outcome, tuple(pending))

    async def _with_model_drafts(self, outcome: Outcome, now: datetime) -> Outcome:
        """Swaps the template texts of an offered set for a model's, where they pass the same review."""
        assert outcome.offered is not None
        variant, style = outcome.offered
        journey = outcome.journey
        base = suggest(journey, now, variant=variant, style=style, pace=self._pace)
        better = await llm_suggest(self._llm, journey, now, base)
        if better == base or not outcome.replies:
            return outcome
        first = Reply(M.suggestions(better, journey.facts), outcome.replies[0].buttons)
        journey = journey.evolve(last_options=tuple(o.text for o in better.options))
        return replace(outcome, journey=journey, replies=(first, *outcome.replies[1:]))

    async def _save(
        self,
        tx: Transaction,
        user_id: int,
        before: Journey,
        outcome: Outcome,
        now: datetime,
        *,
        new: bool = False,
    ) -> None:
        after = outcome.journey
        if after.stage is not before.stage:
            await tx.history.add(user_id, now, HistoryKind.STAGE_CHANGE, "", f"{before.stage}->{after.stage}")
        for note in outcome.notes:
            await tx.entries.add(user_id, note, now)
        if outcome.set_timers or outcome.cancel_timers:
            await tx.nudges.apply(user_id, outcome.set_timers, outcome.cancel_timers, now)
        if new or after != before:
            await tx.journeys.save(user_id, after, now)

    # ----------------------------------------------------------------------------------------------
    # Nudges: the dispatcher asks what to send, then confirms what it sent.

    async def render(self, user_id: int, kinds: Sequence[NudgeKind], now: datetime) -> RenderResult:
        """The dispatcher's NudgeRenderer. Reads only: the same journey and kinds give the same message, so a
        retry after a failed send renders the very same nudge; nothing is saved until `delivered`."""
        async with self._store.transaction() as tx:
            journey = await tx.journeys.load(user_id)
            user = await tx.users.get(user_id)
        if journey is None or user is None:
            return RenderResult.dropped()
        when = deliverable_at(
            now,
            journey.prefs,
            pace=self._pace,
            last_unprompted_at=user.last_unprompted_at,
            quiet_until=journey.quiet_until,
        )
        if when is None:
            # Paused: kept, not dropped. Looking again every program hour means /resume needs no bookkeeping.
            return RenderResult.deferred(now + self._pace.day / 24)
        if when > now:
            return RenderResult.deferred(when)
        kind = program.choose_nudge(list(kinds))
        outcome = program.step(journey, TimerFired(kind), now, self._pace)
        if not outcome.replies:
            # No longer applies; the step may still move a timer (a slip moved day 21).
            async with self._store.transaction() as tx:
                await self._save(tx, user_id, journey, outcome, now)
            return RenderResult.dropped()
        return RenderResult.sending(outcome.replies[0], kind)

    async def delivered(self, user_id: int, kind: NudgeKind, now: datetime, tx: Transaction) -> None:
        """After Telegram accepted the nudge: run the timer's step for real and save what it changed (a stage
        move on day 21, the next daily prompt) in the dispatcher's transaction that records the message."""
        journey = await tx.journeys.load(user_id)
        if journey is None:
            return
        outcome = program.step(journey, TimerFired(kind), now, self._pace)
        await self._save(tx, user_id, journey, outcome, now)
