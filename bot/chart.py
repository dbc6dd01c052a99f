"""The /progress picture: her stages over time, with her mood check-ins, as a PNG (matplotlib, no screen)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from coach.copy.messages import STAGE_NAMES, STAGE_ORDER
from coach.ports import StageChange
from coach.timing import safe_zone
from coach.vocabulary import Journey, Pace

log = logging.getLogger(__name__)


def axis_dates(journey: Journey, pace: Pace) -> Any:
    """The time axis on her clock: the times in the database are UTC, the days she lived are hers."""
    import matplotlib.dates as mdates

    fmt = "%d %b" if pace.real_days else "%H:%M:%S"
    return mdates.DateFormatter(fmt, tz=safe_zone(journey.prefs.timezone))


def journey_chart(
    journey: Journey,
    changes: Sequence[StageChange],
    moods: Sequence[tuple[datetime, int | None]],
    *,
    now: datetime,
    pace: Pace,
) -> bytes | None:
    """PNG bytes, or None if drawing failed (the reply still goes out without it)."""
    try:
        # The object API with the Agg canvas, not pyplot: no global state, so it may run on a worker thread.
        import matplotlib.dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except Exception:  # pragma: no cover - a broken matplotlib install must not break a reply
        log.warning("matplotlib unavailable; no chart")
        return None
    try:
        start = journey.started_at or (changes[0].at if changes else now)
        xs: list[datetime] = [start]
        ys: list[int] = [STAGE_ORDER.index(changes[0].from_stage) if changes and changes[0].from_stage else 0]
        for change in changes:
            xs.append(change.at)
            ys.append(STAGE_ORDER.index(change.to_stage))
        xs.append(max(now, xs[-1]))
        ys.append(STAGE_ORDER.index(journey.stage))

        fig = Figure(figsize=(8, 4.5), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.step(mdates.date2num(xs), ys, where="post", color="#c0392b", linewidth=2.5, label="stage")
        ax.set_yticks(range(len(STAGE_ORDER)))
        ax.set_yticklabels([STAGE_NAMES[s] for s in STAGE_ORDER], fontsize=8)
        ax.set_ylim(-0.5, len(STAGE_ORDER) - 0.5)
        ax.grid(axis="y", alpha=0.25)
        points = [(at, v) for at, v in moods if v is not None]
        if points:
            ax2 = ax.twinx()
            ax2.plot(
                mdates.date2num([p[0] for p in points]),
                [p[1] for p in points],
                "o--",
                color="#2980b9",
                alpha=0.8,
                label="mood",
            )
            ax2.set_ylim(0.5, 5.5)
            ax2.set_yticks(range(1, 6))
            ax2.set_ylabel("mood (1-5)", color="#2980b9")
        ax.xaxis.set_major_formatter(axis_dates(journey, pace))
        fig.autofmt_xdate()
        ax.set_title("Your journey")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    except Exception:
        log.exception("chart drawing failed")
        return None
