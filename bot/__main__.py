"""`python -m bot`: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else (or with --console) the console coach."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from datetime import timedelta
from typing import Any

from bot.clock import system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.console import CONSOLE_USER_ID, ConsoleChat, ConsoleSender, stdin_lines
from bot.dispatcher import Dispatcher, DispatchLoop, NudgeSender
from bot.llm_drafts import LLMConfig
from bot.logs import redact, setup_logging
from bot.metrics import Metrics
from bot.outbox import Postman, instance_name
from bot.startup import check_bot_api, explain
from bot.telegram_app import (
    COACHING_KEY,
    POSTMAN_KEY,
    RekindleApplication,
    TelegramSender,
    build_application,
    register_commands,
)
from bot.usecase import Coaching
from bot.webhook import UPDATE_PATH, HttpServer, stop_on_signals, web_app
from coach.vocabulary import Pace
from storage.db import is_sqlite
from storage.store import SqlStore, open_store

log = logging.getLogger("bot")

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post"]
# Telegram stops redelivering an update within a day; a seen update_id is kept twice that.
KEEP_UPDATE_IDS = timedelta(days=2)
PRUNE_EVERY_S = 3600.0


async def open_coaching(settings: Settings, pace: Pace) -> tuple[SqlStore, Coaching]:
    store = await open_store(settings.database_url)
    return store, Coaching(store, system_clock, pace, llm=LLMConfig.from_settings(settings))


def start_nudges(
    store: SqlStore,
    coaching: Coaching,
    sender: NudgeSender,
    settings: Settings,
    *,
    application: Any = None,
    only_user: int | None = None,
) -> DispatchLoop:
    dispatcher = Dispatcher(
        store,
        coaching,
        sender,
        system_clock,
        rate_per_s=settings.nudge_rate,
        claimer=instance_name(),
        only_user=only_user,
        monotonic=time.monotonic,
        shared_rate=not is_sqlite(settings.database_url),
        outbox=Postman(store, sender, system_clock, claimer=instance_name()),
    )
    # Another instance's new nudges are only seen at the next pass: with a shortened program day (demos, tests)
    # a minute would be many days late.
    max_idle_s = min(60.0, coaching.pace.day.total_seconds())
    dispatch_loop = DispatchLoop(dispatcher, system_clock, application=application, max_idle_s=max_idle_s)
    coaching.on_timers_changed = dispatch_loop.poke
    dispatch_loop.start()
    return dispatch_loop


def prune_seen_updates(app: RekindleApplication, store: SqlStore) -> None:
    """Forgets old update_ids now and every hour after (a JobQueue job: it stops with the application)."""

    async def prune(_: Any) -> None:
        try:
            await store.prune_updates(system_clock() - KEEP_UPDATE_IDS)
        except Exception as exc:
            log.warning("could not prune processed updates (%s): next hour", type(exc).__name__)

    assert app.job_queue is not None
    app.job_queue.run_repeating(prune, interval=PRUNE_EVERY_S, first=0.0, name="rekindle-prune-updates")


def run_telegram(settings: Settings, pace: Pace) -> int:
    token = settings.token
    assert token is not None
    state: dict[str, Any] = {}
    metrics = Metrics()

    async def started(app: Any) -> None:
        store, coaching = await open_coaching(settings, pace)
        app.bot_data[COACHING_KEY] = coaching
        await register_commands(app)
        sender = metrics.counting(TelegramSender(app.bot))
        dispatch_loop = start_nudges(store, coaching, sender, settings, application=app)
        prune_seen_updates(app, store)
        state.update(store=store, loop=dispatch_loop)
        if settings.metrics_port is not None:
            web = web_app(
                application=None, secret=None, store=store, dispatch=dispatch_loop, metrics=metrics,
                clock=system_clock,
            )
            server = HttpServer(web, settings.webhook_listen, settings.metrics_port)
            state.update(server=server, serving=asyncio.create_task(server.serve()))
            log.info("/healthz and /metrics on port %d", settings.metrics_port)
        log.info("Rekindle is running on Telegram (one program day = %s)", pace.day)

    async def stopping(app: Any) -> None:
        if "server" in state:
            state["server"].should_exit = True
            with contextlib.suppress(Exception):
                await state["serving"]
        postman = app.bot_data.get(POSTMAN_KEY)
        if postman is not None:
            with contextlib.suppress(Exception):
                await postman.settle()  # replies already sent are marked so, not sent again after a restart
        if "loop" in state:
            # The JobQueue has already shut down by now and took the pending job with it.
            with contextlib.suppress(Exception):
                await state["loop"].stop()

    async def stopped(app: Any) -> None:
        if "store" in state:
            await state["store"].close()

    app = build_application(
        token,
        None,
        base_url=settings.telegram_api_base_url,
        post_init=started,
        post_stop=stopping,
        post_shutdown=stopped,
    )
    app.observer = metrics.observe
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


async def run_webhook(settings: Settings, pace: Pace) -> int:
    """Several instances may run like this behind one URL on one PostgreSQL database (see bot.webhook)."""
    token, secret, url = settings.token, settings.secret, settings.webhook_url
    assert token is not None and secret is not None and url is not None
    metrics = Metrics()
    app = build_application(token, None, base_url=settings.telegram_api_base_url, webhook=True)
    app.observer = metrics.observe
    async with app:  # initialize ... shutdown
        store, coaching = await open_coaching(settings, pace)
        dispatch_loop: DispatchLoop | None = None
        try:
            app.bot_data[COACHING_KEY] = coaching
            await register_commands(app)
            # Every instance sets the same webhook at startup; none deletes it on the way out, so a rolling
            # restart never leaves Telegram without a place to post.
            await app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            await app.start()
            sender = metrics.counting(TelegramSender(app.bot))
            dispatch_loop = start_nudges(store, coaching, sender, settings, application=app)
            prune_seen_updates(app, store)
            web = web_app(
                application=app, secret=secret, store=store, dispatch=dispatch_loop, metrics=metrics,
                clock=system_clock,
            )
            server = HttpServer(web, settings.webhook_listen, settings.webhook_port)
            stop_on_signals(server)
            log.info(
                "Rekindle takes updates on http://%s:%d%s (one program day = %s)",
                settings.webhook_listen, settings.webhook_port, UPDATE_PATH, pace.day,
            )
            await server.serve()
            log.info("no more updates in hand: stopping")
        finally:
            postman = app.bot_data.get(POSTMAN_KEY)
            if postman is not None:
                with contextlib.suppress(Exception):
                    await postman.settle()  # replies already sent are marked so, not sent again after a restart
            if dispatch_loop is not None:
                await dispatch_loop.stop()
            if app.running:
                await app.stop()
            await store.close()
    return 0


async def run_console(settings: Settings, pace: Pace) -> int:
    store, coaching = await open_coaching(settings, pace)
    chat = ConsoleChat(coaching)
    dispatch_loop = start_nudges(store, coaching, ConsoleSender(chat), settings, only_user=CONSOLE_USER_ID)
    try:
        await chat.run(stdin_lines(asyncio.get_running_loop()))
    finally:
        await dispatch_loop.stop()
        await store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Rekindle coach")
    parser.add_argument("--console", action="store_true", help="chat in this terminal even if a token is set")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    secrets = (settings.token,) if settings.token else ()
    setup_logging(settings.log_level, secrets=secrets)
    pace = Pace(timedelta(seconds=settings.coach_day_seconds))
    try:
        if settings.token and not args.console:
            asyncio.run(check_bot_api(settings))
            if settings.webhook_url:
                return asyncio.run(run_webhook(settings, pace))
            return run_telegram(settings, pace)
        return asyncio.run(run_console(settings, pace))
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        known = explain(exc, settings)
        if known is not None:
            # Our own sentence, never the exception's message (InvalidToken's holds the whole token).
            print(redact(known, secrets), file=sys.stderr)
            return 1
        log.error("Rekindle stopped: %s", type(exc).__name__, exc_info=exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
