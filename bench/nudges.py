"""Nudge benchmark: `python bench/nudges.py [--quick]` pushes due nudges through the real dispatcher.

Builds SQLite files (schema by the real migrations, rows by bulk Core inserts): 100,000 users in no_contact,
10,000 of them with a nudge (REACH_OUT or SELF_WORK) due at the same moment, 40,000 more with one pending
later (50,000 pending in all), the rest with one nudge already sent; a 1,000-user copy at the same
proportions; and an empty database. Then, each on a fresh copy:

- sent_rate_ratio: the real Dispatcher and Coaching renderer at NUDGE_RATE=25/s on real time; messages per
  second over the first sends (500; 200 with --quick), divided by 25.
- overhead_per_s: the same due nudges with the rate limit off and a sender that only records: nudges sent per
  second of wall time through one run_due() pass (claim + render + send + mark + the after-send step).
- dup / lost: after that pass, due users sent more than once / due users never sent.
- rss_ratio: RSS of a process that starts the dispatcher machinery (open_store, Coaching, Dispatcher,
  DispatchLoop, one next_wakeup) on the 100k-user database over the same on the 1k-user database.
- startup_delta_s: that startup's time on the 100k-user database minus on an empty one (median of runs).

Prints the figures as it goes, then one FINAL line for scripts to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.dispatcher import Dispatcher, DispatchLoop  # noqa: E402
from bot.usecase import Coaching  # noqa: E402
from coach.vocabulary import (  # noqa: E402
    Facts,
    Journey,
    NudgeKind,
    Pace,
    Prefs,
    Pronoun,
    Reply,
    Stage,
    journey_to_dict,
)
from storage import models  # noqa: E402
from storage.db import create_inline_sqlite_engine  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.store import SqlStore, open_store  # noqa: E402

NUDGE_RATE = 25.0
# 14:00 UTC: daytime (outside the default 22:00-08:00 quiet hours) in every zone below.
T0 = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
DUE_AT = T0 - timedelta(minutes=1)
ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "Europe/Moscow")
NAMES = ("Alex", "Sam", "Jamie", "Chris", "Daniel", "Marco", "Tom", "Luca", "Ben", "Noah")
CHAT_OFFSET = 5_000_000_000  # chat ids differ from user ids, as they may on Telegram


@dataclass(frozen=True)
class Size:
    users: int
    due: int
    pending_later: int


FULL = Size(users=100_000, due=10_000, pending_later=40_000)
SMALL = Size(users=1_000, due=100, pending_later=400)
QUICK = Size(users=10_000, due=1_000, pending_later=4_000)


class WallClock:
    """Aware UTC time that starts at T0 and runs at real speed."""

    def __init__(self, start: datetime = T0) -> None:
        self._start = start
        self._m0 = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._m0)


class TimedSender:
    """A NudgeSender that records (chat_id, monotonic time) and nothing else."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.sent: list[tuple[int, float]] = []
        self._stop_after = stop_after
        self.enough = asyncio.Event()

    async def send(self, chat_id: int, reply: Reply) -> None:
        self.sent.append((chat_id, time.monotonic()))
        if self._stop_after is not None and len(self.sent) >= self._stop_after:
            self.enough.set()


# --------------------------------------------------------------------------------------------------
# Building the databases


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _journey(i: int, kind: NudgeKind | None) -> dict[str, Any]:
    zone = ZONES[i % len(ZONES)]
    if kind is NudgeKind.REACH_OUT:
        last_contact = DUE_AT - timedelta(days=21)  # day 21 of no contact falls due now
    else:
        last_contact = T0 - timedelta(days=1 + i % 18, hours=i % 7)
    local_due = DUE_AT.astimezone(ZoneInfo(zone))
    journey = Journey(
        stage=Stage.NO_CONTACT,
        stage_since=last_contact,
        started_at=last_contact - timedelta(days=2, minutes=i % 600),
        facts=Facts(
            his_name=NAMES[i % len(NAMES)],
            pronoun=Pronoun.HE if i % 5 else Pronoun.THEY,
            ended=("week", "month", "months", "longer")[i % 4],
            who_ended=("he", "me", "mutual")[i % 3],
            his_reason="he said he needed space" if i % 2 else "",
            still_talk="no_contact",
            ready="yes" if i % 3 else "not_sure",
            now_into="climbing" if i % 4 == 0 else "",
            memories=("our trip to Lisbon",) if i % 6 == 0 else (),
        ),
        prefs=Prefs(timezone=zone, nudge_hour=local_due.hour if kind is NudgeKind.SELF_WORK else 19),
        awaiting=None,
        last_contact_at=last_contact,
        best_streak_days=i % 9,
        slips=i % 2,
    )
    return journey_to_dict(journey)


