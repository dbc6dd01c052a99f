"""The Telegram adapter: python-telegram-bot handlers, one per thing she does, each short.

Handlers turn an update into a call on the use case (bot.usecase.Coaching) and render what comes back: text
with inline buttons, a PNG, a JSON document. No rule of the program lives here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.clock import monotonic
from bot.outbox import Postman, instance_name
from bot.usecase import Coaching, Outgoing
from coach import buttons as B
from coach.copy import messages as M
from coach.vocabulary import Button, Command, Commanded, Reply

log = logging.getLogger(__name__)

COACHING_KEY = "coaching"
POSTMAN_KEY = "postman"


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    if isinstance(rows, tuple):  # Reply.buttons: hashable, and the same few keyboards come back all the time
        return _keyboard(rows)
    return _build_keyboard(rows)


@functools.lru_cache(maxsize=512)
def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    # Telegram objects are frozen once built, so one markup may go out with any number of messages.
    return _Keyboard([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


class _Keyboard(InlineKeyboardMarkup):
    """A keyboard sent again and again: its JSON form is worked out once (python-telegram-bot would walk the
    buttons on every send). Frozen like any Telegram object, so the cached form stays true."""

    __slots__ = ("_json",)
    _json: dict[str, Any]

    def __init__(self, rows: Sequence[Sequence[InlineKeyboardButton]]) -> None:
        super().__init__(rows)
        object.__setattr__(self, "_json", super().to_dict())

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        json: dict[str, Any] = self._json
        # A fresh copy each time: the caller owns what it gets, as with TelegramObject.to_dict.
        return {**json, "inline_keyboard": [[dict(b) for b in row] for row in json["inline_keyboard"]]}


def _build_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def _coaching(context: ContextTypes.DEFAULT_TYPE) -> Coaching:
    coaching: Coaching = context.application.bot_data[COACHING_KEY]
    return coaching


def _postman(context: ContextTypes.DEFAULT_TYPE) -> Postman:
    data = context.application.bot_data
    if POSTMAN_KEY not in data:
        coaching = _coaching(context)
        def wake(at: datetime) -> None:
            if coaching.on_timers_changed is not None:
                coaching.on_timers_changed(at)

        data[POSTMAN_KEY] = Postman(
            coaching.store, TelegramSender(context.bot), coaching.clock, claimer=instance_name(), on_retry=wake
        )
    postman: Postman = data[POSTMAN_KEY]
    return postman


async def send_outgoing(context: ContextTypes.DEFAULT_TYPE, chat_id: int, out: Outgoing) -> None:
    """Her replies come from the outbox, where the step put them: a send that fails is retried there, never
    undone or reported as "nothing changed" (the step is saved)."""
    bot = context.bot
    if out.queued:
        await _postman(context).deliver(out.queued)
    else:  # after /delete: nothing of hers is kept, not even this goodbye
        for reply in out.replies:
            await bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply.buttons))
    try:
        if out.picture is not None:
            await bot.send_photo(
                chat_id, InputFile(out.picture.png, filename="journey.png"), caption=out.picture.caption
            )
        if out.document is not None:
            doc = out.document
            await bot.send_document(
                chat_id, InputFile(doc.content, filename=doc.filename), caption=doc.caption
            )
    except TelegramError as exc:
        # Drawn from what is saved, changing nothing: she can ask again; no false "nothing was changed".
        log.warning("a picture or file for chat could not be sent: %s", type(exc).__name__)


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


# --------------------------------------------------------------------------------------------------
# Handlers, in the order python-telegram-bot tries them.


async def outside_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Groups and channels get one line pointing to a private chat, and nothing is stored."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    # Answer only when addressed (a command, or a reply to us), so the bot does not chatter in a group.
    text = message.text or ""
    if text.startswith("/") or (
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == context.bot.id
    ):
        try:
            await context.bot.send_message(chat.id, M.group_chat())
        except TelegramError:
            log.info("could not answer in a group chat")


async def typed_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    word, _, arg = message.text.partition(" ")
    name = word[1:].split("@", 1)[0].lower()
    try:
        command = Command(name)
    except ValueError:
        if await _coaching(context).first_time(update.update_id):
            await context.bot.send_message(message.chat_id, M.didnt_catch())
        return
    out = await _coaching(context).handle_event(
        user.id, message.chat_id, Commanded(command, arg), f"/{name}", update_id=update.update_id
    )
    await send_outgoing(context, message.chat_id, out)


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    out = await _coaching(context).handle_text(
        user.id, message.chat_id, message.text, update_id=update.update_id
    )
    await send_outgoing(context, message.chat_id, out)


async def pressed_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    event = B.parse(query.data)
    message = query.message if isinstance(query.message, Message) else None
    if event is None or message is None:
        await query.answer(M.forged_button())
        return
    if message.chat.type != ChatType.PRIVATE:
        await query.answer(M.group_chat())
        return
    try:
        await query.answer()
    except BadRequest:
        pass  # a redelivered press: the query was answered the first time, and is too old now
    label = _label_of(message, query.data or "")
    await _mark_choice(message, label)
    out = await _coaching(context).handle_event(
        user.id, message.chat_id, event, f"[{label}]", update_id=update.update_id
    )
    await send_outgoing(context, message.chat_id, out)


def _label_of(message: Message, data: str) -> str:
    markup = message.reply_markup
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
    return data


async def _mark_choice(message: Message, label: str) -> None:
    """Shows her choice under the question and removes the buttons, so an old keyboard can't be pressed twice."""
    try:
        await message.edit_text(f"{message.text or ''}\n\n> {label}", reply_markup=None)
    except BadRequest:
        pass  # already edited, or too old to edit: harmless


