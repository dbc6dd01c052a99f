"""The webhook app in process (httpx over ASGI): the secret token, exactly-once answers, 500 on a failure so
Telegram redelivers, /healthz and /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.metrics import Metrics
from bot.telegram_app import RekindleApplication, build_application
from bot.usecase import Coaching
from bot.webhook import SECRET_HEADER, UPDATE_PATH, web_app
from coach.vocabulary import Pace
from storage.store import SqlStore, open_store
from tests.bot.harness import TOKEN, message_update
from tests.fakes.clock import FakeClock
from tests.fakes.recording_request import RecordingRequest

SECRET = "s3cret_-Token"
USER = 4242


class Liveness:
    def __init__(self) -> None:
        self.ok = True

    def alive(self, now: datetime) -> bool:
        return self.ok


@dataclass
class Web:
    client: httpx.AsyncClient
    app: RekindleApplication
    request: RecordingRequest
    store: SqlStore
    dispatch: Liveness
    metrics: Metrics

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(UPDATE_PATH, json=update, headers=headers)

    def sent(self) -> list[str]:
        return [c.params.get("text", "") for c in self.request.calls if c.method == "sendMessage"]

    async def incoming(self) -> list[str]:
        async with self.store.transaction() as tx:
            return [h.text for h in await tx.history.recent(USER) if h.kind == "in"]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    clock = FakeClock()
    request = RecordingRequest()
    app = build_application(TOKEN, Coaching(store, clock, Pace()), request=request, webhook=True)
    metrics = Metrics()
    app.observer = metrics.observe
    dispatch = Liveness()
    asgi = web_app(
        application=app, secret=SECRET, store=store, dispatch=dispatch, metrics=metrics, clock=clock
    )
    await app.initialize()
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield Web(client, app, request, store, dispatch, metrics)
    await app.shutdown()
    await store.close()


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(web: Web, secret: str | None) -> None:
    response = await web.post(message_update(USER, "/start"), secret=secret)
    assert response.status_code == 403
    assert web.sent() == [] and await web.incoming() == []
    async with web.store.transaction() as tx:
        assert await tx.users.get(USER) is None


async def test_an_update_is_answered_once_however_often_it_comes(web: Web) -> None:
    update = message_update(USER, "/start")
    assert (await web.post(update)).status_code == 200
    first = web.sent()
    assert "What should I call him?" in first[-1]
    for _ in range(2):
        assert (await web.post(update)).status_code == 200
    assert web.sent() == first
    assert await web.incoming() == ["/start"]


async def test_a_failed_update_is_a_500_and_its_redelivery_is_handled(web: Web, monkeypatch) -> None:
    update = message_update(USER, "/start")
    coaching = web.app.bot_data["coaching"]
    real = coaching._store

    class Down:
        def transaction(self) -> Any:
            raise ConnectionError("database is down")

    monkeypatch.setattr(coaching, "_store", Down())
    assert (await web.post(update)).status_code == 500
    assert web.sent() == [], "no apology: Telegram sends the update again"
    monkeypatch.setattr(coaching, "_store", real)
    assert (await web.post(update)).status_code == 200
    assert "What should I call him?" in web.sent()[-1] and await web.incoming() == ["/start"]


async def test_healthz_says_what_is_wrong(web: Web, monkeypatch) -> None:
    response = await web.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "dispatcher": "ok"}
    web.dispatch.ok = False
    response = await web.client.get("/healthz")
    assert response.status_code == 503 and response.json()["dispatcher"] != "ok"

    async def down() -> None:
        raise ConnectionError("no database")

    web.dispatch.ok = True
    monkeypatch.setattr(web.store, "ping", down)
    response = await web.client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"database": "down", "dispatcher": "ok"}


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics:\n{text}")


async def test_metrics_count_updates_by_kind_latency_errors_and_the_nudge_backlog(web: Web) -> None:
    for text in ("/start", "Sam", "hi"):
        assert (await web.post(message_update(USER, text))).status_code == 200
    response = await web.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert _sample(body, 'rekindle_updates_handled_total{kind="command"}') == 1
    assert _sample(body, 'rekindle_updates_handled_total{kind="text"}') == 2
    assert _sample(body, 'rekindle_updates_handled_total{kind="button"}') == 0
    assert _sample(body, "rekindle_reply_latency_seconds_count") == 3
    assert _sample(body, "rekindle_update_errors_total") == 0
    assert _sample(body, "rekindle_nudges_sent_total") == 0
    assert _sample(body, "rekindle_nudges_pending") >= 0
    assert _sample(body, "rekindle_nudges_oldest_due_lateness_seconds") == 0
    assert SECRET not in body and TOKEN not in body


async def test_the_webhook_answers_only_at_its_path(web: Web) -> None:
    assert (await web.client.post(f"/bot{TOKEN}", json={})).status_code == 404
    assert (await web.client.get(UPDATE_PATH)).status_code == 405


async def test_a_redelivered_sticker_or_edit_is_answered_once(web: Web) -> None:
    sticker = message_update(USER, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    edit = message_update(USER, "changed my mind")
    edit["edited_message"] = {**edit.pop("message"), "edit_date": 1_790_000_100}
    unknown = message_update(USER, "/nonsense")
    for update in (sticker, edit, unknown):
        for _ in range(2):
            assert (await web.post(update)).status_code == 200
    assert len(web.sent()) == 3
