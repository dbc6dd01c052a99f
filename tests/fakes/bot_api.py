"""A small, in-process fake of the Telegram Bot API for tests.

The machine running the tests has no internet, so both unit tests (a ``telegram.Bot`` or an
``Application`` in the test's own event loop) and end-to-end tests (the real bot started with
``python -m bot`` in a subprocess, see :mod:`tests.fakes.bot_process`) talk to this server instead.

Typical end-to-end use::

    with FakeBotApi() as api, BotProcess(api.env()) as bot:
        api.wait_for_call("getUpdates")                  # the bot is polling
        api.push_message(42, "/start")                   # the user "types" /start
        api.wait_for_text(42, "Hi")                      # the bot answered chat 42
        mark = api.mark()
        api.push_callback(42, "mood:ok")                 # the user taps a button on the last bot message
        api.wait_for_call("answerCallbackQuery", after_index=mark)

In an ``async`` test where the bot runs in the *same* event loop, use the ``*_async`` waiters
(``await api.wait_for_text_async(...)``) so the loop keeps running while you wait.

How python-telegram-bot 22 sends requests (see ``telegram/request/_httpxrequest.py`` and
``_requestparameter.py``): every API call is an HTTP ``POST`` to ``<base_url><token>/<method>``.
Without files the body is ``application/x-www-form-urlencoded``; with files it is
``multipart/form-data`` (file fields carry a ``filename``).  In both cases every value is a
*string*: ``str`` parameters are sent as-is, everything else (ints, bools, ``reply_markup``,
``commands``, ``allowed_updates``, ``scope``, ...) is ``json.dumps``-ed.  This server decodes
those values back (see :func:`decode_params`), so ``Call.params`` holds ints, bools, dicts and
lists; the untouched strings are kept in ``Call.raw_params``.  JSON bodies are accepted too.

The server is a ``ThreadingHTTPServer`` in a background thread; all public methods are
thread-safe.  Responses mimic Telegram: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}`` with the matching HTTP status.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "Call",
    "FakeBotApi",
    "FaultKind",
    "decode_params",
]

DEFAULT_TOKEN = "123456789:AAFakeTokenForRekindleTests_0000000"

FaultKind = str  # one of FAULT_KINDS
FAULT_KINDS = frozenset({"429", "500", "timeout", "timeout_delivered", "403", "chat_not_found", "409", "400"})

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# Parameters whose values are plain strings and must never be JSON-decoded ("42" stays "42").
_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "query",
        "title",
        "description",
        "short_description",
        "name",
        "parse_mode",
        "action",
        "url",
        "language_code",
        "emoji",
        "file_id",
        "secret_token",
        "message_effect_id",
        "document",
        "photo",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "video_note",
        "thumbnail",
    }
)

_TEXT_METHODS = ("sendMessage", "editMessageText")
_CAPTION_METHODS = ("sendPhoto", "sendDocument", "editMessageCaption")


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Turn python-telegram-bot's all-strings form fields back into JSON values.

    ``"123"`` -> ``123`` (for e.g. ``chat_id``), ``"true"`` -> ``True``,
    ``'{"inline_keyboard": ...}'`` -> ``dict``; keys in ``_STRING_KEYS`` (``text``, ``caption``,
    ``parse_mode``, ...) and values that are not valid JSON stay strings.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRING_KEYS or not isinstance(value, str) or not value:
            out[key] = value
            continue
        if value[0] in '{["-0123456789' or value in ("true", "false", "null"):
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _same_chat(a: Any, b: Any) -> bool:
    return a is not None and b is not None and str(a) == str(b)


@dataclass
class Call:
    """One request the bot made.

    ``params`` are decoded (see :func:`decode_params`), ``files`` maps a multipart field name to the
    uploaded bytes (``filenames`` to the uploaded file names), ``at`` is ``time.monotonic()`` on
    arrival (compare two calls' ``at`` to measure e.g. a retry delay), ``fault`` is the injected
    fault kind if this attempt was failed on purpose (``None`` otherwise), ``result`` is what the
    fake answered in ``"result"`` (e.g. the sent Message dict) or ``None`` on error, and
    ``error`` is the error description if the fake answered ``ok: false``.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = 0.0
    fault: str | None = None
    index: int = -1
    raw_params: dict[str, str] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    error_code: int | None = None

    @property
    def ok(self) -> bool:
        """True if the fake answered ``{"ok": true}``."""
        return self.error is None and self.fault is None

    @property
    def delivered(self) -> bool:
        """True if the effect happened (a message reached the user), even if the answer was lost."""
        return self.error is None and self.fault in (None, "timeout_delivered")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """``text`` (or ``caption`` for media methods) of this call, if any."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None


@dataclass
class _Fault:
    kind: str
    remaining: int
    retry_after: int
    hold: float
    description: str | None


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


# --------------------------------------------------------------------------- formatting checks

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        if tag not in _HTML_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
            return
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.error:
            self.error = f'Unsupported start tag "{tag}"'

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Unmatched end tag "{tag}"' if tag in _HTML_TAGS else f'Unsupported end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_MDV2_ALWAYS_RESERVED = set("#+-={}.!()")


def _check_markdown_v2(text: str) -> str | None:
    """Conservative MarkdownV2 check: only flags characters that can never be unescaped."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                return "Can't find end of Pre entity" if fence == "```" else "Can't find end of Code entity"
            i = end + len(fence)
            continue
        if c == "]" and i + 1 < n and text[i + 1] == "(":
            j = i + 2
            while j < n and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n" or text.startswith("**>", max(0, i - 2))):
            i += 1
            continue
        if c == "|" and ((i + 1 < n and text[i + 1] == "|") or (i > 0 and text[i - 1] == "|")):
            i += 1
            continue
        if c in _MDV2_ALWAYS_RESERVED or c in ">|":
            return f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
        i += 1
    return None


def _render_text(text: str, parse_mode: Any) -> str:
    """Return the plain text Telegram would store, or raise ``_ApiError`` like Telegram does."""
    mode = parse_mode.lower() if isinstance(parse_mode, str) else None
    if mode == "html":
        parser = _TelegramHtml()
        parser.feed(text)
        parser.close()
        if not parser.error and parser.stack:
            parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
        if parser.error:
            raise _ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
        return "".join(parser.parts)
    if mode == "markdownv2":
        problem = _check_markdown_v2(text)
        if problem:
            raise _ApiError(400, f"Bad Request: can't parse entities: {problem}")
    return text


# --------------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # The listen backlog: socketserver's default of 5 resets connections when a bot opens dozens at once.
    request_queue_size = 256

    def __init__(self, fake: FakeBotApi):
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Connections cut by stop() or by a client giving up on a held request are expected.
        if self.fake._stopping.is_set():
            return
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the client's delayed
    # ACK, and every call took about 40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        self.server.fake._handle_http(self)

    do_GET = do_POST

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: Any) -> None:
        self.send_bytes(status, json.dumps(payload).encode(), "application/json")

    def send_bytes(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, bytes], dict[str, str]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    if not message.is_multipart():
        return fields, files, filenames
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_param("filename", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if filename is not None:
            files[str(name)] = payload
            filenames[str(name)] = str(filename)
        else:
            charset = part.get_content_charset() or "utf-8"
            fields[str(name)] = payload.decode(charset, "replace")
    return fields, files, filenames


# --------------------------------------------------------------------------- the fake


Handler = Callable[[dict[str, Any], dict[str, bytes]], Any]


class FakeBotApi:
    """A fake Telegram Bot API server (see the module docstring for the big picture).

    Args:
        token: the only token accepted; other tokens get ``401 Unauthorized``.
        bot_username / bot_first_name: what ``getMe`` returns.
        validate_formatting: reject bad HTML / MarkdownV2 like Telegram does
            ("Bad Request: can't parse entities: ...").
        strict_edits: answer "Bad Request: message is not modified" when an edit changes nothing,
            and "message to edit not found" for unknown message ids, as Telegram does.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "rekindle_test_bot",
        bot_first_name: str = "Rekindle",
        validate_formatting: bool = True,
        strict_edits: bool = True,
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456789
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.validate_formatting = validate_formatting
        self.strict_edits = strict_edits

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)  # notified on new calls and new updates
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100001)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._next_message_id: dict[Any, int] = {}
        self._messages: dict[tuple[str, int], dict[str, Any]] = {}  # (str(chat_id), message_id) -> Message
        self._chats: dict[str, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._allowed_updates: set[str] | None = None
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._files: dict[str, bytes] = {}
        self.blocked_chats: set[str] = set()
        self._extra_methods: dict[str, Handler] = {}
        self.webhook: dict[str, Any] = {}  # the last setWebhook's url, secret_token, allowed_updates
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeBotApi", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes long polls and held ("timeout") requests and closes connections."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        with server.sockets_lock:
            sockets = list(server.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Goes into TELEGRAM_API_BASE_URL / ``Bot(base_url=...)``; PTB appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``Bot(base_file_url=...)``; files from ``getFile`` are served below it."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for ``BotProcess``: TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL (+ extra)."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url, **extra}

    # ------------------------------------------------------------------ recording / queries

    @property
    def calls(self) -> list[Call]:
        """A snapshot (copy) of every request so far, in arrival order, faulted ones included."""
        with self._lock:
            return list(self._calls)

    def mark(self) -> int:
        """Current number of calls; pass as ``after_index``/``after`` to only see later calls."""
        with self._lock:
            return len(self._calls)

    def calls_of(self, method: str, *, after_index: int = 0) -> list[Call]:
        with self._lock:
            return [c for c in self._calls[after_index:] if c.method == method]

    def sent_messages(self, chat_id: Any = None, *, include_edits: bool = False) -> list[dict[str, Any]]:
        """Decoded params of successful ``sendMessage`` calls (optionally ``editMessageText`` too)."""
        methods = _TEXT_METHODS if include_edits else ("sendMessage",)
        with self._lock:
            return [
                dict(c.params, _method=c.method) if include_edits else dict(c.params)
                for c in self._calls
                if c.method in methods and c.delivered and (chat_id is None or _same_chat(c.chat_id, chat_id))
            ]

    def messages_to(self, chat_id: Any, *, after_index: int = 0) -> list[str]:
        """Texts the bot sent to ``chat_id`` in order: sendMessage texts and editMessageText texts."""
        with self._lock:
            return [
                c.params.get("text", "")
                for c in self._calls[after_index:]
                if c.method in _TEXT_METHODS and c.delivered and _same_chat(c.chat_id, chat_id)
            ]

    def last_bot_message(self, chat_id: Any) -> dict[str, Any] | None:
        """Current state (edits applied) of the newest message the bot sent to ``chat_id``."""
        with self._lock:
            msgs = [m for (cid, _), m in self._messages.items() if cid == str(chat_id) and m.get("_from_bot")]
            return _public(max(msgs, key=lambda m: m["message_id"])) if msgs else None

    def message(self, chat_id: Any, message_id: int) -> dict[str, Any] | None:
        """Current state of one message (bot's or user's) in ``chat_id``."""
        with self._lock:
            msg = self._messages.get((str(chat_id), message_id))
            return _public(msg) if msg else None

    def commands(
        self, *, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands currently set via setMyCommands for that scope/language."""
        with self._lock:
            return list(self._commands.get(_commands_key(scope, language_code), []))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (``getUpdates`` with a higher offset)."""
        with self._lock:
            return list(self._updates)

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        after_index: int = 0,
    ) -> Call:
        """Block until a call to ``method`` (index >= after_index) matching ``predicate`` arrives.

        Faulted attempts count too (filter with ``lambda c: c.ok``).  ``getUpdates`` calls are
        recorded when they arrive (their ``result`` is filled in when the long poll returns);
        all other calls once they have been answered.  Raises ``AssertionError``
        with a summary of recent calls on timeout.  Do not use from a coroutine whose event loop
        also runs the bot -- use :meth:`wait_for_call_async` there.
        """

        def match(c: Call) -> bool:
            return c.method == method and (predicate is None or predicate(c))

        return self._wait(match, timeout, after_index, f"a {method} call")

    def wait_until_polling(self, timeout: float = 20.0) -> Call:
        """Block until the bot made its first ``getUpdates`` (i.e. it started and is polling)."""
        return self.wait_for_call("getUpdates", timeout=timeout)

    def wait_for_text(self, chat_id: Any, substring: str, timeout: float = 10.0, after: int = 0) -> Call:
        """Block until the bot delivered text containing ``substring`` to ``chat_id``.

        Looks at sendMessage/editMessageText ``text`` and sendPhoto/sendDocument/editMessageCaption
        ``caption``, in calls with index >= ``after`` (see :meth:`mark`).  Returns the Call.
        """

        def match(c: Call) -> bool:
            return (
                c.method in _TEXT_METHODS + _CAPTION_METHODS
                and c.delivered
                and _same_chat(c.chat_id, chat_id)
                and substring in (c.text or "")
            )

        return self._wait(match, timeout, after, f"text containing {substring!r} to chat {chat_id}")

    async def wait_for_call_async(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as wait_for_call
        after_index: int = 0,
    ) -> Call:
        """Like :meth:`wait_for_call` but yields to the event loop while waiting."""
        return await asyncio.to_thread(self.wait_for_call, method, predicate, timeout, after_index)

    async def wait_for_text_async(
        self,
        chat_id: Any,
        substring: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as wait_for_text
        after: int = 0,
    ) -> Call:
        """Like :meth:`wait_for_text` but yields to the event loop while waiting."""
        return await asyncio.to_thread(self.wait_for_text, chat_id, substring, timeout, after)

    def _wait(self, match: Callable[[Call], bool], timeout: float, after: int, what: str) -> Call:
        deadline = time.monotonic() + timeout
        seen = after
        with self._cond:
            while True:
                for c in self._calls[seen:]:
                    if match(c):
                        return c
                seen = max(seen, len(self._calls))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.5))
            recent = [
                f"#{c.index} {c.method} {json.dumps(c.params, ensure_ascii=False)[:200]}"
                + (f" fault={c.fault}" if c.fault else "")
                + (f" error={c.error}" if c.error else "")
                for c in self._calls[after:]
                if c.method != "getUpdates"
            ][-15:]
        summary = "\n  ".join(recent) or "(no calls besides getUpdates)"
        raise AssertionError(
            f"Timed out after {timeout}s waiting for {what}. Calls since #{after}:\n  {summary}"
        )

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        hold: float = 15.0,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"`` = any method but getUpdates) fail.

        kinds: ``"429"`` (RetryAfter, ``retry_after`` seconds), ``"500"`` (NetworkError),
        ``"timeout"`` (hold the request ``hold`` seconds then drop the connection unanswered; nothing
        happens -> client TimedOut), ``"timeout_delivered"`` (perform the call -- the message *is*
        delivered -- but never answer), ``"403"`` (Forbidden: bot was blocked by the user),
        ``"chat_not_found"`` (BadRequest), ``"409"`` (Conflict), ``"400"`` (BadRequest with
        ``description``).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(kind, times, retry_after, hold, description))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def block(self, chat_id: Any) -> None:
        """The user blocked the bot: every later send to ``chat_id`` gets 403 (until :meth:`unblock`)."""
        with self._lock:
            self.blocked_chats.add(str(chat_id))

    def unblock(self, chat_id: Any) -> None:
        with self._lock:
            self.blocked_chats.discard(str(chat_id))

    def register_method(self, name: str, handler: Handler) -> None:
        """Serve an extra API method: ``handler(params, files)`` returns the ``result`` value."""
        self._extra_methods[name.lower()] = handler

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for key in (method, "*"):
                if key == "*" and method == "getUpdates":
                    continue
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.pop(0)
                    return fault
        return None

    # ------------------------------------------------------------------ simulating the user

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        first_name: str = "Ana",
        username: str | None = None,
        language_code: str = "en",
    ) -> int:
        """The user sends ``text``. A leading ``/command`` gets a ``bot_command`` entity.

        In a private chat ``chat_id`` defaults to ``user_id``; for groups it defaults to a
        negative id.  Returns the update_id.
        """
        entities = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        extra: dict[str, Any] = {"text": text}
        if entities:
            extra["entities"] = entities
        return self._push_user_message(
            user_id, extra, chat_type, chat_id, first_name, username, language_code
        )

    def push_sticker(
        self, user_id: int, *, emoji: str = "🙂", first_name: str = "Ana", chat_id: int | None = None
    ) -> int:
        sticker = {
            **self._new_file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20480,
        }
        return self._push_user_message(
            user_id, {"sticker": sticker}, "private", chat_id, first_name, None, "en"
        )

    def push_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        data: bytes = b"\x89PNG fake",
        first_name: str = "Ana",
        chat_id: int | None = None,
    ) -> int:
        """The user sends a photo (two PhotoSizes); ``data`` is served via getFile + file URL."""
        ids = self._new_file_ids("photo")
        self._files[ids["file_id"]] = data
        sizes = [
            {
                "file_id": ids["file_id"] + "_s",
                "file_unique_id": ids["file_unique_id"] + "s",
                "width": 90,
                "height": 90,
                "file_size": len(data),
            },
            {**ids, "width": 800, "height": 800, "file_size": len(data)},
        ]
        self._files[ids["file_id"] + "_s"] = data
        extra: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self._push_user_message(user_id, extra, "private", chat_id, first_name, None, "en")

    def push_voice(
        self, user_id: int, *, duration: int = 3, first_name: str = "Ana", chat_id: int | None = None
    ) -> int:
        voice = {
            **self._new_file_ids("voice"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4096,
        }
        return self._push_user_message(user_id, {"voice": voice}, "private", chat_id, first_name, None, "en")

    def push_edited_message(
        self, user_id: int, text: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> int:
        """The user edits their last (or the given) message to ``text``: an ``edited_message`` update."""
        cid = chat_id if chat_id is not None else user_id
        with self._lock:
            if message_id is None:
                mine = [m for (c, _), m in self._messages.items() if c == str(cid) and not m.get("_from_bot")]
                if not mine:
                    raise LookupError(f"user {user_id} has no message in chat {cid} to edit")
                original = max(mine, key=lambda m: m["message_id"])
            else:
                found = self._messages.get((str(cid), message_id))
                if found is None:
                    raise LookupError(f"no message {message_id} in chat {cid}")
                original = found
            original.update({"text": text, "edit_date": int(time.time())})
            original.pop("entities", None)
            if text.startswith("/"):
                original["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(text.split(maxsplit=1)[0])}
                ]
            return self._push_update({"edited_message": _public(original)})

    def push_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        first_name: str = "Ana",
    ) -> int:
        """The user taps an inline button with ``data`` on the bot's last message (or ``message_id``).

        The update's ``callback_query.message`` is the current state of that bot message, so
        ``update.callback_query.message`` / ``edit_message_text`` work in handlers.  Raises
        ``LookupError`` if the bot has not sent anything to that chat.  Returns the update_id.
        """
        cid = chat_id if chat_id is not None else user_id
        with self._lock:
            if message_id is None:
                last = self.last_bot_message(cid)
                if last is None:
                    raise LookupError(f"the bot has sent no message to chat {cid}; nothing to tap on")
                message = last
            else:
                found = self.message(cid, message_id)
                if found is None:
                    raise LookupError(f"no message {message_id} in chat {cid}")
                message = found
            query = {
                "id": f"{self.bot_id}{next(self._callback_ids):08d}",
                "from": self._user(user_id, first_name),
                "message": message,
                "chat_instance": f"ci{abs(hash(str(cid))) % 10**12}",
                "data": data,
            }
            return self._push_update({"callback_query": query})

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue any Update dict; ``update_id`` is filled in if missing. Returns the update_id."""
        with self._lock:
            if "update_id" in update:
                self._updates.append(dict(update))
                self._cond.notify_all()
                return int(update["update_id"])
            return self._push_update(dict(update))

    def _user(
        self, user_id: int, first_name: str = "Ana", username: str | None = None, language_code: str = "en"
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if username:
            user["username"] = username
        self._users[user_id] = user
        return dict(user)

    def _chat_for(self, chat_id: Any, chat_type: str = "private", first_name: str = "Ana") -> dict[str, Any]:
        known = self._chats.get(str(chat_id))
        if known is not None:
            return dict(known)
        if chat_type == "private":
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": "Test group"}
        self._chats[str(chat_id)] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: Any) -> int:
        key = str(chat_id)
        value = self._next_message_id.get(key, 1)
        self._next_message_id[key] = value + 1
        return value

    def _new_file_ids(self, kind: str) -> dict[str, str]:
        n = next(self._file_ids)
        return {"file_id": f"{kind}-file-{n:06d}", "file_unique_id": f"{kind}u{n:06d}"}

    def _push_user_message(
        self,
        user_id: int,
        content: dict[str, Any],
        chat_type: str,
        chat_id: int | None,
        first_name: str,
        username: str | None,
        language_code: str,
    ) -> int:
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -1001000000000 - abs(user_id) % 10**9
        with self._lock:
            if chat_type == "private":
                self._chats[str(chat_id)] = {"id": chat_id, "type": "private", "first_name": first_name}
                if username:
                    self._chats[str(chat_id)]["username"] = username
            chat = self._chat_for(chat_id, chat_type, first_name)
            message = {
                "message_id": self._new_message_id(chat_id),
                "from": self._user(user_id, first_name, username, language_code),
                "chat": chat,
                "date": int(time.time()),
                **content,
            }
            self._messages[(str(chat_id), message["message_id"])] = message
            return self._push_update({"message": dict(message)})

    def _push_update(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
            return update_id

    # ------------------------------------------------------------------ HTTP dispatch

    def _handle_http(self, req: _Handler) -> None:
        arrived = time.monotonic()
        path = unquote(urlsplit(req.path).path)
        body = req.read_body()
        if path.startswith("/file/bot"):
            self._serve_file(req, path[len("/file/bot") :])
            return
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z_]+)/?", path)
        if not match:
            req.send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        if token != self.token:
            req.send_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return

        raw: dict[str, str] = {}
        files: dict[str, bytes] = {}
        filenames: dict[str, str] = {}
        content_type = req.headers.get("Content-Type", "")
        query = urlsplit(req.path).query
        if query:
            raw.update(parse_qsl(query, keep_blank_values=True))
        if content_type.startswith("multipart/form-data"):
            fields, files, filenames = _parse_multipart(content_type, body)
            raw.update(fields)
            params = decode_params(raw)
        elif content_type.startswith("application/json"):
            params = decode_params(raw)
            if body.strip():
                params.update(json.loads(body))
        else:
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            params = decode_params(raw)

        canonical = self._canonical_method(method)
        call = Call(
            method=canonical, params=params, files=files, at=arrived, raw_params=raw, filenames=filenames
        )

        fault = self._take_fault(canonical)
        if fault is not None:
            call.fault = fault.kind
            self._fault_response(req, call, fault)
            return

        # getUpdates is recorded on arrival (a long poll may take many seconds; waiting for the
        # first getUpdates is how a test knows the bot is polling); its result is filled in later.
        # Every other call is recorded once answered, so waiters never see a half-done call.
        early = canonical == "getUpdates"
        if early:
            self._record(call)
        try:
            result = self._dispatch(canonical, params, files, filenames)
        except _ApiError as err:
            call.error, call.error_code = err.description, err.code
            if not early:
                self._record(call)
            payload: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                payload["parameters"] = err.parameters
            req.send_json(err.code, payload)
            return
        except Exception as exc:  # a bug in the fake or odd params: answer, don't hang the client
            call.error, call.error_code = f"Internal Server Error (fake: {exc!r})", 500
            if not early:
                self._record(call)
            req.send_json(500, {"ok": False, "error_code": 500, "description": call.error})
            return
        call.result = result
        if not early:
            self._record(call)
        req.send_json(200, {"ok": True, "result": result})

    def _fault_response(self, req: _Handler, call: Call, fault: _Fault) -> None:
        kind = fault.kind
        if kind in ("timeout", "timeout_delivered"):
            if kind == "timeout_delivered":
                try:
                    call.result = self._dispatch(call.method, call.params, call.files, call.filenames)
                except _ApiError as err:
                    call.error, call.error_code = err.description, err.code
            self._record(call)
            self._stopping.wait(fault.hold)
            req.close_connection = True  # drop the connection without answering
            return
        self._record(call)
        table: dict[str, tuple[int, str]] = {
            "429": (429, f"Too Many Requests: retry after {fault.retry_after}"),
            "500": (500, "Internal Server Error"),
            "403": (403, "Forbidden: bot was blocked by the user"),
            "chat_not_found": (400, "Bad Request: chat not found"),
            "409": (
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            ),
            "400": (400, "Bad Request"),
        }
        code, description = table[kind]
        description = fault.description or description
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if kind == "429":
            payload["parameters"] = {"retry_after": fault.retry_after}
        call.error, call.error_code = description, code
        req.send_json(code, payload)

    def _record(self, call: Call) -> None:
        with self._cond:
            call.index = len(self._calls)
            self._calls.append(call)
            self._cond.notify_all()

    def _serve_file(self, req: _Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            req.send_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        file_id = file_path.rsplit("/", 1)[-1]
        with self._lock:
            data = self._files.get(file_id)
        if data is None:
            req.send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        else:
            req.send_bytes(200, data, "application/octet-stream")

    _METHODS = (
        "getMe",
        "logOut",
        "close",
        "deleteWebhook",
        "getWebhookInfo",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "answerCallbackQuery",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "sendDocument",
        "sendPhoto",
        "sendChatAction",
        "getFile",
        "setMyDescription",
        "setMyShortDescription",
        "setChatMenuButton",
        "setWebhook",
    )
    _CANONICAL = {m.lower(): m for m in _METHODS}

    def _canonical_method(self, method: str) -> str:
        return self._CANONICAL.get(method.lower(), method)

    def _dispatch(
        self, method: str, params: dict[str, Any], files: dict[str, bytes], filenames: dict[str, str]
    ) -> Any:
        extra = self._extra_methods.get(method.lower())
        if extra is not None:
            return extra(params, files)
        if method not in self._METHODS:
            raise _ApiError(404, "Not Found: method not found")
        if method == "getUpdates":
            return self._get_updates(params)
        with self._lock:
            handler = getattr(self, f"_m_{method}")
            return handler(params, files, filenames)

    # ------------------------------------------------------------------ methods

    def _m_getMe(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_logOut(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        return True

    _m_close = _m_logOut
    _m_setMyDescription = _m_logOut
    _m_setMyShortDescription = _m_logOut
    _m_setChatMenuButton = _m_logOut

    def _m_deleteWebhook(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        return True

    def _m_setWebhook(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        url = p.get("url")
        if not isinstance(url, str) or not url:
            raise _ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {k: p[k] for k in ("url", "secret_token", "allowed_updates") if k in p}
        return True

    def _m_getWebhookInfo(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = p.get("offset")
        limit = p.get("limit") or 100
        limit = max(1, min(100, int(limit)))
        timeout = float(p.get("timeout") or 0)
        allowed = p.get("allowed_updates")
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            if isinstance(allowed, list):
                self._allowed_updates = set(allowed) if allowed else None
            while True:
                if isinstance(offset, int):
                    if offset >= 0:
                        self._updates = [u for u in self._updates if u["update_id"] >= offset]
                    else:
                        self._updates = self._updates[offset:]
                eligible = [
                    u
                    for u in self._updates
                    if self._allowed_updates is None or _update_type(u) in self._allowed_updates
                ][:limit]
                remaining = deadline - time.monotonic()
                if eligible or remaining <= 0 or self._stopping.is_set():
                    return [json.loads(json.dumps(u)) for u in eligible]
                self._cond.wait(remaining)

    def _check_chat(self, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if str(chat_id) in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        """Validate reply_markup; return it if it is an inline keyboard (the only kind echoed)."""
        if not isinstance(markup, dict):
            return None
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES):
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _render(self, text: str, parse_mode: Any) -> str:
        return _render_text(text, parse_mode) if self.validate_formatting else text

    def _bot_message(
        self, chat_id: Any, content: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": self._chat_for(chat_id),
            "date": int(time.time()),
            **content,
            "_from_bot": True,
        }
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(str(chat_id), message["message_id"])] = message
        return _public(message)

    def _m_sendMessage(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        chat_id = self._check_chat(p)
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = self._render(text, p.get("parse_mode"))
        if _utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(p.get("reply_markup"))
        return self._bot_message(chat_id, {"text": plain}, markup)

    def _find_editable(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if p.get("inline_message_id"):
            return None
        chat_id = self._check_chat(p)
        message = self._messages.get((str(chat_id), p.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            if self.strict_edits:
                raise _ApiError(400, "Bad Request: message to edit not found")
            return None
        if not message.get("_from_bot"):
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    def _not_modified(self) -> _ApiError:
        return _ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup are "
            "exactly the same as a content and reply markup of the current message",
        )

    def _m_editMessageText(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = self._render(text, p.get("parse_mode"))
        if _utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = self._check_markup(p.get("reply_markup"))
        message = self._find_editable(p)
        if message is None:
            return True
        if self.strict_edits and message.get("text") == plain and message.get("reply_markup") == markup:
            raise self._not_modified()
        message["text"] = plain
        message["edit_date"] = int(time.time())
        _set_markup(message, markup)
        return _public(message)

    def _m_editMessageCaption(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        caption = p.get("caption") or ""
        plain = self._render(caption, p.get("parse_mode"))
        markup = self._check_markup(p.get("reply_markup"))
        message = self._find_editable(p)
        if message is None:
            return True
        if (
            self.strict_edits
            and message.get("caption", "") == plain
            and message.get("reply_markup") == markup
        ):
            raise self._not_modified()
        message["caption"] = plain
        message["edit_date"] = int(time.time())
        _set_markup(message, markup)
        return _public(message)

    def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        markup = self._check_markup(p.get("reply_markup"))
        message = self._find_editable(p)
        if message is None:
            return True
        if self.strict_edits and message.get("reply_markup") == markup:
            raise self._not_modified()
        message["edit_date"] = int(time.time())
        _set_markup(message, markup)
        return _public(message)

    def _m_deleteMessage(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        chat_id = self._check_chat(p)
        if self._messages.pop((str(chat_id), p.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_answerCallbackQuery(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        if not p.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query_id is empty")
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_setMyCommands(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for cmd in commands:
            name = str(cmd.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: command description is empty")
        self._commands[_commands_key(p.get("scope"), p.get("language_code") or "")] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_getMyCommands(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        return list(self._commands.get(_commands_key(p.get("scope"), p.get("language_code") or ""), []))

    def _m_deleteMyCommands(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        self._commands.pop(_commands_key(p.get("scope"), p.get("language_code") or ""), None)
        return True

    def _m_sendChatAction(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        self._check_chat(p)
        if not p.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _media_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        caption = p.get("caption")
        if not caption:
            return {}
        plain = self._render(caption, p.get("parse_mode"))
        if _utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return {"caption": plain}

    def _uploaded(
        self, field_name: str, p: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[str | None, bytes | None]:
        """Return (existing file_id or URL, uploaded bytes); handles attach:// references."""
        value = p.get(field_name)
        if field_name in files:
            return None, files[field_name]
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            return None, files[value[9:]]
        if isinstance(value, str) and value:
            return value, None
        raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")

    def _m_sendDocument(self, p: dict[str, Any], files: dict[str, bytes], names: dict[str, str]) -> Any:
        chat_id = self._check_chat(p)
        existing, data = self._uploaded("document", p, files)
        ids = self._new_file_ids("document")
        if existing is not None:
            ids["file_id"] = existing
            document: dict[str, Any] = {**ids}
        else:
            assert data is not None
            if not data:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            self._files[ids["file_id"]] = data
            document = {
                **ids,
                "file_name": names.get("document", "document"),
                "file_size": len(data),
                "mime_type": "application/octet-stream",
            }
        content = {"document": document, **self._media_caption(p)}
        return self._bot_message(chat_id, content, self._check_markup(p.get("reply_markup")))

    def _m_sendPhoto(self, p: dict[str, Any], files: dict[str, bytes], names: dict[str, str]) -> Any:
        chat_id = self._check_chat(p)
        existing, data = self._uploaded("photo", p, files)
        ids = self._new_file_ids("photo")
        if existing is not None:
            ids["file_id"] = existing
            size = 0
        else:
            assert data is not None
            if not data:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            self._files[ids["file_id"]] = data
            size = len(data)
        photo = [{**ids, "width": 1280, "height": 960, "file_size": size}]
        content = {"photo": photo, **self._media_caption(p)}
        return self._bot_message(chat_id, content, self._check_markup(p.get("reply_markup")))

    def _m_getFile(self, p: dict[str, Any], f: Any, n: Any) -> Any:
        file_id = str(p.get("file_id") or "")
        data = self._files.get(file_id)
        if data is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": len(data),
            "file_path": f"files/{file_id}",
        }

    # ------------------------------------------------------------------ convenience

    def uploaded_files(self, method: str | None = None) -> list[tuple[str, bytes]]:
        """(filename, bytes) of every successfully uploaded file, optionally for one method."""
        with self._lock:
            out: list[tuple[str, bytes]] = []
            for c in self._calls:
                if c.delivered and (method is None or c.method == method):
                    out.extend((c.filenames.get(k, k), v) for k, v in c.files.items())
            return out

    def drain_updates(self) -> None:
        """Forget all unconfirmed updates."""
        with self._lock:
            self._updates.clear()

    def __repr__(self) -> str:
        return f"<FakeBotApi {self.base_url} calls={len(self._calls)}>"


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of a stored message without internal keys."""
    return {k: json.loads(json.dumps(v)) for k, v in message.items() if not k.startswith("_")}


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    # Like Telegram: an edit without reply_markup removes the inline keyboard.
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _update_type(update: dict[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def _commands_key(scope: Any, language_code: str) -> str:
    if not isinstance(scope, dict) or scope.get("type") in (None, "default"):
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True) + "|" + (language_code or "")


def iter_texts(calls: Iterable[Call]) -> list[str]:
    """Texts/captions of the given calls (helper for assertions)."""
    return [c.text for c in calls if c.text is not None]
