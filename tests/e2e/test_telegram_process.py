"""End to end: the real `python -m bot` process against a small Bot API server this test runs on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_process import BotProcess

USER = 4242
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/coach.db"


def test_start_press_answer_restart_and_continue(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=_db(tmp_path), LOG_LEVEL="INFO")
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            assert api.calls_of("setMyCommands"), "the command menu is registered"
            api.push_message(USER, "/start")
            api.wait_for_text(USER, "What should I call him?", timeout=15)
            api.push_message(USER, "Sam")
            api.wait_for_text(USER, "When did things end with Sam?", timeout=15)
            mark = api.mark()
            api.push_callback(USER, "a:ended:months")
            api.wait_for_call("answerCallbackQuery", after_index=mark, timeout=15)
            api.wait_for_call("editMessageText", after_index=mark, timeout=15)
            api.wait_for_text(USER, "Who ended it?", timeout=15, after=mark)
            assert bot.stop() == 0
        mark = api.mark()
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            api.push_message(USER, "/start")
            call = api.wait_for_text(USER, "Who ended it?", timeout=15, after=mark)
            assert "Welcome back" in "".join(api.messages_to(USER, after_index=mark))
            api.push_callback(USER, "a:who_ended:he")
            api.wait_for_text(USER, "What reason did Sam give", timeout=15, after=call.index)
            assert bot.stop() == 0
            assert "Traceback" not in bot.output()


def test_group_chat_gets_one_line(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api, BotProcess(api.env(DATABASE_URL=_db(tmp_path))) as bot:
        api.wait_until_polling(timeout=30)
        api.push_message(USER, "/start", chat_type="group", chat_id=-100500)
        api.wait_for_text(-100500, "private chat", timeout=15)
        bot.stop()


def test_token_never_appears_in_logs_at_debug(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=_db(tmp_path), LOG_LEVEL="DEBUG")
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            api.push_message(USER, "/start")
            api.wait_for_text(USER, "What should I call him?", timeout=15)
            api.push_message(USER, "Sam")
            api.wait_for_text(USER, "When did things end", timeout=15)
            time.sleep(0.5)
            bot.stop()
            output = bot.output()
    secret = TOKEN.split(":", 1)[1]
    assert "DEBUG" in output, "the bot really logged at DEBUG"
    assert TOKEN not in output and secret not in output


def test_day_21_nudge_arrives_after_21_seconds_and_not_before(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=_db(tmp_path), COACH_DAY_SECONDS="1")
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            for text in ("/start", "Sam"):
                api.push_message(USER, text)
                time.sleep(0.3)
            for data in (
                "a:ended:week",
                "a:who_ended:he",
                "a:his_reason:unknown",
                "a:still_talk:talking",
                "a:timezone:skip",
                "a:ready:yes",
            ):
                mark = api.mark()
                api.push_callback(USER, data)
                api.wait_for_call("sendMessage", after_index=mark, timeout=15)
            mark = api.mark()
            api.push_callback(USER, "d:understand")
            api.wait_for_text(USER, "no contact, for 21 days", timeout=15, after=mark)
            api.wait_for_text(USER, "reconnect. The waiting is done", timeout=40, after=mark)
            said = [c.params.get("text", "") for c in api.calls_of("sendMessage", after_index=mark)]
            bot.stop()
    # Not before day 21, told by the program's own days rather than the wall clock: every self-work prompt of
    # the twenty days before went out first, and none came after.
    reach_out = next(i for i, text in enumerate(said) if "reconnect. The waiting is done" in text)
    days = [int(text.split()[1]) for text in said if text.startswith("Day ")]
    assert days and max(days) >= 19, days
    assert all(not text.startswith("Day ") for text in said[reach_out:])


@pytest.mark.parametrize("value", ["COACH_DAY_SECONDS=abc", "LOG_LEVEL=LOUD", "DATABASE_URL=mysql://x"])
def test_a_broken_config_value_stops_startup_with_one_line(tmp_path: Path, value: str) -> None:
    name, _, bad = value.partition("=")
    env = {name: bad}
    if name != "DATABASE_URL":
        env["DATABASE_URL"] = _db(tmp_path)
    with BotProcess(env, args=("-m", "bot", "--console")) as bot:
        code = bot.wait_exit(timeout=30)
        lines = [line for line in bot.output().splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and name in lines[0]


def test_a_reply_lost_to_server_errors_arrives_later_and_the_step_stands(tmp_path: Path) -> None:
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=_db(tmp_path))
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            api.push_message(USER, "/start")
            api.wait_for_text(USER, "What should I call him?", timeout=15)
            api.fail_next("sendMessage", "500", times=2)  # the send and its quick second try
            mark = api.mark()
            api.push_message(USER, "Sam")
            # Kept in the outbox with the saved step, sent by the next pass (backoff 10 s): not lost, and
            # never "nothing was changed".
            api.wait_for_text(USER, "When did things end with Sam?", timeout=40, after=mark)
            assert not [t for t in api.messages_to(USER, after_index=mark) if "nothing was changed" in t]
            assert bot.stop() == 0
            assert "Traceback" not in bot.output()


def test_polling_serves_health_and_metrics_on_metrics_port_and_sigterm_exits_0(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeBotApi(token=TOKEN) as api:
        env = api.env(DATABASE_URL=_db(tmp_path), METRICS_PORT=str(port))
        with BotProcess(env) as bot:
            api.wait_until_polling(timeout=30)
            api.push_message(USER, "/start")
            api.wait_for_text(USER, "What should I call him?", timeout=15)
            for _ in range(200):  # the dispatcher's first pass may still be running: bounds a hang only
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                if health.status_code == 200:
                    break
                time.sleep(0.05)
            assert health.json() == {"database": "ok", "dispatcher": "ok"}
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            assert 'rekindle_updates_handled_total{kind="command"} 1.0' in metrics
            assert httpx.post(f"http://127.0.0.1:{port}/telegram", json={}, timeout=10).status_code == 404
            assert bot.pid is not None
            os.kill(bot.pid, signal.SIGTERM)
            assert bot.wait_exit(timeout=30) == 0
            assert "Traceback" not in bot.output()
