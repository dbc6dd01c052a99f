"""Scripted conversations through the real Telegram adapter (process_update + a recording request class),
with the clock moved forward by the test: one person from /start to together, one to moving_on."""

from __future__ import annotations

import json
from pathlib import Path

from coach.ports import HistoryKind
from coach.vocabulary import Stage
from tests.bot.harness import Harness, make_harness, message_update


async def intake(bot: Harness) -> None:
    said = await bot.send("/start")
    assert "What should I call him?" in said
    assert "When did things end with Sam?" in await bot.send("Sam")
    assert "Who ended it?" in await bot.press("1-3 months ago")
    assert "What reason did Sam give" in await bot.press("He did")
    assert "still talk" in await bot.send("he said we were fighting all the time")
    assert "When were you last in touch" in await bot.press("No contact")
    assert "time zone" in await bot.press("1-2 weeks")
    said = await bot.send("Berlin")
    assert "Europe/Berlin" in said and "100% ready" in said
    said = await bot.press("Yes, I'm sure")
    assert "understand his side" in said
    assert await bot.stage() is Stage.UNDERSTAND


async def test_from_start_to_together(bot: Harness) -> None:
    await intake(bot)
    said = await bot.send("I think he felt I never trusted him, and there's truth in that")
    assert "No contact" in said or "no contact" in said
    assert await bot.stage() is Stage.NO_CONTACT
    assert "11 days to go" in said  # last contact 10 days ago

    bot.clock.advance(days=3)
    said = await bot.send("I really want to text him right now")
    assert "ten minutes" in said and "8 days" in said
    said = await bot.send("/progress")
    assert "day 13 of 21" in said
    assert bot.request.of("sendPhoto"), "progress sends a picture"

    # The self-work prompt and day 21 come from the scheduler, not from her.
    bot.clock.advance(days=9)
    nudges = await bot.run_nudges()
    assert any("reconnect" in n.lower() for n in nudges)
    assert await bot.stage() is Stage.RECONNECT

    said = await bot.send("what should I text him?")
    assert "1." in said and "Why" in said
    said = await bot.press("I sent #1")
    assert "Noted: you sent" in said
    bot.clock.advance(days=2, hours=1)
    nudges = await bot.run_nudges()
    assert any("Did he reply?" in n for n in nudges)
    said = await bot.press("He replied")
    assert "talk about what happened" in said
    assert await bot.stage() is Stage.DISCUSS

    said = await bot.press("We talked it through")
    assert "light the spark" in said
    said = await bot.press("He's warm and engaged")
    assert "meet up" in said
    assert await bot.stage() is Stage.MEET

    said = await bot.send("we grabbed dinner together yesterday")
    assert "patience" in said and "put the option out there" in said
    assert await bot.stage() is Stage.THE_OPTION
    bot.clock.advance(days=7, hours=1)
    nudges = await bot.run_nudges()
    assert any("a week since you met" in n for n in nudges)

    said = await bot.press("I said it")
    assert "his move" in said
    said = await bot.send("he texted me first!")
    assert "taking the lead" in said
    said = await bot.send("we're back together!!")
    assert "together again" in said
    assert await bot.stage() is Stage.TOGETHER

    async with bot.store.transaction() as tx:
        history = await tx.history.recent(bot.user_id, 500)
        changes = await tx.history.stage_changes(bot.user_id)
    kinds = {h.kind for h in history}
    assert {
        HistoryKind.MESSAGE_IN,
        HistoryKind.MESSAGE_OUT,
        HistoryKind.STAGE_CHANGE,
        HistoryKind.NUDGE,
    } <= kinds
    assert [c.to_stage for c in changes][-3:] == [Stage.THE_OPTION, Stage.HIS_MOVE, Stage.TOGETHER]


