"""The one place that reads the wall clock. Everything else receives `now` or a clock function."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    """For durations (reply latency): never jumps with the wall clock."""
    return time.perf_counter()
