"""Webhook mode: an ASGI app (Starlette, served by uvicorn) in front of python-telegram-bot's Application.

Why not PTB's own `run_webhook`: it serves only the update path, while /healthz and /metrics must share the
port, and it answers Telegram before the update is handled. Here each POST is handled inside the request
(`RekindleApplication.handle`), so 200 means "handled and saved" and a failure is a 500 that Telegram
redelivers; processed_updates makes the redelivery of an update already handled a no-op. Shutdown is ours too:
uvicorn stops taking requests, finishes those in hand, and only then do the dispatcher and the store close.

Telegram posts to a fixed path (/telegram), never one with the token in it, and uvicorn's access log is off:
neither the token nor her words reach a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.metrics import CONTENT_TYPE, Metrics
from bot.telegram_app import RekindleApplication

__all__ = ["SECRET_HEADER", "UPDATE_PATH", "HttpServer", "Probe", "stop_on_signals", "web_app"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE_PATH = "/telegram"


class Probe(Protocol):
    """What /healthz and /metrics ask of storage (storage.store.SqlStore)."""

    async def ping(self) -> None: ...

    async def nudge_backlog(self, now: datetime) -> tuple[int, float]: ...


class Liveness(Protocol):
    def alive(self, now: datetime) -> bool: ...


def web_app(
    *,
    application: RekindleApplication | None,
    secret: str | None,
    store: Probe,
    dispatch: Liveness,
    metrics: Metrics,
    clock: Callable[[], datetime],
) -> Starlette:
    """/telegram (when `application` is given), /healthz and /metrics."""

    async def telegram(request: Request) -> Response:
        assert application is not None and secret is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except Exception:
            return Response(status_code=400)
        handled = await application.handle(update)
        return Response(status_code=200 if handled else 500)

    async def healthz(request: Request) -> Response:
        try:
            await store.ping()
            database = "ok"
        except Exception as exc:
            log.warning("health check: the database does not answer (%s)", type(exc).__name__)
            database = "down"
        dispatcher = "ok" if dispatch.alive(clock()) else "stalled"
        ok = database == "ok" and dispatcher == "ok"
        return JSONResponse({"database": database, "dispatcher": dispatcher}, status_code=200 if ok else 503)

    async def metrics_page(request: Request) -> Response:
        try:
            body = await metrics.render(lambda: store.nudge_backlog(clock()))
        except Exception as exc:
            log.warning("metrics: the database does not answer (%s)", type(exc).__name__)
            return Response(status_code=503)
        return Response(body, media_type=CONTENT_TYPE)

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"])]
    if application is not None:
        routes.append(Route(UPDATE_PATH, telegram, methods=["POST"]))
    return Starlette(routes=routes)


class HttpServer(uvicorn.Server):
    """uvicorn without its own signal handling: it would re-raise SIGTERM once serving ends, killing the
    process before the dispatcher and the store are closed. `stop_on_signals` (or the caller) sets
    `should_exit` instead."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,  # keep the application's handlers, and with them the redaction
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=30,
                server_header=False,
            )
        )

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def stop_on_signals(server: uvicorn.Server) -> None:
    """SIGTERM (a deploy, `docker stop`) or SIGINT: stop taking requests, finish those in hand, then return
    from `serve()` so the caller can close everything and exit 0."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _request_exit, server, sig)


def _request_exit(server: uvicorn.Server, sig: int) -> None:
    if server.should_exit:
        server.force_exit = True  # a second signal: stop waiting for requests in hand
    server.should_exit = True
    log.info("%s: finishing the updates in hand, then stopping", signal.Signals(sig).name)
