"""No wrong reading sticks, and consent and safety outlive /reset (issue 10), through the real Telegram adapter."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from coach.vocabulary import Facts, Journey, NudgeKind, Question, Stage, Timer
from tests.bot.harness import Harness
from tests.fakes.recording_request import BOT_ID

_ids = itertools.count(500_000)


async def seed(bot: Harness, journey: Journey, timers: tuple[Timer, ...] = ()) -> None:
    """She is already this far (the intake is tested elsewhere); the conversation below is real."""
    async with bot.store.transaction() as tx:
        await tx.users.touch(bot.user_id, bot.user_id, bot.clock.now)
        await tx.journeys.save(bot.user_id, journey, bot.clock.now)
        await tx.nudges.apply(bot.user_id, timers, frozenset(), bot.clock.now)


def at(stage: Stage, **changes: object) -> Journey:
    base = Journey(facts=Facts(his_name="Mark"), awaiting=None, started_at=datetime(2026, 9, 1, tzinfo=UTC))
    return base.evolve(stage=stage, stage_since=datetime(2026, 10, 20, tzinfo=UTC), **changes)


async def pending(bot: Harness) -> set[NudgeKind]:
    async with bot.store.transaction() as tx:
        return {t.kind for t in await tx.nudges.pending(bot.user_id)}


async def press_data(bot: Harness, data: str) -> str:
    """A button press with any callback data: an old keyboard, or one a client made up."""
    message = {
        "message_id": next(_ids),
        "date": 1_790_000_000,
        "chat": {"id": bot.user_id, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle"},
        "text": "an earlier message",
    }
    update = {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": {"id": bot.user_id, "is_bot": False, "first_name": "Ana"},
            "chat_instance": "ci",
            "data": data,
            "message": message,
        },
    }
    return "\n".join(await bot.feed(update))


def without_undo(j: Journey) -> Journey:
    return j.evolve(undo=None, undo_count=0)


# --------------------------------------------------------------------------------------------------
# Repair


async def reconnect_with_one_text(bot: Harness) -> Journey:
    await seed(bot, at(Stage.RECONNECT))
    await bot.send("I texted him")
    assert await pending(bot) == {NudgeKind.DID_HE_REPLY}
    return await bot.journey()


async def test_a_stage_move_is_undone_by_its_button(bot: Harness) -> None:
    before = await reconnect_with_one_text(bot)
    # Whether she meant it or the reader misread her ("what should i say to him about getting back
    # together" once read like this), the move is one tap from undone.
    said = await bot.send("we're back together!")
    assert await bot.stage() is Stage.TOGETHER and not await pending(bot)
    assert "That's not what I meant" in [label for label, _ in bot.buttons()]
    said = await bot.press("That's not what I meant")
    assert "misread" in said
    after = await bot.journey()
    assert without_undo(after) == without_undo(before)  # stage, unanswered, facts, awaiting: exactly
    assert await pending(bot) == {NudgeKind.DID_HE_REPLY}  # and the nudge the move had cancelled


@pytest.mark.parametrize(
    "correction",
    ["no wait, that's not what happened", "i didn't say that", "wait no, he did NOT reply, can we go back?"],
)
async def test_a_typed_correction_right_after_works_the_same(bot: Harness, correction: str) -> None:
    before = await reconnect_with_one_text(bot)
    await bot.send("he replied!!")
    assert await bot.stage() is Stage.DISCUSS
    said = await bot.send(correction)
    assert "misread" in said and "Reconnecting" in said
    assert without_undo(await bot.journey()) == without_undo(before)
    assert await pending(bot) == {NudgeKind.DID_HE_REPLY}


async def test_an_old_or_forged_undo_button_changes_nothing(bot: Harness) -> None:
    await reconnect_with_one_text(bot)
    await bot.send("he replied!!")
    n = (await bot.journey()).undo_count
    await bot.send("thanks")  # she carried on: the undo is no longer the very next step
    assert "earlier step" in await press_data(bot, f"u:{n}")
    assert await bot.stage() is Stage.DISCUSS
    assert "earlier step" in await press_data(bot, "u:987")
    await press_data(bot, "u:not-a-number")
    assert "recognise" in bot.request.of("answerCallbackQuery")[-1].params["text"]
    assert await bot.stage() is Stage.DISCUSS


async def test_his_no_is_sent_with_care_then_lifted_by_no(bot: Harness) -> None:
    before = await reconnect_with_one_text(bot)
    said = await bot.send("he blocked me everywhere")  # read as his no, whether or not it was meant so
    assert "won't help you contact" in said  # care goes out at once ...
    assert said.rstrip().endswith("put everything back as it was.")  # ... then the question
    assert (await bot.journey()).he_said_no and not await pending(bot)
    said = await bot.press("No, that's not what I meant")
    assert "I won't treat it as Mark saying no" in said
    j = await bot.journey()
    assert not j.he_said_no and without_undo(j) == without_undo(before)
    assert await pending(bot) == {NudgeKind.DID_HE_REPLY}


async def test_a_correction_is_not_read_as_the_same_care_again(bot: Harness) -> None:
    await seed(bot, at(Stage.REKINDLE))
    await bot.send("he hit me")
    assert (await bot.journey()).unsafe
    said = await bot.send("no wait, i didn't say that, he never hurt me")
    assert "misread" in said
    j = await bot.journey()
    assert not j.unsafe and j.stage is Stage.REKINDLE


async def test_yes_keeps_the_care_and_the_undo_is_gone(bot: Harness) -> None:
    await seed(bot, at(Stage.REKINDLE))
    await bot.send("he blocked me everywhere")
    n = (await bot.journey()).undo_count
    await bot.press("Yes")
    j = await bot.journey()
    assert j.he_said_no and j.undo is None
    assert "earlier step" in await press_data(bot, f"u:{n}")
    assert (await bot.journey()).he_said_no


# --------------------------------------------------------------------------------------------------
# Intake


async def test_a_first_message_without_start_is_greeted_not_taken_as_his_name(bot: Harness) -> None:
    said = await bot.send("hi")
    assert "I'm Rekindle" in said and "What should I call him?" in said
    j = await bot.journey()
    assert j.facts.his_name == "" and j.awaiting is Question.HIS_NAME
    assert "When did things end with Sam?" in await bot.send("Sam")


async def test_back_re_asks_the_previous_question_and_the_new_answer_counts(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    await bot.press("This month")
    said = await bot.press("Back")
    assert "When did things end with Sam?" in said
    await bot.press("1-3 months ago")
    await bot.press("He did")
    await bot.send("he needed space")
    await bot.press("No contact")
    await bot.press("Less than a week")
    said = await bot.press("Back")  # from the time zone: back to when they were last in touch
    assert "When were you last in touch" in said
    await bot.press("3 weeks or more")
    j = await bot.journey()
    assert j.facts.ended == "months" and j.awaiting is Question.TIMEZONE
    assert j.last_contact_at is not None and (bot.clock.now - j.last_contact_at).days == 21


async def test_every_intake_fact_can_be_changed_in_settings(bot: Harness) -> None:
    await seed(bot, at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 10, 30, tzinfo=UTC)))
    said = await bot.send("/settings")
    assert "His reason: not given" in said
    await bot.press("His reason")
    said = await bot.send("he said I never listened")
    assert "His reason: he said I never listened" in said
    await bot.press("Who ended it")
    await bot.press("We both did")
    await bot.press("When it ended")
    await bot.press("1-3 months ago")
    await bot.press("Still in touch")
    said = await bot.press("No contact")
    assert "In touch: No contact" in said
    f = (await bot.journey()).facts
    assert (f.his_reason, f.who_ended, f.ended, f.still_talk) == (
        "he said I never listened",
        "mutual",
        "months",
        "no_contact",
    )


# --------------------------------------------------------------------------------------------------
# Consent and safety


async def test_his_no_outlives_reset_and_only_his_reaching_out_reopens(bot: Harness) -> None:
    await seed(bot, at(Stage.RECONNECT))
    await bot.send("he blocked me everywhere")
    await bot.press("Yes")
    await bot.send("/reset")
    said = await bot.press("Yes, start over")
    assert "still stands" in said and "/delete" in said
    j = await bot.journey()
    assert j.he_said_no and j.stage is Stage.MOVING_ON and j.facts.his_name == "Mark"
    said = await bot.send("what should I text him?")
    assert "I won't help you contact" in said and "1." not in said
    said = await bot.send("we're back together!")
    assert "Did he reach out to you" in said and (await bot.stage()) is Stage.MOVING_ON
    said = await bot.send("we met for coffee")
    assert "Did he reach out to you" in said and (await bot.journey()).he_said_no
    said = await bot.send("he texted me first")
    assert "reached out first" in said and (await bot.stage()) is Stage.DISCUSS


async def test_a_court_order_never_reopens_and_says_contact_is_a_legal_risk(bot: Harness) -> None:
    await seed(bot, at(Stage.REKINDLE))
    said = await bot.send("there is a restraining order against me")
    assert "legal risk" in said
    await bot.press("Yes")
    said = await bot.send("he texted me first")
    assert "legal risk" in said and (await bot.stage()) is Stage.MOVING_ON
    await bot.send("/reset")
    await bot.press("Yes, start over")
    j = await bot.journey()
    assert j.court_order and j.he_said_no and j.stage is Stage.MOVING_ON
    said = await bot.send("he texted me first")
    assert "legal risk" in said and (await bot.stage()) is Stage.MOVING_ON
    await bot.send("/delete")
    await bot.press("Yes, delete everything")
    said = await bot.send("/start")
    assert "What should I call him?" in said  # only /delete removes it, with everything else


async def test_after_a_crisis_her_next_words_are_heard_not_stored_as_an_answer(bot: Harness) -> None:
    await bot.send("/start")
    await bot.send("Sam")
    said = await bot.send("i want to die")
    assert "findahelpline.com" in said and "Did I get that right?" in said
    said = await bot.send("sorry, i'm ok now, i called my sister")
    assert "glad you reached out" in said
    assert said.rstrip().endswith("Tap one, or tell me in your own words.")  # the question, asked again
    j = await bot.journey()
    assert j.facts.ended == "" and j.awaiting is Question.ENDED and j.unanswered == 0
    await bot.press("This month")
    assert (await bot.journey()).facts.ended == "month"


async def test_self_work_prompts_resume_after_the_crisis_check_in(bot: Harness) -> None:
    await seed(
        bot,
        at(Stage.NO_CONTACT, last_contact_at=datetime(2026, 11, 1, tzinfo=UTC)),
        (Timer(NudgeKind.SELF_WORK, datetime(2026, 11, 2, 18, 0, tzinfo=UTC)),),
    )
    await bot.send("i want to end it all")
    bot.clock.advance(days=1, hours=9)  # the check-in and the day's prompt are both due: one message
    nudges = await bot.run_nudges()
    assert len(nudges) == 1 and "checking in" in nudges[0]
    prompts = []
    for _ in range(3):
        bot.clock.advance(days=1)
        prompts += [n for n in await bot.run_nudges() if n.startswith("Day ")]
    assert len(prompts) == 3
