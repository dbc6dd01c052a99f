"""Tests of the fake Bot API, driven by a real python-telegram-bot ``Bot`` / ``Application``.

They double as examples: a ``FakeBotApi`` fixture, ``Bot(token, base_url=api.base_url)``, then
assertions on ``api.calls`` / ``api.messages_to(...)`` and user actions via ``api.push_*``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes.bot_api import FakeBotApi, decode_params
from tests.fakes.bot_process import BotProcess

USER = 4242


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


async def test_get_me(bot: Bot, api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "rekindle_test_bot" and me.id == api.bot_id
    assert api.calls_of("getMe")


async def test_send_message_with_inline_keyboard_and_edit(bot: Bot, api: FakeBotApi) -> None:
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes", callback_data="y"), InlineKeyboardButton("No", callback_data="n")]]
    )
    first = await bot.send_message(USER, "Hello", reply_markup=markup)
    second = await bot.send_message(USER, "Again")
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.reply_markup == markup and first.from_user and first.from_user.is_bot
    assert first.chat.id == USER and first.chat.type == "private"

    params = api.sent_messages(USER)[0]
    assert params["chat_id"] == USER  # decoded from the form string "4242"
    assert params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "n"

    edited = await bot.edit_message_text("Hello!", chat_id=USER, message_id=first.message_id)
    assert not isinstance(edited, bool) and edited.text == "Hello!" and edited.reply_markup is None
    assert api.messages_to(USER) == ["Hello", "Again", "Hello!"]
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("Hello!", chat_id=USER, message_id=first.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)


async def test_telegram_validation(bot: Bot, api: FakeBotApi) -> None:
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, "<b>bold", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(USER, "Hi there.", parse_mode="MarkdownV2")
    ok = await bot.send_message(USER, "<b>bold</b> &amp; *x*", parse_mode="HTML")
    assert ok.text == "bold & *x*"
    assert await bot.send_message(USER, r"*Hi* there\. [link](https://a.b/c)", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            USER,
            "k",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]]),
        )
    assert [c.error for c in api.calls_of("sendMessage")][0] == "Bad Request: message is too long"


async def test_commands_round_trip(bot: Bot, api: FakeBotApi) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
    call = api.calls_of("setMyCommands")[0]
    assert call.params["commands"] == [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Help"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_send_document_and_photo_record_bytes(bot: Bot, api: FakeBotApi) -> None:
    msg = await bot.send_document(
        USER, document=b"col1,col2\n1,2\n", filename="export.csv", caption="Your data"
    )
    assert msg.document and msg.document.file_name == "export.csv" and msg.document.file_size == 14
    call = api.calls_of("sendDocument")[0]
    assert call.files == {"document": b"col1,col2\n1,2\n"}
    assert call.filenames == {"document": "export.csv"}
    assert call.params["chat_id"] == USER and call.params["caption"] == "Your data"

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    photo_msg = await bot.send_photo(USER, photo=png)
    assert photo_msg.photo
    assert api.calls_of("sendPhoto")[0].files["photo"] == png
    api.wait_for_text(USER, "Your data", timeout=0.1)  # captions count as text
    # Files the bot sent can be downloaded back through getFile + the file URL.
    tg_file = await bot.get_file(photo_msg.photo[-1].file_id)
    assert bytes(await tg_file.download_as_bytearray()) == png
    await bot.send_chat_action(USER, "typing")
    assert api.calls_of("sendChatAction")[0].params["action"] == "typing"


async def test_get_updates_offsets(bot: Bot, api: FakeBotApi) -> None:
    u1 = api.push_message(USER, "/start now")
    u2 = api.push_message(USER, "hi")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [u1, u2]
    assert updates[0].message and updates[0].message.text == "/start now"
    assert updates[0].message.entities[0].type == "bot_command" and updates[0].message.entities[0].length == 6
    assert updates[1].message and updates[1].message.message_id == 2

    sent = await bot.send_message(
        USER,
        "Pick one",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="pick:a")]]),
    )
    assert sent.message_id == 3  # message ids are shared by user and bot within a chat
    u3 = api.push_callback(USER, "pick:a")
    # Not confirmed yet: same updates come again, then offset confirms them.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [u1, u2, u3]
    rest = await bot.get_updates(offset=u2 + 1, timeout=0)
    assert [u.update_id for u in rest] == [u3]
    query = rest[0].callback_query
    assert query and query.data == "pick:a" and query.from_user.id == USER
    assert query.message and query.message.message_id == sent.message_id
    assert await bot.get_updates(offset=u3 + 1, timeout=0) == ()
    assert api.pending_updates() == []

    api.push_sticker(USER)
    api.push_photo(USER, caption="me")
    api.push_voice(USER)
    api.push_edited_message(USER, "hi (edited)")
    kinds = await bot.get_updates(offset=u3 + 1, timeout=0)
    assert kinds[0].message and kinds[0].message.sticker
    assert kinds[1].message and kinds[1].message.photo and kinds[1].message.caption == "me"
    assert kinds[2].message and kinds[2].message.voice
    assert kinds[3].edited_message and kinds[3].edited_message.text == "hi (edited)"
    only_msgs = await bot.get_updates(offset=kinds[-1].update_id, timeout=0, allowed_updates=["message"])
    assert only_msgs == ()


async def test_long_poll_wakes_on_push(bot: Bot, api: FakeBotApi) -> None:
    async def push_later() -> int:
        await asyncio.sleep(0.3)
        return api.push_message(USER, "wake up")

    pusher = asyncio.create_task(push_later())
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [await pusher]  # it waited for the push, and woke with it
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0.3) == ()  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_429(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert info.value.retry_after in (7, dt.timedelta(seconds=7))
    assert api.calls_of("sendMessage")[0].fault == "429"
    assert (await bot.send_message(USER, "x")).text == "x"  # only once
    assert api.messages_to(USER) == ["x"]  # the failed attempt was not delivered


async def test_fault_500_and_times(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", "500", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await bot.send_message(USER, "x")
    await bot.send_message(USER, "x")
    assert [c.fault for c in api.calls_of("sendMessage")] == ["500", "500", None]


async def test_fault_timeout(api: FakeBotApi) -> None:
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(api.token, base_url=api.base_url, request=request) as bot:
        api.fail_next("sendMessage", "timeout", hold=3)
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "x")
        assert api.messages_to(USER) == []

        api.fail_next("sendMessage", "timeout_delivered", hold=3)
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "delivered anyway")
        assert api.messages_to(USER) == ["delivered anyway"]
    # stop() must release the held requests (it returns at all: a held request would keep it waiting)
    api.stop()


async def test_fault_403_and_chat_not_found(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", "403")
    with pytest.raises(Forbidden, match="(?i)blocked"):
        await bot.send_message(USER, "x")
    api.fail_next("*", "chat_not_found")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_chat_action(USER, "typing")
    api.block(USER)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "x")
    api.unblock(USER)
    await bot.send_message(USER, "x")


async def test_wrong_token_and_unknown_method(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=api.base_url):
            pass
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(Exception, match="(?i)not found|invalid"):
            await bot.do_api_request("noSuchMethod")


def test_decode_params() -> None:
    assert decode_params(
        {
            "chat_id": "12",
            "text": "12",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": []}',
            "chat": "@chan",
        }
    ) == {
        "chat_id": 12,
        "text": "12",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": []},
        "chat": "@chan",
    }


async def test_application_echo_command_and_callback(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        await update.effective_message.reply_text(
            "Welcome", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_message.text
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer("noted")
        await query.edit_message_text(f"You chose {query.data}")

    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))
    async with app:
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=2)
        await app.start()
        try:
            api.push_message(USER, "hello there")
            await api.wait_for_text_async(USER, "echo: hello there", timeout=5)
            mark = api.mark()
            api.push_message(USER, "/start")
            await api.wait_for_text_async(USER, "Welcome", timeout=5, after=mark)
            api.push_callback(USER, "ok")
            answer = await api.wait_for_call_async("answerCallbackQuery", timeout=5)
            assert answer.params["text"] == "noted"
            await api.wait_for_text_async(USER, "You chose ok", timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    assert api.messages_to(USER) == ["echo: hello there", "Welcome", "You chose ok"]
    assert api.last_bot_message(USER) == api.message(USER, 4)


def test_wait_for_text_timeout_message(api: FakeBotApi) -> None:
    with pytest.raises(AssertionError, match="(?i)Timed out .* 'nope'"):
        api.wait_for_text(USER, "nope", timeout=0.1)


def test_bot_process_env_output_and_stop(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "real-secret")
    monkeypatch.setenv("DATABASE_URL", "postgres://prod")
    script = (
        "import os, signal, sys, time\n"
        "print('token', os.environ.get('TELEGRAM_BOT_TOKEN'), os.environ.get('DATABASE_URL'), flush=True)\n"
        "print('ready', flush=True)\n"
        "try:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print('bye', file=sys.stderr)\n    sys.exit(3)\n"
    )
    with BotProcess({"TELEGRAM_BOT_TOKEN": "fake"}, args=("-c", script)) as proc:
        proc.wait_for_output("ready", timeout=5)
        assert proc.is_running()
        assert proc.stop(timeout=5) == 3
    out = proc.output()
    assert "token fake None" in out and "bye" in out
    assert not proc.is_running()
    proc.remove_log()

    quick = BotProcess({}, args=("-c", "raise SystemExit(0)"), python=sys.executable).start()
    assert quick.wait_exit(5) == 0
    quick.remove_log()


ECHO_BOT = """
import os
from telegram.ext import Application, MessageHandler, filters

async def echo(update, context):
    await update.message.reply_text("echo: " + update.message.text)

app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(os.environ["TELEGRAM_API_BASE_URL"]).build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0)
"""


def test_subprocess_bot_against_fake(api: FakeBotApi) -> None:
    """The end-to-end pattern: a bot in a subprocess, configured only through the environment."""
    with BotProcess(api.env(), args=("-c", ECHO_BOT)) as proc:
        api.wait_until_polling(timeout=15)
        api.push_message(USER, "ping")
        api.wait_for_text(USER, "echo: ping", timeout=5)
        assert proc.stop(timeout=5) == 0  # SIGINT -> run_polling shuts down cleanly
    assert api.messages_to(USER) == ["echo: ping"]
    assert "Traceback" not in proc.output()
    proc.remove_log()
