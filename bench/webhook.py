"""Webhook benchmark: `python bench/webhook.py [--updates N] [--users M]` posts updates over HTTP to real
`python -m bot` processes in webhook mode, beside a bare python-telegram-bot webhook echo, in one run.

Runs, each against tests.fakes.bot_api.FakeBotApi on 127.0.0.1, in a process of its own (every Bot API call
answered, none sent):

1. echo: a minimal Starlette + python-telegram-bot app (this file, `--echo-server`) whose one handler sends the
   text back; each update is processed inside its request, as the bot does.
2. one instance on SQLite (the default database, in a temporary folder).
3. one instance, then two instances (posts alternate between them), on one fresh PostgreSQL database, where a
   server answers on 127.0.0.1:5432 (TEST_POSTGRES_URL's server if set); skipped with a note otherwise.

Every user first does /start and the intake (not timed), then N text updates from M users (small talk,
questions, urges, low moments; no chart) are posted with 8 in flight at once. Latency is per request (the
200 comes after the update is handled and its replies sent); per_s is updates over the timed wall time. The
load generator, the fake Bot API, PostgreSQL and the bots share the machine's cores, so every figure is a
floor. The last line is for scripts (headline: two instances on PostgreSQL, else one on SQLite):

    webhook per_s=<> p50_ms=<> p99_ms=<> sqlite_per_s=<> [pg1_per_s=<> pg2_per_s=<>] echo_per_s=<> ratio=<per_s/echo_per_s>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.fakes.bot_process import BotProcess  # noqa: E402

SCRIPT = str(Path(__file__).resolve())
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "bench-secret"
FIRST_USER = 9_100_000_001
SEED = 20261202
IN_FLIGHT = 8
INTAKE = (
    "/start",
    "Sam",
    "a:ended:week",
    "a:who_ended:he",
    "a:his_reason:unknown",
    "a:still_talk:talking",
    "a:timezone:skip",
    "a:ready:yes",
    "d:understand",
)
TEXTS = (
    "hi",
    "thanks",
    "good morning",
    "ok",
    "I miss him so much",
    "feeling really low today",
    "I really want to text him",
    "can I message him?",
    "what should I text him?",
    "today I went for a run and felt better about things",
    "he replied!",
    "/help",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_ids = itertools.count(1)


def update(user: int, said: str) -> dict[str, Any]:
    chat = {"id": user, "type": "private", "first_name": "Ana"}
    who = {"id": user, "is_bot": False, "first_name": "Ana"}
    uid = next(_ids)
    if ":" in said and not said.startswith("/"):
        message = {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": chat,
            "text": "?",
            "from": {"id": 123456789, "is_bot": True, "first_name": "Rekindle"},
        }
        return {
            "update_id": uid,
            "callback_query": {
                "id": f"q{uid}",
                "from": who,
                "chat_instance": "ci",
                "data": said,
                "message": message,
            },
        }
    message = {"message_id": uid, "date": 1_790_000_000, "chat": chat, "from": who, "text": said}
    if said.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(said)}]
    return {"update_id": uid, "message": message}


@dataclass
class Result:
    per_s: float
    p50_ms: float
    p99_ms: float
    n: int

    def line(self, name: str) -> str:
        return f"  {name:<28} per_s={self.per_s:7.0f} p50_ms={self.p50_ms:7.2f} p99_ms={self.p99_ms:7.2f} n={self.n}"


async def post_all(urls: Sequence[str], updates: Sequence[dict[str, Any]]) -> Result:
    """Posts every update once, IN_FLIGHT at a time, alternating between `urls`."""
    latencies: list[float] = []
    retried = 0
    queue = list(enumerate(updates))
    queue.reverse()
    limits = httpx.Limits(max_connections=IN_FLIGHT * 2, max_keepalive_connections=IN_FLIGHT * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal retried
            while queue:
                n, body = queue.pop()
                started = time.perf_counter()
                for attempt in range(3):
                    try:
                        response = await client.post(
                            urls[n % len(urls)] + "/telegram",
                            json=body,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        )
                        break
                    except httpx.TransportError:
                        # A kept-alive connection the server had just closed: post again, as Telegram would
                        # (a second delivery of an update is a no-op for the bot).
                        if attempt == 2:
                            raise
                        retried += 1
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"update {body['update_id']}: HTTP {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    if retried:
        print(f"  ({retried} posts retried after a dropped connection)")
    return Result(
        per_s=len(updates) / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        n=len(updates),
    )


def workload(users: int, updates: int) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    rng = random.Random(SEED)
    people = [FIRST_USER + n for n in range(users)]
    intakes = [[update(u, said) for said in INTAKE] for u in people]
    timed = [update(rng.choice(people), rng.choice(TEXTS)) for _ in range(updates)]
    return intakes, timed


async def wait_healthy(process: BotProcess, url: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(1200):
            if not process.is_running():
                raise RuntimeError(f"the bot exited:\n{process.output()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url + "/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError("the bot did not become healthy")


@contextlib.asynccontextmanager
async def processes(
    envs: Sequence[dict[str, str]], args: Sequence[str] = ("-m", "bot")
) -> AsyncIterator[list[str]]:
    started: list[tuple[BotProcess, str]] = []
    try:
        for env in envs:
            port = free_port()
            process = BotProcess(
                {**env, "WEBHOOK_PORT": str(port)}, args=[*args, str(port)] if args[0] != "-m" else args
            )
            started.append((process.start(), f"http://127.0.0.1:{port}"))
        for process, url in started:
            await wait_healthy(process, url)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            code = process.stop()
            if code != 0 or "Traceback" in process.output():
                print(f"  (a process exited with {code}; log tail below)\n{process.output()[-2000:]}")
            process.remove_log()


class FakeApiProcess:
    """tests.fakes.bot_api.FakeBotApi in a process of its own (`--fake-api`), so that serving the bots' Bot API
    calls does not share this process's one interpreter lock with the load generator."""

    token = TOKEN

    def __enter__(self) -> FakeApiProcess:
        import subprocess

        self._proc = subprocess.Popen(
            [sys.executable, SCRIPT, "--fake-api"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(10)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{self.port}/bot",
            **extra,
        }


def fake_api() -> None:
    with FakeBotApi(token=TOKEN) as api:
        print(api.port, flush=True)
        sys.stdin.read()  # until the benchmark closes it


async def bot_run(api: FakeApiProcess, database_url: str, instances: int, users: int, updates: int) -> Result:
    intakes, timed = workload(users, updates)
    env = api.env(
        DATABASE_URL=database_url,
        WEBHOOK_URL="https://rekindle.example/telegram",
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="WARNING",
    )
    async with processes([env] * instances) as urls:
        # The intake, one step at a time per user (not timed): everyone is in no_contact when the clock starts.
        for step in range(len(INTAKE)):
            await post_all(urls, [intake[step] for intake in intakes])
        return await post_all(urls, timed)


async def echo_run(api: FakeApiProcess, users: int, updates: int) -> Result:
    _, timed = workload(users, updates)
    env = api.env(LOG_LEVEL="WARNING")
    async with processes([env], args=(SCRIPT, "--echo-server")) as urls:
        return await post_all(urls, timed)


# --------------------------------------------------------------------------------------------------
# The bare python-telegram-bot webhook echo (run in its own process, like the bot).


def echo_server(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    base = os.environ["TELEGRAM_API_BASE_URL"]
    application = (
        Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(base).updater(None).build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None and update.effective_message.text:
            await context.bot.send_message(update.effective_message.chat_id, update.effective_message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def telegram(request: Request) -> Response:
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return Response()

    async def healthz(request: Request) -> Response:
        return Response()

    web = Starlette(routes=[Route("/telegram", telegram, methods=["POST"]), Route("/healthz", healthz)])

    async def main() -> None:
        async with application:
            await application.start()
            config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", access_log=False)
            await uvicorn.Server(config).serve()
            await application.stop()

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT that stopped it
        asyncio.run(main())


# --------------------------------------------------------------------------------------------------


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL") or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return url
    except OSError:
        return None


@contextlib.asynccontextmanager
async def fresh_postgres(admin_url: str) -> AsyncIterator[str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"rekindle_bench_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--users", type=int, default=30)
    args = parser.parse_args(argv)
    print(
        f"{args.updates} text updates from {args.users} users over HTTP, {IN_FLIGHT} in flight (seed {SEED})"
    )
    with FakeApiProcess() as api:
        echo = await echo_run(api, args.users, args.updates)
        print(echo.line("bare PTB webhook echo"))
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = await bot_run(api, f"sqlite+aiosqlite:///{tmp}/coach.db", 1, args.users, args.updates)
        print(sqlite.line("bot, 1 instance, SQLite"))
        on_postgres: dict[int, Result] = {}
        admin_url = postgres_admin_url()
        if admin_url is None:
            print("  (no PostgreSQL on 127.0.0.1:5432: the PostgreSQL runs are skipped)")
        else:
            for instances in (1, 2):
                async with fresh_postgres(admin_url) as url:
                    result = await bot_run(api, url, instances, args.users, args.updates)
                print(result.line(f"bot, {instances} instance{'s' if instances > 1 else ''}, PostgreSQL"))
                on_postgres[instances] = result
    # The headline is the deployment this is for: two instances on PostgreSQL (one on SQLite without it).
    head = on_postgres.get(2, sqlite)
    pg = " ".join(f"pg{n}_per_s={r.per_s:.0f}" for n, r in on_postgres.items())
    print(
        f"webhook per_s={head.per_s:.0f} p50_ms={head.p50_ms:.2f} p99_ms={head.p99_ms:.2f} "
        f"sqlite_per_s={sqlite.per_s:.0f} {pg + ' ' if pg else ''}echo_per_s={echo.per_s:.0f} "
        f"ratio={head.per_s / echo.per_s:.3f}"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--echo-server"]:
        echo_server(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--fake-api"]:
        fake_api()
    else:
        sys.exit(asyncio.run(main(sys.argv[1:])))