async def edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.edited_message
    if message is not None and await _coaching(context).first_time(update.update_id):
        await context.bot.send_message(message.chat_id, M.edited_message())


async def sent_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and await _coaching(context).first_time(update.update_id):
        await context.bot.send_message(message.chat_id, M.unsupported_media())


async def error_happened(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The exception's repr may hold message text; the traceback is enough to debug.
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    failures = _failures.get()
    if failures is not None and context.error is not None:
        failures.append(context.error)
    if getattr(context.application, "redelivers", False):
        return  # the webhook answers 500 and Telegram sends the update again: no apology on every try
    if isinstance(update, Update) and update.effective_chat is not None and _is_private(update):
        try:
            await context.bot.send_message(update.effective_chat.id, M.something_went_wrong())
        except TelegramError:
            pass


async def log_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # At INFO, only that something arrived: never message text.
    log.debug("update %s", update.update_id)


# --------------------------------------------------------------------------------------------------


async def register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.bot.set_my_commands([BotCommand(c.value, d) for c, d in M.COMMANDS])


class TelegramSender:
    """Sends nudges for the dispatcher; python-telegram-bot's errors pass through for it to judge."""

    def __init__(self, bot: Any) -> None:
        self._bot = bot

    async def send(self, chat_id: int, reply: Reply) -> None:
        await self._bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply.buttons))


Hook = Callable[[Any], Coroutine[Any, Any, None]]
# Called after each update: (update, seconds it took, whether every handler succeeded).
Observer = Callable[[object, float, bool], None]

# The handler errors of the update being processed: python-telegram-bot hands them to error_happened and
# returns normally, but a webhook must answer 500 so that Telegram delivers the update again.
_failures: ContextVar[list[BaseException] | None] = ContextVar("rekindle_failures", default=None)


class RekindleApplication(Application[Any, Any, Any, Any, Any, Any]):
    """python-telegram-bot's Application, telling whether an update was handled (`handle`) and reporting each
    one to `observer` (metrics), in polling and webhook mode alike."""

    observer: Observer | None = None
    # Webhook mode: a failed update is delivered again by Telegram.
    redelivers: bool = False

    async def process_update(self, update: object) -> None:
        await self.handle(update)

    async def handle(self, update: object) -> bool:
        failures: list[BaseException] = []
        token = _failures.set(failures)
        started = monotonic()
        try:
            await super().process_update(update)
        finally:
            _failures.reset(token)
        if self.observer is not None:
            self.observer(update, monotonic() - started, not failures)
        return not failures


def build_application(
    token: str,
    coaching: Coaching | None,
    *,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    post_init: Hook | None = None,
    post_stop: Hook | None = None,
    post_shutdown: Hook | None = None,
    webhook: bool = False,
) -> RekindleApplication:
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(token).application_class(RekindleApplication)
    )
    if webhook:
        builder = builder.updater(None)  # updates come in through bot.webhook, not getUpdates
    if post_init is not None:
        builder = builder.post_init(post_init)
    if post_stop is not None:
        builder = builder.post_stop(post_stop)
    if post_shutdown is not None:
        builder = builder.post_shutdown(post_shutdown)
    if base_url:
        builder = builder.base_url(base_url.rstrip("/")).base_file_url(
            base_url.rstrip("/").removesuffix("/bot") + "/file/bot"
        )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    assert isinstance(app, RekindleApplication)
    app.redelivers = webhook
    if coaching is not None:
        app.bot_data[COACHING_KEY] = coaching
    add_handlers(app)
    return app


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, log_update), group=-1)
    app.add_handler(
        MessageHandler(
            ~private & (filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS), outside_private_chat
        )
    )
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, edited_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, typed_command))
    app.add_handler(MessageHandler(private & filters.TEXT, typed_text))
    app.add_handler(CallbackQueryHandler(pressed_button))
    app.add_handler(MessageHandler(private & filters.ALL, sent_media))
    app.add_error_handler(error_happened)
