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
from bot.outbox import Postman, instance_name
from bot.startup import check_bot_api, explain
from bot.telegram_app import COACHING_KEY, POSTMAN_KEY, TelegramSender, build_application, register_commands
from bot.usecase import Coaching
from coach.vocabulary import Pace
from storage.db import is_sqlite
from storage.store import SqlStore, open_store

log = logging.getLogger("bot")


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
    dispatch_loop = DispatchLoop(dispatcher, system_clock, application=application)
    coaching.on_timers_changed = dispatch_loop.poke
    dispatch_loop.start()
    return dispatch_loop


def run_telegram(settings: Settings, pace: Pace) -> int:
    token = settings.token
    assert token is not None
    state: dict[str, Any] = {}

    async def started(app: Any) -> None:
        store, coaching = await open_coaching(settings, pace)
        app.bot_data[COACHING_KEY] = coaching
        await register_commands(app)
        dispatch_loop = start_nudges(store, coaching, TelegramSender(app.bot), settings, application=app)
        state.update(store=store, loop=dispatch_loop)
        log.info("Rekindle is running on Telegram (one program day = %s)", pace.day)

    async def stopping(app: Any) -> None:
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
    app.run_polling(allowed_updates=["message", "edited_message", "callback_query", "channel_post"])
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
