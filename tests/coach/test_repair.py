"""Repair, Back, the moment after a crisis, and consent that outlives /reset: the pure rules. A fixed `now`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from coach.copy.drafts import as_topic
from coach.program import is_correction, read, remember, step
from coach.vocabulary import (
    Answered,
    CheckedIn,
    Command,
    Commanded,
    Facts,
    Intent,
    Journey,
    NudgeKind,
    Question,
    Said,
    Snapshot,
    Stage,
    Timer,
    TimerFired,
    Undo,
    WentBack,
    journey_from_dict,
    journey_to_dict,
)

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def at(stage: Stage, **changes: object) -> Journey:
    j = Journey(facts=Facts(his_name="Mark"), awaiting=None, started_at=NOW - 40 * DAY, stage_since=NOW - DAY)
    return j.evolve(stage=stage, **changes)


@pytest.mark.parametrize(
    "text",
    [
        "no wait",
        "No wait, that's not it",
        "wait no, we are NOT back together, can we go back?",
        "that's not what happened",
        "i didn't say that",
        "I never said that!",
        "you misunderstood me",
        "thats not what i meant",
    ],
)
def test_corrections_are_heard(text: str) -> None:
    assert is_correction(text)


@pytest.mark.parametrize(
    "text",
    [
        "he replied!",
        "no reply yet",
        "I can't wait to see him",
        "what should I text him?",
        "we went back home",
    ],
)
def test_ordinary_words_are_not_corrections(text: str) -> None:
    assert not is_correction(text)


def test_a_snapshot_survives_the_database() -> None:
    inner = at(Stage.RECONNECT, unanswered=1, court_order=True)
    timers = (Timer(NudgeKind.DID_HE_REPLY, NOW + 2 * DAY),)
    j = at(Stage.TOGETHER, undo=Snapshot(4, inner, timers, care=True), undo_count=4, after_crisis=True)
    assert journey_from_dict(json.loads(json.dumps(journey_to_dict(j)))) == j


def test_only_her_own_words_make_a_move_undoable() -> None:
    j = at(Stage.RECONNECT)
    assert step(j, Said(Intent.HE_REPLIED, "he replied!!"), NOW).undoable
    assert not step(j, Said(Intent.HE_REPLIED), NOW).undoable  # our own button: nothing to misread
    assert not step(j, Said(Intent.SMALL_TALK, "thanks"), NOW).undoable  # nothing moved


def test_undo_puts_back_the_journey_and_the_nudges_exactly() -> None:
    before = at(Stage.RECONNECT, unanswered=1, last_text_at=NOW - DAY)
    pending = (Timer(NudgeKind.DID_HE_REPLY, NOW + DAY),)
    moved = step(before, Said(Intent.BACK_TOGETHER, "we're back together!"), NOW)
    assert moved.undoable and not moved.care
    kept = remember(before, moved, pending)
    assert kept.replies[-1].buttons[-1][0].data == "u:1"
    undone = step(kept.journey, Undo(1), NOW + timedelta(minutes=1))
    assert undone.journey.evolve(undo_count=0) == before
    assert undone.set_timers == pending
    assert NudgeKind.DID_HE_REPLY not in undone.cancel_timers and NudgeKind.QUIET_WEEK in undone.cancel_timers


def test_a_care_reply_comes_first_then_the_question() -> None:
    before = at(Stage.REKINDLE)
    moved = step(before, Said(Intent.UNSAFE, "he hit me"), NOW)
    assert moved.undoable and moved.care
    kept = remember(before, moved, ())
    assert "won't coach a return" in kept.replies[0].text
    assert kept.replies[-1].text.startswith("Did I get that right?")
    assert [b.data for row in kept.replies[-1].buttons for b in row] == ["y:1", "u:1"]


def test_the_undo_lasts_one_step_and_a_wrong_number_changes_nothing() -> None:
    before = at(Stage.RECONNECT)
    kept = remember(before, step(before, Said(Intent.HE_REPLIED, "he replied"), NOW), ())
    assert step(kept.journey, Undo(2), NOW).journey == kept.journey  # forged: left as it is
    later = step(kept.journey, Said(Intent.SMALL_TALK, "thanks"), NOW)
    assert later.journey.undo is None
    assert step(later.journey, Undo(1), NOW).journey.stage is Stage.DISCUSS  # stale: nothing put back


def test_a_correction_wins_over_a_care_reading_but_never_over_a_crisis() -> None:
    j = at(Stage.REKINDLE).evolve(undo=Snapshot(3, at(Stage.REKINDLE)), undo_count=3)
    assert read(j, "no wait, he never hurt me") == Undo(3)
    said = read(j, "no wait, i want to die")
    assert isinstance(said, Said) and said.intent is Intent.CRISIS


def test_a_first_message_is_greeted_unless_it_needs_care() -> None:
    fresh = Journey()
    assert read(fresh, "hi", first=True) == Commanded(Command.START)
    assert read(fresh, "what is this", first=True) == Commanded(Command.START)
    crisis = read(fresh, "i want to die", first=True)
    assert isinstance(crisis, Said) and crisis.intent is Intent.CRISIS


def test_after_a_crisis_her_next_words_are_how_she_is() -> None:
    j = at(Stage.INTAKE, awaiting=Question.ENDED)
    crisis = step(j, Said(Intent.CRISIS, "i want to die"), NOW)
    assert crisis.journey.after_crisis and crisis.journey.awaiting is Question.ENDED
    event = read(crisis.journey, "sorry, i'm ok now, i called my sister")
    assert event == CheckedIn("sorry, i'm ok now, i called my sister")
    out = step(crisis.journey, event, NOW)
    assert not out.journey.after_crisis and out.journey.facts.ended == ""
    assert out.replies[-1].text.startswith("When did things end with Mark?")


def test_back_goes_to_the_question_she_was_actually_asked() -> None:
    j = at(Stage.INTAKE, awaiting=Question.TIMEZONE, last_contact_at=NOW - 10 * DAY)
    j = j.with_facts(still_talk="no_contact")
    out = step(j, WentBack(Question.TIMEZONE), NOW)
    assert out.journey.awaiting is Question.LAST_CONTACT and out.journey.last_contact_at is None
    talking = j.with_facts(still_talk="talking")
    assert step(talking, WentBack(Question.TIMEZONE), NOW).journey.awaiting is Question.STILL_TALK
    assert "earlier step" in step(j, WentBack(Question.READY), NOW).replies[0].text
    assert read(j.evolve(awaiting=Question.READY), "back") == WentBack(Question.READY)


def test_a_court_order_is_his_no_that_even_his_message_cannot_lift() -> None:
    j = at(Stage.REKINDLE)
    event = read(j, "the judge gave him a protective order last month")
    assert event == Said(Intent.HE_SAID_NO, "the judge gave him a protective order last month")
    out = step(j, event, NOW)
    assert out.journey.court_order and out.journey.he_said_no and "legal risk" in out.replies[0].text
    reached = step(out.journey, Said(Intent.HE_REACHED_OUT, "he texted me first"), NOW)
    assert reached.journey.stage is Stage.MOVING_ON and reached.journey.court_order
    blocked = step(
        at(Stage.INTAKE, awaiting=Question.STILL_TALK),
        Answered(Question.STILL_TALK, "there's a restraining order"),
        NOW,
    )
    assert blocked.journey.court_order


@pytest.mark.parametrize("flag", ["he_said_no", "unsafe", "court_order"])
def test_reset_keeps_consent_and_safety(flag: str) -> None:
    j = at(Stage.MOVING_ON, awaiting=Question.RESET, **{flag: True})
    out = step(j, Answered(Question.RESET, "yes"), NOW)
    assert getattr(out.journey, flag) and out.journey.stage is Stage.MOVING_ON
    assert out.journey.facts.his_name == "Mark" and "/delete" in out.replies[0].text
    plain = step(at(Stage.RECONNECT, awaiting=Question.RESET), Answered(Question.RESET, "yes"), NOW)
    assert plain.journey.stage is Stage.INTAKE and plain.journey.awaiting is Question.HIS_NAME


def test_the_crisis_check_in_restarts_the_daily_self_work() -> None:
    j = at(Stage.NO_CONTACT, last_contact_at=NOW - 5 * DAY)
    out = step(j, TimerFired(NudgeKind.CRISIS_CHECKIN), NOW)
    assert [t.kind for t in out.set_timers] == [NudgeKind.SELF_WORK]
    assert out.journey.after_crisis


@pytest.mark.parametrize(
    ("said", "topic"),
    [
        ("he's training for a marathon", "your training for a marathon"),
        ("hes training for the marathon", "your training for the marathon"),
        ("his new job", "your new job"),
        ("he started a podcast", "your podcast"),
        ("photography", "photography"),
        ("he moved to Leeds", ""),
        ("he", ""),
    ],
)
def test_what_he_is_into_becomes_a_topic_or_nothing(said: str, topic: str) -> None:
    assert as_topic(said) == topic


def test_a_typed_answer_that_moved_her_on_can_be_undone_but_the_intake_has_back() -> None:
    understand = at(Stage.UNDERSTAND, awaiting=Question.REASON, last_contact_at=NOW - 2 * DAY)
    out = step(understand, Answered(Question.REASON, "i'm not sure, i need to think"), NOW)
    assert out.journey.stage is Stage.NO_CONTACT and out.undoable
    ready = at(Stage.INTAKE, awaiting=Question.READY)
    assert not step(ready, Answered(Question.READY, "yes"), NOW).undoable


def test_a_crisis_during_the_intake_still_gets_its_check_in() -> None:
    j = at(Stage.INTAKE, awaiting=Question.ENDED)
    out = step(j, TimerFired(NudgeKind.CRISIS_CHECKIN), NOW)
    assert out.replies and "checking in" in out.replies[0].text
    assert not step(j, TimerFired(NudgeKind.SELF_WORK), NOW).replies
