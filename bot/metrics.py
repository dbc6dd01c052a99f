"""Prometheus metrics for one process, in a registry of its own (never the library's global one, so a test or a
second app in the same process starts from zero).

Counters and the latency histogram are fed as updates and nudges pass; the nudge backlog gauges are read from
the database when /metrics is scraped, so every instance reports the same shared backlog.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram import Update

from bot.dispatcher import NudgeSender
from coach.vocabulary import Reply

__all__ = ["CONTENT_TYPE", "KINDS", "Metrics", "update_kind"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
KINDS = ("text", "command", "button", "media", "other")

# From a fast local reply to a slow database or Bot API: Telegram redelivers after about a minute.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def update_kind(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    return "media"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("rekindle_updates_handled", "Updates handled, by kind", ["kind"], registry=r)
        for kind in KINDS:  # every series from the start, so a rate() has a zero to begin with
            self.updates.labels(kind)
        self.latency = Histogram(
            "rekindle_reply_latency_seconds",
            "From an update's arrival to its replies sent and saved",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter("rekindle_update_errors", "Updates whose handling failed", registry=r)
        self.nudges_sent = Counter("rekindle_nudges_sent", "Nudges Telegram accepted", registry=r)
        self.nudges_failed = Counter("rekindle_nudges_failed", "Nudge sends that failed", registry=r)
        self.nudges_pending = Gauge("rekindle_nudges_pending", "Nudges waiting to be sent", registry=r)
        self.nudge_lateness = Gauge(
            "rekindle_nudges_oldest_due_lateness_seconds",
            "How long the oldest due, unsent nudge has been due",
            registry=r,
        )

    def observe(self, update: object, seconds: float, ok: bool) -> None:
        """bot.telegram_app.Observer: one update done."""
        self.updates.labels(update_kind(update)).inc()
        self.latency.observe(seconds)
        if not ok:
            self.errors.inc()

    def counting(self, sender: NudgeSender) -> NudgeSender:
        return _CountingSender(sender, self)

    async def render(self, backlog: Callable[[], Awaitable[tuple[int, float]]]) -> bytes:
        pending, lateness = await backlog()
        self.nudges_pending.set(pending)
        self.nudge_lateness.set(lateness)
        return generate_latest(self.registry)


class _CountingSender:
    def __init__(self, inner: NudgeSender, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def send(self, chat_id: int, reply: Reply) -> None:
        try:
            await self._inner.send(chat_id, reply)
        except Exception:
            self._metrics.nudges_failed.inc()
            raise
        self._metrics.nudges_sent.inc()