async def test_from_start_to_moving_on(bot: Harness) -> None:
    await intake(bot)
    await bot.press("Skip this step")
    assert await bot.stage() is Stage.NO_CONTACT
    bot.clock.advance(days=2)
    said = await bot.send("I slipped and called him last night")
    assert "best is" in said
    said = await bot.send("i miss him so much")
    assert "One small step" in said
    bot.clock.advance(days=5)
    said = await bot.send("honestly I deserve better, I'm moving on")
    assert "brave" in said
    assert await bot.stage() is Stage.MOVING_ON
    bot.clock.advance(days=30)
    assert not await bot.run_nudges(), "no contact nudges after she moved on"


async def test_he_said_no_ends_all_drafts_and_nudges_even_weeks_later(bot: Harness) -> None:
    await intake(bot)
    await bot.send("we grew apart")
    said = await bot.send("he told me he's moved on and doesn't want contact")
    assert "won't help you contact" in said
    for _ in range(6):
        bot.clock.advance(days=7)
        assert not await bot.run_nudges()
        said = await bot.send("what should I text him?")
        assert "I sent" not in said and "1." not in said
    assert not [b for b in bot.buttons() if b[1].startswith("s:")]


async def test_group_chats_get_one_line_and_nothing_is_stored(bot: Harness) -> None:
    said = await bot.feed(message_update(777, "/start", chat_type="group", chat_id=-100123))
    assert said == ["I only talk one-to-one. Please message me in a private chat."]
    async with bot.store.transaction() as tx:
        assert await tx.journeys.load(777) is None


async def test_stickers_and_edits_get_a_kind_answer_and_change_nothing(bot: Harness) -> None:
    await bot.send("/start")
    before = await bot.journey()
    sticker = message_update(bot.user_id, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    assert "only read text" in "".join(await bot.feed(sticker))
    edited = message_update(bot.user_id, "Tom")
    edited["edited_message"] = edited.pop("message")
    edited["edited_message"]["edit_date"] = 1_790_000_100
    assert "edited" in "".join(await bot.feed(edited))
    assert await bot.journey() == before


async def test_forged_button_data_is_refused_kindly(bot: Harness) -> None:
    await bot.send("/start")
    before = await bot.journey()
    update = {
        "update_id": 555,
        "callback_query": {
            "id": "9",
            "from": {"id": bot.user_id, "is_bot": False, "first_name": "Ana"},
            "chat_instance": "c",
            "data": "a:his_name:DROP TABLE",
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": bot.user_id, "type": "private"},
                "text": "x",
            },
        },
    }
    await bot.feed(update)
    answers = bot.request.of("answerCallbackQuery")
    assert answers and "don't recognise" in answers[-1].params.get("text", "")
    assert await bot.journey() == before


async def test_huge_and_empty_text(bot: Harness) -> None:
    await bot.send("/start")
    assert "shorter parts" in await bot.send("x" * 5000)
    assert (await bot.journey()).facts.his_name == ""


async def test_export_and_delete(bot: Harness) -> None:
    await intake(bot)
    await bot.send("/journal my first entry")
    await bot.send("/export")
    docs = bot.request.of("sendDocument")
    assert docs
    said = await bot.send("/delete")
    assert "can't be undone" in said
    said = await bot.press("Yes, delete everything")
    assert "deleted" in said
    async with bot.store.transaction() as tx:
        assert await tx.journeys.load(bot.user_id) is None
        assert json.dumps(await tx.export(bot.user_id), default=str)


async def test_commands_menu_is_registered(tmp_path: Path) -> None:
    from bot.telegram_app import register_commands

    h = await make_harness(tmp_path)
    await register_commands(h.app)
    commands = h.request.of("setMyCommands")[0].params["commands"]
    names = {c["command"] for c in commands}
    assert {
        "start",
        "help",
        "progress",
        "journal",
        "memory",
        "mood",
        "pause",
        "resume",
        "settings",
        "reset",
        "cancel",
        "text",
        "check",
        "export",
        "delete",
    } <= names
    await h.app.shutdown()
    await h.store.close()
