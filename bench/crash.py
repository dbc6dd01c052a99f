"""Crash benchmark: `python bench/crash.py [--users N] [--crashes K] [--budget S]` kills the real bot with
kill -9 again and again during a nudge burst, then counts what was lost and what went twice.

For each database (SQLite in a temporary folder, and PostgreSQL when TEST_POSTGRES_URL answers, in a database of
its own), N people are put in no contact with the daily self-work prompt due now. `python -m bot` runs against
tests/fakes/bot_api.py as the Telegram server (COACH_DAY_SECONDS=3600, so the next prompt is an hour away). Each
round starts the bot, waits until a random number of prompts went out, and kills it with SIGKILL at a random
moment within the next two send slots (80 ms at NUDGE_RATE 25: a crash is not in step with the sends). Between
rounds the claims of the killed process are released, as `stale_after` would after five minutes. After K
crashes one last run sends the rest and is stopped cleanly. Then, from the server's log and the database:

    lost       people who never got their prompt, plus people who got it but whose follow-up step (the next
               day's prompt) was never saved
    duplicates prompts beyond the first per person

The last line is for scripts:

    crash sqlite_dup_per_crash=<> sqlite_lost=<> postgresql_dup_per_crash=<> postgresql_lost=<> crashes=<>

A whole run is bounded by --budget seconds (rounds stop early when it runs out).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from coach.vocabulary import Facts, Journey, NudgeKind, Stage, Timer  # noqa: E402
from storage.store import open_store  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.fakes.bot_process import BotProcess  # noqa: E402

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
FIRST_USER = 8_000_000_001
DAY = timedelta(seconds=3600)
SEED = 20261202


async def seed(url: str, users: list[int]) -> None:
    now = datetime.now(UTC)
    store = await open_store(url)
    try:
        for user in users:
            journey = Journey(
                stage=Stage.NO_CONTACT,
                stage_since=now - 2 * DAY,
                started_at=now - 3 * DAY,
                facts=Facts(his_name="Sam", ready="yes", reason_named="we fought"),
                awaiting=None,
                last_contact_at=now - 2 * DAY,
            )
            async with store.transaction() as tx:
                await tx.users.touch(user, user, now - 3 * DAY)
                await tx.journeys.save(user, journey, now)
                due = [Timer(NudgeKind.SELF_WORK, now - timedelta(seconds=1))]
                await tx.nudges.apply(user, due, frozenset(), now)
    finally:
        await store.close()


async def release_claims(url: str) -> None:
    """What stale_after does five minutes after a crash, done at once."""
    store = await open_store(url)
    try:
        async with store.transaction() as tx:
            await tx.nudges.release_stale_claims(datetime.now(UTC) + timedelta(days=1))
    finally:
        await store.close()


async def followups(url: str, users: list[int]) -> set[int]:
    """People with a pending self-work prompt: the step after their prompt was saved (or none went yet)."""
    store = await open_store(url)
    try:
        found: set[int] = set()
        async with store.transaction() as tx:
            for user in users:
                if any(t.kind is NudgeKind.SELF_WORK for t in await tx.nudges.pending(user)):
                    found.add(user)
        return found
    finally:
        await store.close()


def prompts(api: FakeBotApi, users: set[int]) -> Counter[int]:
    counts: Counter[int] = Counter()
    for call in api.calls_of("sendMessage"):
        chat = call.params.get("chat_id")
        if call.ok and chat in users:
            counts[int(chat)] += 1
    return counts


def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def run(url: str, users: list[int], crashes: int, deadline: float, rng: random.Random) -> tuple[int, int, int]:
    """Returns (crashes done, lost, duplicates)."""
    asyncio.run(seed(url, users))
    wanted = set(users)
    done = 0
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=url, COACH_DAY_SECONDS=str(int(DAY.total_seconds())), LOG_LEVEL="WARNING")
        for _ in range(crashes):
            if time.monotonic() > deadline or len(prompts(api, wanted)) >= len(users):
                break
            before = sum(prompts(api, wanted).values())
            target = before + rng.randint(3, max(4, len(users) // (crashes + 1)))
            bot = BotProcess(env).start()
            try:
                reached = wait_until(lambda: sum(prompts(api, wanted).values()) >= target, 60)  # noqa: B023
                # A crash comes at any moment, not in step with the sends: somewhere in the next two slots.
                time.sleep(rng.uniform(0.0, 0.08))
                if reached and bot.pid is not None:
                    os.kill(bot.pid, signal.SIGKILL)
                    done += 1
            finally:
                bot.stop(timeout=2)
                bot.remove_log()
            asyncio.run(release_claims(url))
        bot = BotProcess(env).start()
        try:
            wait_until(lambda: len(prompts(api, wanted)) >= len(users), max(5.0, deadline - time.monotonic()))
            time.sleep(1.0)  # what is recorded right after the last send
        finally:
            bot.stop(timeout=10)
            bot.remove_log()
        counts = prompts(api, wanted)
    stepped = asyncio.run(followups(url, users))
    never = wanted - set(counts)
    no_followup = {u for u in counts if u not in stepped}
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    lost = len(never) + len(no_followup)
    print(
        f"  {make_url(url).get_backend_name()}: {done} crashes, {len(users)} people, "
        f"{sum(counts.values())} prompts sent; never sent {len(never)}, follow-up lost {len(no_followup)}, "
        f"duplicates {duplicates} (max per person {max(counts.values(), default=0)})"
    )
    return done, lost, duplicates


async def _admin(admin_url: str, statement: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--crashes", type=int, default=10)
    parser.add_argument("--budget", type=float, default=240.0, help="seconds for the whole run")
    args = parser.parse_args()
    rng = random.Random(SEED)
    users = [FIRST_USER + i for i in range(args.users)]
    started = time.monotonic()
    figures: dict[str, str] = {}
    total_crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        backends: list[str] = [f"sqlite+aiosqlite:///{tmp}/coach.db"]
        postgres = os.environ.get("TEST_POSTGRES_URL", "")
        name = f"rekindle_crash_{uuid.uuid4().hex[:8]}"
        if postgres:
            try:
                asyncio.run(_admin(postgres, f'CREATE DATABASE "{name}"'))
                backends.append(make_url(postgres).set(database=name).render_as_string(hide_password=False))
            except Exception as exc:  # noqa: BLE001 - no PostgreSQL: SQLite only
                print(f"  postgresql: not answering ({type(exc).__name__}), skipped")
        try:
            for index, url in enumerate(backends):
                share = (args.budget - (time.monotonic() - started)) / (len(backends) - index)
                done, lost, dups = run(url, users, args.crashes, time.monotonic() + share, rng)
                key = make_url(url).get_backend_name()
                figures[f"{key}_dup_per_crash"] = f"{dups / done:.2f}" if done else "n/a"
                figures[f"{key}_lost"] = str(lost)
                total_crashes += done
        finally:
            if len(backends) > 1:
                asyncio.run(_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    line = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"crash {line} crashes={total_crashes} seconds={time.monotonic() - started:.0f}")


if __name__ == "__main__":
    main()