def build(path: Path, size: Size) -> set[int]:
    """A migrated database at `path` with `size` users; returns the user ids with a nudge due at DUE_AT."""
    url = sqlite_url(path)
    asyncio.run(upgrade_to_head(url))
    engine = create_inline_sqlite_engine(url)
    due: set[int] = set()
    users: list[dict[str, Any]] = []
    journeys: list[dict[str, Any]] = []
    nudges: list[dict[str, Any]] = []
    for n in range(size.users):
        uid = 10_000_000 + n * 7  # sparse, like real Telegram ids
        created = T0 - timedelta(days=30, minutes=n % 1000)
        if n < size.due:
            kind: NudgeKind | None = NudgeKind.REACH_OUT if n % 2 else NudgeKind.SELF_WORK
            due.add(uid)
            row = {"kind": kind, "due_at": DUE_AT, "status": "pending", "sent_at": None}
        elif n < size.due + size.pending_later:
            kind = NudgeKind.SELF_WORK
            row = {
                "kind": kind,
                "due_at": T0 + timedelta(hours=1 + n % 20),
                "status": "pending",
                "sent_at": None,
            }
        else:
            kind = None
            at = T0 - timedelta(days=1, minutes=n % 300)
            row = {"kind": NudgeKind.SELF_WORK, "due_at": at, "status": "sent", "sent_at": at}
        users.append(
            {
                "user_id": uid,
                "chat_id": uid + CHAT_OFFSET,
                "active": True,
                "created_at": created,
                # Due users last heard from the coach yesterday, so one-a-day lets today's nudge through.
                "last_unprompted_at": T0 - timedelta(days=1, hours=2) if n % 3 else None,
            }
        )
        state = _journey(n, kind)
        journeys.append(
            {
                "user_id": uid,
                "stage": state["stage"],
                "stage_since": datetime.fromisoformat(state["stage_since"]),
                "state": state,
                "updated_at": created,
            }
        )
        nudges.append(
            {"user_id": uid, "attempts": 0, **{k: str(v) if k == "kind" else v for k, v in row.items()}}
        )
    with engine.begin() as conn:
        for table, rows in ((models.users, users), (models.journeys, journeys), (models.nudges, nudges)):
            for start in range(0, len(rows), 20_000):
                conn.execute(table.insert(), rows[start : start + 20_000])
    # Outside any transaction: the inline engine begins each one with BEGIN IMMEDIATE, and SQLite refuses a
    # checkpoint inside one.
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()
    return due


