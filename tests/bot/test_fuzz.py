"""Seeded random updates of every kind through the real Application (issue 12): no update may end in an
unhandled exception, and every private message gets an answer.

Text is random unicode (NUL and other controls, lone surrogates, right-to-left marks, emoji), empty or huge;
commands carry odd arguments; callback data is forged or taken from the bot's own last keyboard (so people go
deep into the program); photos, stickers and voice notes; edited messages; groups, supergroups and channels.
Now and then the clock moves and a nudge pass runs.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from coach.vocabulary import Command
from tests.bot.harness import Harness, make_harness, message_update
from tests.fakes.recording_request import BOT_ID
from tests.storage.conftest import fresh_postgres_database, needs_postgres

SEED = 20261202
UPDATES = 1600
USERS = [5_000_000_000 + i for i in range(24)]
_ids = itertools.count(10_000_000)

WORDS = (
    "Sam",
    "he did",
    "I don't know",
    "a month ago",
    "yes",
    "no",
    "Berlin",
    "skip",
    "I miss him so much",
    "what should I text him?",
    "he replied!",
    "we met for coffee",
    "I want to text him right now",
    "hey, how have you been?",
    "I'm feeling awful",
    "1",
    "2",
    "3",
    "4",
    "5",
    "²",
    "③",
    "٣",
    "no contact",
    "he blocked me",
    "I want to move on",
    "we're back together",
    "he said no",
    "help",
    "🙂",
    "   ",
)


def random_unicode(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        pick = rng.random()
        if pick < 0.1:
            chars.append(chr(rng.randint(0, 31)))  # NUL and friends
        elif pick < 0.13:
            chars.append(chr(rng.randint(0xD800, 0xDFFF)))  # a lone surrogate
        elif pick < 0.5:
            chars.append(chr(rng.randint(32, 126)))
        elif pick < 0.6:
            chars.append(rng.choice("\u200f\u202e\ufeff\u00a0\u2028"))
        else:
            chars.append(chr(rng.choice((rng.randint(0xA0, 0x2FFF), rng.randint(0x1F300, 0x1FAFF)))))
    return "".join(chars)


def random_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(WORDS)
    if roll < 0.75:
        return random_unicode(rng, rng.randint(1, 80))
    if roll < 0.8:
        return random_unicode(rng, rng.randint(4000, 9000))  # longer than Telegram allows
    if roll < 0.85:
        return rng.choice(("", " ", "\x00", "\n\n", "\t"))
    return rng.choice(WORDS) + random_unicode(rng, rng.randint(1, 10))


def random_command(rng: random.Random) -> str:
    names = [c.value for c in Command] + [
        "nosuchcommand",
        "START",
        "start@rekindle_test_bot",
        "start@other_bot",
    ]
    name = rng.choice(names)
    if name in ("delete", "reset") and rng.random() < 0.8:
        name = "help"  # rarely, or people would spend the run starting over
    arg = rng.choice(("", "", random_text(rng), "²", "③", "0", "6", "-1", "99999999999999999999", "\x00"))
    return f"/{name} {arg}".rstrip(" ") if arg else f"/{name}"


def private_message(user: int, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": 1_790_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Ana"},
            "from": {"id": user, "is_bot": False, "first_name": "Ana"},
            **extra,
        },
    }


def callback(user: int, data: str, markup: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 1_790_000_000,
        "chat": {"id": user, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle"},
        "text": "an earlier question",
    }
    if markup is not None:
        message["reply_markup"] = markup
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": {"id": user, "is_bot": False, "first_name": "Ana"},
            "chat_instance": "ci",
            "data": data,
            "message": message,
        },
    }


def last_markup(bot: Harness, user: int) -> dict[str, Any] | None:
    for call in reversed(bot.request.calls):
        if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == user:
            markup: dict[str, Any] | None = call.params.get("reply_markup") or None
            return markup
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def fuzzed(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Harness, int]]:
    if request.param == "postgresql":
        async with fresh_postgres_database() as url:
            h = await make_harness(tmp_path, url=url)
            yield h, UPDATES // 4  # the same kinds; fewer, to keep the run short
            await h.app.shutdown()
            await h.store.close()
        return
    h = await make_harness(tmp_path)
    yield h, UPDATES
    await h.app.shutdown()
    await h.store.close()


async def test_fuzzed_updates_never_fail_and_every_private_text_is_answered(
    fuzzed: tuple[Harness, int], caplog: pytest.LogCaptureFixture
) -> None:
    bot, count = fuzzed
    rng = random.Random(SEED)
    unanswered: list[str] = []
    kinds: dict[str, int] = {}
    for _ in range(count):
        user = rng.choice(USERS)
        roll = rng.random()
        expect_answer = False
        if roll < 0.35:
            kind, text = "text", random_text(rng)
            update = message_update(user, text) if text else private_message(user, {"text": ""})
            expect_answer = True
        elif roll < 0.5:
            kind, text = "command", random_command(rng)
            update = message_update(user, text)
            expect_answer = True
        elif roll < 0.72:
            markup = last_markup(bot, user)
            buttons = [b["callback_data"] for row in (markup or {}).get("inline_keyboard", []) for b in row]
            if buttons and rng.random() < 0.8:
                kind, data = "button", rng.choice(buttons)
            else:
                kind = "forged button"
                data = rng.choice((random_unicode(rng, rng.randint(0, 70)), "a:who_ended:nobody", "x", ""))
            update = callback(user, data, markup)
        elif roll < 0.78:
            kind = "media"
            media = rng.choice(
                (
                    {
                        "sticker": {
                            "file_id": "s",
                            "file_unique_id": "s",
                            "width": 1,
                            "height": 1,
                            "is_animated": False,
                            "is_video": False,
                            "type": "regular",
                        }
                    },
                    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
                    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
                    {"location": {"latitude": 1.0, "longitude": 2.0}},
                )
            )
            update = private_message(user, media)
            expect_answer = True
        elif roll < 0.84:
            kind = "edited"
            update = message_update(user, random_text(rng) or "x")
            update["edited_message"] = {**update.pop("message"), "edit_date": 1_790_000_100}
        elif roll < 0.95:
            kind = "group"
            chat_type = rng.choice(("group", "supergroup"))
            update = message_update(
                user,
                rng.choice((random_text(rng) or "x", random_command(rng))),
                chat_type=chat_type,
                chat_id=-1_000_000 - rng.randint(1, 5),
            )
        else:
            kind = "time passes"
            bot.clock.advance(hours=rng.choice((1, 7, 25, 24 * 8)))
            await bot.run_nudges()
            kinds[kind] = kinds.get(kind, 0) + 1
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        before = len(bot.request.calls)
        await bot.feed(update)
        answered = any(
            c.method in ("sendMessage", "sendPhoto", "sendDocument")
            and int(c.params.get("chat_id", 0)) == user
            for c in bot.request.calls[before:]
        )
        if expect_answer and not answered:
            unanswered.append(f"{kind}: {str(update)[:200]!r}")
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [f"{r.name}: {r.getMessage()}" for r in failures[:5]]
    assert not unanswered, unanswered[:5]
    assert min(kinds.values()) > 0 and len(kinds) == 8, kinds
