"""What she is told is true: replies go out from the outbox the step was saved with (issue 12)."""

from __future__ import annotations

from sqlalchemy import text

from coach.copy import messages as M
from tests.bot.harness import Harness


async def outbox_statuses(bot: Harness) -> list[str]:
    async with bot.store.transaction() as tx:
        rows = await tx._conn.execute(text("SELECT status FROM outbox ORDER BY id"))  # type: ignore[attr-defined]
        return [r[0] for r in rows.all()]


async def test_every_reply_is_kept_with_the_step_then_marked_sent(bot: Harness) -> None:
    said = await bot.send("/start")
    assert "What should I call him?" in said
    statuses = await outbox_statuses(bot)
    assert statuses and set(statuses) == {"sent"}


async def test_a_reply_hit_by_a_server_error_is_sent_later_and_she_is_never_told_nothing_changed(
    bot: Harness,
) -> None:
    await bot.send("/start")
    bot.request.fail_next("sendMessage", 500)
    bot.request.fail_next("sendMessage", 502)  # the quick second try fails too
    said = await bot.send("Sam")
    assert said == ""  # nothing reached her yet...
    assert M.something_went_wrong() not in "\n".join(bot.request.texts())
    assert (await bot.journey()).facts.his_name == "Sam"  # ...but the step is saved
    assert await bot.run_nudges() == []  # the reply waits a little (retry backoff)
    bot.clock.advance(minutes=5)
    texts = await bot.run_nudges()
    assert any("When did things end with Sam?" in t for t in texts)
    assert set(await outbox_statuses(bot)) == {"sent"}
    said = await bot.press("1-3 months ago")  # and she goes on where she is
    assert "Who ended it?" in said


async def test_a_429_on_a_reply_waits_and_sends_the_same_reply_once(bot: Harness) -> None:
    await bot.send("/start")
    bot.request.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    said = await bot.send("Sam")
    assert said.count("When did things end with Sam?") == 1
    assert set(await outbox_statuses(bot)) == {"sent"}


async def test_a_long_flood_wait_sends_the_reply_after_it(bot: Harness) -> None:
    await bot.send("/start")
    bot.request.fail_next("sendMessage", 429, "Too Many Requests: retry after 60", retry_after=60)
    assert await bot.send("Sam") == ""
    bot.clock.advance(seconds=61)
    texts = await bot.run_nudges()
    assert sum("When did things end with Sam?" in t for t in texts) == 1


async def test_a_blocked_bot_drops_the_reply(bot: Harness) -> None:
    await bot.send("/start")
    bot.request.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await bot.send("Sam") == ""
    bot.clock.advance(hours=2)
    assert await bot.run_nudges() == []
    assert (await outbox_statuses(bot))[-1] == "dropped"


async def test_a_reply_refused_for_its_markup_goes_as_plain_text(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    bot.request.fail_next("sendMessage", 400, "Bad Request: BUTTON_DATA_INVALID")
    said = await bot.press("1-3 months ago")
    assert "Who ended it?" in said
    plain = [c for c in bot.request.of("sendMessage") if "failed" not in c.params][-1]
    assert not plain.params.get("reply_markup")


async def test_replies_of_one_update_keep_their_order_when_one_must_wait(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    await bot.press("1-3 months ago")
    await bot.press("He did")
    await bot.send("he said we were fighting all the time")
    await bot.press("No contact")
    await bot.press("1-2 weeks")
    bot.request.fail_next("sendMessage", 500)
    bot.request.fail_next("sendMessage", 500)
    assert await bot.send("Berlin") == ""  # two replies: the time zone, then the next question
    bot.clock.advance(minutes=5)
    texts = await bot.run_nudges()
    assert len(texts) == 2 and "Europe/Berlin" in texts[0] and "100% ready" in texts[1]