def fresh_copy(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


# --------------------------------------------------------------------------------------------------
# The runs


def _dispatcher(
    store: SqlStore, sender: TimedSender, clock: Callable[[], datetime], **limits: float
) -> Dispatcher:
    coaching = Coaching(store, clock, Pace())
    return Dispatcher(store, coaching, sender, clock, claimer="bench", monotonic=time.monotonic, **limits)


async def rate_run(path: Path, sends: int) -> float:
    """Messages per second actually sent at NUDGE_RATE, over the first `sends` sends."""
    store = await open_store(sqlite_url(path))
    sender = TimedSender(stop_after=sends)
    dispatcher = _dispatcher(store, sender, WallClock(), rate_per_s=NUDGE_RATE, per_chat_interval_s=1.0)
    task = asyncio.create_task(dispatcher.run_due())
    waiter = asyncio.create_task(sender.enough.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    for t in (task, waiter):
        t.cancel()
    await asyncio.gather(task, waiter, return_exceptions=True)
    await store.close()
    times = [at for _, at in sender.sent[:sends]]
    if len(times) < 2:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


async def overhead_run(path: Path) -> tuple[float, list[int], float]:
    """Nudges per second with the limit off; the chat ids sent; the seconds the pass took."""
    store = await open_store(sqlite_url(path))
    sender = TimedSender()
    dispatcher = _dispatcher(store, sender, WallClock(), rate_per_s=1e12, per_chat_interval_s=0.0)
    started = time.perf_counter()
    await dispatcher.run_due()
    elapsed = time.perf_counter() - started
    await store.close()
    chats = [chat for chat, _ in sender.sent]
    return len(chats) / elapsed, chats, elapsed


def unsent_due_rows(path: Path, due: set[int]) -> int:
    engine = create_inline_sqlite_engine(sqlite_url(path))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, status FROM nudges WHERE due_at <= :at AND status != 'sent'"),
            {"at": DUE_AT.replace(tzinfo=None).isoformat(sep=" ")},
        ).all()
    engine.dispose()
    return sum(1 for uid, _ in rows if uid in due)


async def startup_probe(url: str) -> dict[str, float]:
    """What a bot process does at startup before any update: open the store, build the dispatcher, look once."""
    started = time.perf_counter()
    store = await open_store(url)
    clock = WallClock()
    coaching = Coaching(store, clock, Pace())
    dispatcher = Dispatcher(store, coaching, TimedSender(), clock, claimer="probe", monotonic=time.monotonic)
    DispatchLoop(dispatcher, clock)
    await dispatcher.next_wakeup()
    elapsed = time.perf_counter() - started
    rss = rss_kb()
    await store.close()
    return {"startup_s": elapsed, "rss_kb": rss}


def rss_kb() -> float:
    """This process's resident set now (VmRSS), in kB; the peak from getrusage where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def probe(path: Path, runs: int) -> tuple[float, float]:
    """Median startup seconds and median RSS (kB) over `runs` fresh processes."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--probe", sqlite_url(path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (
        statistics.median(r["startup_s"] for r in results),
        statistics.median(r["rss_kb"] for r in results),
    )


# --------------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k users, 1k due, 200 rate-limited sends")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--keep", metavar="DIR", help="build the databases in DIR and keep them")
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(asyncio.run(startup_probe(args.probe))))
        return 0
    size = QUICK if args.quick else FULL
    sends = 200 if args.quick else 500
    runs = 3
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rekindle-nudges-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        big, small, empty = work / "big.db", work / "small.db", work / "empty.db"
        for p in (big, small, empty):  # leftovers of a kept folder
            for suffix in ("", "-wal", "-shm"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
        due = build(big, size)
        build(small, SMALL)
        asyncio.run(upgrade_to_head(sqlite_url(empty)))
        print(
            f"built {size.users} users, {len(due)} due, {size.due + size.pending_later} pending "
            f"(and {SMALL.users} users, and an empty database) in {time.perf_counter() - started:.1f} s"
        )

        big_start, big_rss = probe(big, runs)
        small_start, small_rss = probe(small, runs)
        empty_start, _ = probe(empty, runs)
        rss_ratio = big_rss / small_rss
        startup_delta = big_start - empty_start
        print(
            f"startup (median of {runs}): {big_start:.3f} s with {size.users} users, "
            f"{small_start:.3f} s with {SMALL.users}, {empty_start:.3f} s empty"
        )
        print(
            f"rss: {big_rss / 1024:.1f} MB with {size.users} users, {small_rss / 1024:.1f} MB with {SMALL.users}"
        )

        rate = asyncio.run(rate_run(fresh_copy(big, work / "rate.db"), sends))
        print(f"rate-limited: {rate:.2f} msg/s over {sends} sends (limit {NUDGE_RATE:g}/s)")

        copy = fresh_copy(big, work / "overhead.db")
        per_s, chats, elapsed = asyncio.run(overhead_run(copy))
        counts = Counter(chats)
        sent_users = {chat - CHAT_OFFSET for chat in counts}
        dup = sum(1 for c in counts.values() if c > 1)
        lost = len(due - sent_users)
        stray = len(sent_users - due)
        print(
            f"unlimited: {len(chats)} nudges in {elapsed:.2f} s = {per_s:.0f}/s; "
            f"dup={dup} lost={lost} not-due-but-sent={stray} due-rows-not-sent={unsent_due_rows(copy, due)}"
        )
        print(f"total {time.perf_counter() - started:.0f} s")
        print(
            f"FINAL nudges sent_rate_ratio={rate / NUDGE_RATE:.3f} overhead_per_s={per_s:.0f} dup={dup} "
            f"lost={lost} rss_ratio={rss_ratio:.3f} startup_delta_s={startup_delta:.3f}"
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
