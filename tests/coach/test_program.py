"""The transition table, row by row, and the program's timing and care rules. A fixed `now`, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coach import buttons as B
from coach import program
from coach.program import ANY, MILESTONES, TABLE, TIMER_TABLE, interpret, step
from coach.vocabulary import (
    CONTACT_NUDGES,
    Answered,
    Clarified,
    Command,
    Commanded,
    Effect,
    Facts,
    Intent,
    Journey,
    NoteKind,
    NudgeKind,
    Outcome,
    Pace,
    Question,
    Said,
    Stage,
    StepDone,
    Suggest,
    TimerFired,
)

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

SAMPLE_TEXT = {
    Intent.ASK_SUGGESTION: "what should I text him?",
    Intent.CHECK_DRAFT: 'should I send this: "hey, how have you been?"',
    Intent.URGE_TO_CONTACT: "I really want to text him right now",
    Intent.I_CONTACTED_HIM: "I texted him",
    Intent.HE_REPLIED: "he replied!!",
    Intent.NO_REPLY: "he hasn't replied",
    Intent.HE_REACHED_OUT: "he texted me first!",
    Intent.WE_MET: "we met up for coffee",
    Intent.HE_SAID_NO: "he told me to stop texting him",
    Intent.BACK_TOGETHER: "we're back together!!",
    Intent.FEELING_DOWN: "I miss him so much",
    Intent.CRISIS: "I want to die",
    Intent.UNSAFE: "I'm scared of him",
    Intent.PROGRESS: "where am I in the program?",
    Intent.MOVING_ON: "I'm done, I want to move on",
    Intent.SMALL_TALK: "thanks",
    Intent.HELP: "how does this work?",
    Intent.OTHER: "I signed up for a pottery class",
}


def journey_at(stage: Stage, **changes: object) -> Journey:
    j = Journey(
        stage=stage,
        stage_since=NOW - 2 * DAY,
        started_at=NOW - 30 * DAY,
        facts=Facts(his_name="Sam"),
        awaiting=Question.HIS_NAME if stage is Stage.INTAKE else None,
        last_contact_at=NOW - 5 * DAY,
    )
    return j.evolve(**changes)


def said(j: Journey, intent: Intent, now: datetime = NOW, text: str | None = None) -> Outcome:
    return step(j, Said(intent, SAMPLE_TEXT[intent] if text is None else text), now)


def texts(out: Outcome) -> str:
    return "\n".join(r.text for r in out.replies)


def all_buttons(out: Outcome) -> list[str]:
    return [b.data for r in out.replies for row in r.buttons for b in row]


# --------------------------------------------------------------------------------------------------
# Every row of TABLE: it answers, and she ends up where the row says.


def _rows() -> list[tuple[Stage, Intent]]:
    cases = []
    for (stage, intent), _row in TABLE.items():
        if stage is ANY:
            # An ANY row is what every stage without its own row does: test it in each such stage.
            cases += [
                (s, intent) for s in Stage if (s, intent) not in TABLE or intent in program.SAFETY_INTENTS
            ]
        else:
            cases.append((stage, intent))
    return cases


@pytest.mark.parametrize(("stage", "intent"), _rows(), ids=lambda v: str(v))
def test_every_row_answers_and_lands_where_it_says(stage: Stage, intent: Intent) -> None:
    row = program.row_for(stage, intent)
    out = said(journey_at(stage), intent)
    assert out.replies, f"no reply for {stage}/{intent}"
    assert all(r.text.strip() for r in out.replies)
    expected = row.to or stage
    if stage is Stage.MOVING_ON and intent is Intent.HE_REACHED_OUT:
        expected = Stage.MOVING_ON  # she moved on by choice: he reaching out only offers a way back
    assert out.journey.stage is expected


def test_the_table_covers_every_intent_at_every_stage() -> None:
    for stage in Stage:
        for intent in Intent:
            assert program.row_for(stage, intent) is not None


@pytest.mark.parametrize(("stage", "kind"), list(TIMER_TABLE), ids=lambda v: str(v))
def test_every_timer_row_speaks_in_its_stage(stage: Stage | None, kind: NudgeKind) -> None:
    j = journey_at(stage or Stage.NO_CONTACT, unanswered=2 if kind is NudgeKind.QUIET_WEEK else 1)
    now = NOW + 30 * DAY if kind is NudgeKind.REACH_OUT else NOW
    out = step(j, TimerFired(kind), now)
    assert out.replies and out.replies[0].text


@pytest.mark.parametrize("stage", list(MILESTONES))
def test_each_milestone_button_moves_to_the_next_stage(stage: Stage) -> None:
    out = step(journey_at(stage, last_contact_at=NOW - 30 * DAY), StepDone(stage), NOW)
    expected = MILESTONES[stage]
    if stage is Stage.UNDERSTAND:
        expected = Stage.RECONNECT  # her last contact was 30 days ago: no stage waits longer than it must
    assert out.journey.stage is expected


# --------------------------------------------------------------------------------------------------
# Intake.


def run(j: Journey, *inputs: str, now: datetime = NOW) -> tuple[Journey, Outcome]:
    out = Outcome(j)
    for text in inputs:
        event = B.parse(text) if text[:2] in ("a:", "i:", "d:", "c:", "s:") else interpret(j, text)
        assert event is not None
        out = step(j, event, now)
        j = out.journey
    return j, out


def test_intake_asks_each_question_in_turn_and_keeps_typed_answers() -> None:
    j, out = run(Journey(), "/start")
    j, out = run(
        Journey(),
        "Sam",
        "two months ago",
        "he did",
        "he said we argued too much",
        "No contact",
        "a:last_contact:weeks",
        "Berlin",
        "yes",
    )
    assert j.stage is Stage.UNDERSTAND
    f = j.facts
    assert (f.his_name, f.ended, f.who_ended, f.still_talk, f.ready) == (
        "Sam",
        "two months ago",
        "he",
        "no_contact",
        "yes",
    )
    assert f.his_reason == "he said we argued too much"
    assert j.prefs.timezone == "Europe/Berlin"
    assert j.last_contact_at == NOW - 17 * DAY
    assert j.awaiting is Question.REASON


def test_not_sure_gets_reflection_first() -> None:
    j, _ = run(
        Journey(),
        "Sam",
        "a:ended:week",
        "a:who_ended:me",
        "a:his_reason:unknown",
        "a:still_talk:talking",
        "a:timezone:skip",
    )
    j, out = run(j, "a:ready:not_sure")
    assert j.stage is Stage.INTAKE and j.awaiting is Question.READY_AFTER_REFLECTION
    assert "What exactly do you miss" in texts(out)
    j2, _ = run(j, "a:ready_after_reflection:let_go")
    assert j2.stage is Stage.MOVING_ON
    j3, out3 = run(j, "a:ready_after_reflection:time")
    assert j3.stage is Stage.INTAKE and "time" in texts(out3)
    j4, _ = run(j, "a:ready_after_reflection:ready")
    assert j4.stage is Stage.UNDERSTAND


def test_blocked_at_intake_is_respected_from_the_start() -> None:
    j, _ = run(Journey(), "Sam", "a:ended:week", "a:who_ended:he", "a:his_reason:unknown")
    j, out = run(j, "a:still_talk:blocked")
    assert j.he_said_no and j.stage is Stage.MOVING_ON
    assert "won't help you contact" in texts(out)


def test_a_stale_intake_button_changes_nothing() -> None:
    j, _ = run(Journey(), "Sam", "a:ended:week")
    j2, out = run(j, "a:ended:month")
    assert j2 == j.evolve() and "earlier step" in texts(out)


def test_a_bad_timezone_is_asked_again() -> None:
    j, _ = run(
        Journey(), "Sam", "a:ended:week", "a:who_ended:he", "a:his_reason:unknown", "a:still_talk:talking"
    )
    j2, out = run(j, "somewhere nice")
    assert j2.awaiting is Question.TIMEZONE and "couldn't place" in texts(out)


@pytest.mark.parametrize("zone", ["UTC+2", "Europe/Berlin", "New York", "GMT-5"])
def test_a_time_zone_she_types_is_taken_whatever_a_reader_guesses(zone: str) -> None:
    # The trained reader once read "UTC+2" as a question about her progress.
    j, _ = run(
        Journey(), "Sam", "a:ended:week", "a:who_ended:he", "a:his_reason:unknown", "a:still_talk:talking"
    )
    j2, _ = run(j, zone)
    assert j2.awaiting is Question.READY and j2.prefs.timezone != "UTC"


def test_questions_for_other_stages_wait_until_intake_is_done() -> None:
    j, out = run(Journey(), "Sam", "what should I text him?")
    assert j.awaiting is Question.ENDED and j.facts.ended == ""
    assert "finish these few questions" in texts(out) and "When did things end" in texts(out)


# --------------------------------------------------------------------------------------------------
# no_contact: 21 days from her last contact, slips, he reaching out.


def test_entering_no_contact_sets_day_21_and_a_daily_prompt() -> None:
    j = journey_at(Stage.UNDERSTAND, awaiting=Question.REASON, last_contact_at=None)
    out = step(j, Answered(Question.REASON, "I was too jealous"), NOW)
    assert out.journey.stage is Stage.NO_CONTACT
    timers = {t.kind: t.due_at for t in out.set_timers}
    assert timers[NudgeKind.REACH_OUT] == NOW + 21 * DAY
    assert NOW < timers[NudgeKind.SELF_WORK] <= NOW + DAY


def test_no_stage_waits_longer_than_it_must() -> None:
    j = journey_at(Stage.UNDERSTAND, awaiting=Question.REASON, last_contact_at=NOW - 25 * DAY)
    out = step(j, Answered(Question.REASON, "I was too jealous"), NOW)
    assert out.journey.stage is Stage.RECONNECT


def test_a_slip_restarts_the_count_and_keeps_the_best_streak() -> None:
    j = journey_at(Stage.NO_CONTACT, last_contact_at=NOW - 9 * DAY, best_streak_days=4)
    out = said(j, Intent.I_CONTACTED_HIM)
    assert out.journey.last_contact_at == NOW
    assert out.journey.best_streak_days == 9 and out.journey.slips == 1
    assert [(t.kind, t.due_at) for t in out.set_timers] == [(NudgeKind.REACH_OUT, NOW + 21 * DAY)]
    assert "9 days" in texts(out) and "shame" not in texts(out).lower()


def test_day_21_moves_her_on_even_without_the_nudge() -> None:
    j = journey_at(Stage.NO_CONTACT, last_contact_at=NOW - 21 * DAY)
    out = said(j, Intent.SMALL_TALK)
    assert out.journey.stage is Stage.RECONNECT
    assert "reconnect" in texts(out).lower()


def test_the_day_21_nudge_waits_for_a_moved_day() -> None:
    j = journey_at(Stage.NO_CONTACT, last_contact_at=NOW - 3 * DAY)
    out = step(j, TimerFired(NudgeKind.REACH_OUT), NOW)
    assert not out.replies and out.set_timers[0].due_at == NOW + 18 * DAY


def test_he_reaching_out_ends_no_contact_early() -> None:
    out = said(journey_at(Stage.NO_CONTACT), Intent.HE_REACHED_OUT)
    assert out.journey.stage is Stage.DISCUSS
    assert NudgeKind.REACH_OUT in out.cancel_timers and NudgeKind.SELF_WORK in out.cancel_timers


def test_urge_in_no_contact_gets_an_sos() -> None:
    out = said(journey_at(Stage.NO_CONTACT), Intent.URGE_TO_CONTACT)
    text = texts(out)
    assert "ten minutes" in text and "16 days" in text
    assert "a:journal:unsent" in all_buttons(out)


def test_self_work_prompt_comes_daily_at_her_hour() -> None:
    j = journey_at(Stage.NO_CONTACT).with_prefs(timezone="Europe/Berlin", nudge_hour=19)
    at_her_hour = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)  # 19:00 in Berlin (CET)
    out = step(j, TimerFired(NudgeKind.SELF_WORK), at_her_hour)
    nxt = out.set_timers[0]
    assert nxt.kind is NudgeKind.SELF_WORK
    assert nxt.due_at == at_her_hour + DAY
    # Pushed to the morning by quiet hours, the next one still comes at her hour, the next day.
    morning = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
    assert step(j, TimerFired(NudgeKind.SELF_WORK), morning).set_timers[0].due_at == at_her_hour + 2 * DAY


def test_a_short_program_day_scales_every_timer() -> None:
    pace = Pace(timedelta(seconds=1))
    j = journey_at(Stage.UNDERSTAND, awaiting=Question.REASON, last_contact_at=None)
    out = step(j, Answered(Question.REASON, "we grew apart"), NOW, pace)
    timers = {t.kind: t.due_at for t in out.set_timers}
    assert timers[NudgeKind.REACH_OUT] == NOW + timedelta(seconds=21)
    assert timers[NudgeKind.SELF_WORK] == NOW + timedelta(seconds=1)


# --------------------------------------------------------------------------------------------------
# reconnect pacing: two days, a week, never a third unanswered text.


def test_first_text_starts_the_two_day_question() -> None:
    out = said(journey_at(Stage.RECONNECT), Intent.I_CONTACTED_HIM)
    assert out.journey.unanswered == 1
    assert [(t.kind, t.due_at) for t in out.set_timers] == [(NudgeKind.DID_HE_REPLY, NOW + 2 * DAY)]


def test_second_unanswered_text_means_a_quiet_week() -> None:
    j = journey_at(Stage.RECONNECT, unanswered=1, last_text_at=NOW - 3 * DAY)
    out = said(j, Intent.I_CONTACTED_HIM)
    assert out.journey.unanswered == 2
    assert [(t.kind, t.due_at) for t in out.set_timers] == [(NudgeKind.QUIET_WEEK, NOW + 7 * DAY)]
    assert "no third text" in texts(out)


def test_no_reply_before_two_days_says_wait_and_after_says_try_again() -> None:
    j = journey_at(Stage.RECONNECT, unanswered=1, last_text_at=NOW - DAY)
    assert "Give it until" in texts(said(j, Intent.NO_REPLY))
    j = journey_at(Stage.RECONNECT, unanswered=1, last_text_at=NOW - 2 * DAY)
    assert "one more casual text" in texts(said(j, Intent.NO_REPLY))


def test_never_a_third_unanswered_text() -> None:
    j = journey_at(Stage.RECONNECT, unanswered=2, last_text_at=NOW - DAY)
    out = said(j, Intent.ASK_SUGGESTION)
    assert not any(d.startswith("s:sent") for d in all_buttons(out))
    assert "third" in texts(said(j, Intent.URGE_TO_CONTACT))


def test_he_replied_moves_to_discuss_and_clears_the_count() -> None:
    out = said(journey_at(Stage.RECONNECT, unanswered=2), Intent.HE_REPLIED)
    assert out.journey.stage is Stage.DISCUSS and out.journey.unanswered == 0
    assert NudgeKind.QUIET_WEEK in out.cancel_timers


def test_sent_this_one_records_the_text_and_starts_the_timer() -> None:
    j = journey_at(Stage.RECONNECT)
    out = said(j, Intent.ASK_SUGGESTION)
    sent = next(d for d in all_buttons(out) if d.startswith("s:sent"))
    event = B.parse(sent)
    assert isinstance(event, Suggest)
    out2 = step(out.journey, event, NOW)
    assert out2.journey.unanswered == 1
    assert "Noted: you sent" in texts(out2)
    assert out2.set_timers[0].kind is NudgeKind.DID_HE_REPLY


def test_another_set_differs() -> None:
    j = journey_at(Stage.RECONNECT)
    first = said(j, Intent.ASK_SUGGESTION)
    again = said(first.journey, Intent.ASK_SUGGESTION)
    assert texts(first) != texts(again)


# --------------------------------------------------------------------------------------------------
# meeting, the option, his move.


def test_meeting_waits_a_week_then_two_for_a_light_touch() -> None:
    out = said(journey_at(Stage.MEET), Intent.WE_MET)
    assert out.journey.stage is Stage.THE_OPTION
    timers = {t.kind: t.due_at for t in out.set_timers}
    assert timers == {NudgeKind.MEET_CHECKIN: NOW + 7 * DAY, NudgeKind.LIGHT_TOUCH: NOW + 14 * DAY}


def test_something_from_him_cancels_the_light_touch() -> None:
    out = said(journey_at(Stage.THE_OPTION), Intent.HE_REACHED_OUT)
    assert NudgeKind.LIGHT_TOUCH in out.cancel_timers


def test_his_move_checks_in_every_few_days() -> None:
    out = step(journey_at(Stage.THE_OPTION), StepDone(Stage.THE_OPTION), NOW)
    assert out.journey.stage is Stage.HIS_MOVE
    assert [(t.kind, t.due_at) for t in out.set_timers] == [(NudgeKind.HIS_MOVE_CHECKIN, NOW + 3 * DAY)]
    nxt = step(out.journey, TimerFired(NudgeKind.HIS_MOVE_CHECKIN), NOW + 3 * DAY)
    assert nxt.set_timers[0].due_at == NOW + 6 * DAY


def test_his_move_suggestions_are_answers_not_first_texts() -> None:
    out = said(journey_at(Stage.HIS_MOVE), Intent.ASK_SUGGESTION)
    assert not any(d.startswith("s:sent") for d in all_buttons(out))


def test_a_timer_that_no_longer_applies_is_dropped_silently() -> None:
    out = step(journey_at(Stage.HIS_MOVE), TimerFired(NudgeKind.SELF_WORK), NOW)
    assert not out.replies and NudgeKind.SELF_WORK in out.cancel_timers


def test_old_milestone_button_is_stale() -> None:
    j = journey_at(Stage.REKINDLE)
    out = step(j, StepDone(Stage.DISCUSS), NOW)
    assert out.journey.stage is Stage.REKINDLE and "earlier step" in texts(out)


# --------------------------------------------------------------------------------------------------
# Care and consent.


@pytest.mark.parametrize("stage", list(Stage))
def test_crisis_answers_at_once_without_coaching_and_quiets_nudges(stage: Stage) -> None:
    j = journey_at(stage).with_prefs(timezone="America/Chicago")
    out = said(j, Intent.CRISIS)
    text = texts(out)
    assert "988" in text and "findahelpline.com" in text
    assert len(out.replies) == 1 and not out.replies[0].buttons
    assert out.journey.stage is stage and out.journey.quiet_until == NOW + DAY
    assert [(t.kind, t.due_at) for t in out.set_timers] == [(NudgeKind.CRISIS_CHECKIN, NOW + DAY)]


def test_crisis_mid_intake_keeps_her_place() -> None:
    j, _ = run(Journey(), "Sam")
    j2, out = run(j, "honestly i want to end it all")
    assert j2.awaiting is Question.ENDED and "findahelpline" in texts(out)


@pytest.mark.parametrize("stage", list(Stage))
def test_after_he_said_no_no_draft_and_no_contact_nudge_ever(stage: Stage) -> None:
    out = said(journey_at(stage), Intent.HE_SAID_NO)
    j = out.journey
    assert j.he_said_no and j.stage is Stage.MOVING_ON
    assert CONTACT_NUDGES <= out.cancel_timers
    now = NOW
    for week in range(1, 9):
        now = NOW + week * 7 * DAY
        for intent in (Intent.ASK_SUGGESTION, Intent.URGE_TO_CONTACT, Intent.NO_REPLY, Intent.PROGRESS):
            o = said(j, intent, now)
            assert not any(d.startswith("s:") for d in all_buttons(o))
            assert not {t.kind for t in o.set_timers} & CONTACT_NUDGES
            j = o.journey
        for kind in CONTACT_NUDGES:
            assert not step(j, TimerFired(kind), now).replies
        assert not {t.kind for t in step(j, Commanded(Command.TEXT), now).set_timers} & CONTACT_NUDGES
    assert j.stage is Stage.MOVING_ON


def test_only_he_reaching_out_reopens_after_his_no() -> None:
    j = said(journey_at(Stage.RECONNECT), Intent.HE_SAID_NO).journey
    for intent in (Intent.BACK_TOGETHER, Intent.WE_MET, Intent.HE_REPLIED):
        # Her own "we're back together" is not his reaching out: a kind check, never couple texts.
        out = said(j, intent)
        assert out.journey.stage is Stage.MOVING_ON and out.journey.he_said_no, intent
        assert "Did he reach out to you" in texts(out)
    for intent in (Intent.ASK_SUGGESTION, Intent.URGE_TO_CONTACT, Intent.NO_REPLY, Intent.SMALL_TALK):
        assert said(j, intent).journey.he_said_no, f"{intent} must not reopen coaching"
    reopened = said(j, Intent.HE_REACHED_OUT)
    assert reopened.journey.stage is Stage.DISCUSS and not reopened.journey.he_said_no


def test_unsafe_never_coaches_a_return() -> None:
    out = said(journey_at(Stage.REKINDLE).with_prefs(timezone="Europe/London"), Intent.UNSAFE)
    j = out.journey
    assert j.unsafe and j.stage is Stage.MOVING_ON
    assert "0808 2000 247" in texts(out)
    assert said(j, Intent.HE_REACHED_OUT).journey.stage is Stage.MOVING_ON
    assert said(j, Intent.BACK_TOGETHER).journey.stage is Stage.MOVING_ON
    assert not any(d.startswith("s:sent") for d in all_buttons(said(j, Intent.ASK_SUGGESTION)))


@pytest.mark.parametrize(
    "text",
    ["how do I make him jealous", "should I pretend I'm pregnant", "how can I guilt him into coming back"],
)
def test_manipulation_gets_a_kind_refusal(text: str) -> None:
    j = journey_at(Stage.RECONNECT)
    out = step(j, interpret(j, text), NOW)
    assert "won't help" in texts(out) and out.journey == j


def test_moving_on_is_a_dignified_end() -> None:
    out = said(journey_at(Stage.REKINDLE), Intent.MOVING_ON)
    assert out.journey.stage is Stage.MOVING_ON and "brave" in texts(out)


def test_back_together_celebrates() -> None:
    out = said(journey_at(Stage.HIS_MOVE), Intent.BACK_TOGETHER)
    assert out.journey.stage is Stage.TOGETHER and "if nothing had changed" in texts(out)


# --------------------------------------------------------------------------------------------------
# Commands and side questions.


def test_journal_entry_and_unsent_letter_are_kept() -> None:
    j = journey_at(Stage.NO_CONTACT)
    out = step(j, Answered(Question.JOURNAL, "unsent"), NOW)
    assert out.journey.awaiting is Question.UNSENT
    out2 = step(out.journey, interpret(out.journey, "Dear Sam, I miss our Sundays."), NOW)
    assert out2.notes[0].kind is NoteKind.UNSENT and out2.journey.awaiting is None


def test_memory_is_saved_for_texting_help() -> None:
    j = journey_at(Stage.REKINDLE)
    out = step(j, Commanded(Command.MEMORY, "our trip to Lisbon"), NOW)
    assert out.journey.facts.memories == ("our trip to Lisbon",)


def test_mood_check_in_records_a_value() -> None:
    out = step(journey_at(Stage.DISCUSS), Answered(Question.MOOD, "2"), NOW)
    assert out.notes[0].kind is NoteKind.MOOD and out.notes[0].value == 2


def test_mood_out_of_range_changes_nothing() -> None:
    j = journey_at(Stage.DISCUSS, awaiting=Question.MOOD)
    out = step(j, Answered(Question.MOOD, "9"), NOW)
    assert not out.notes and out.journey.awaiting is Question.MOOD


def test_pause_and_resume() -> None:
    j = step(journey_at(Stage.NO_CONTACT), Commanded(Command.PAUSE), NOW).journey
    assert j.prefs.paused
    assert not step(j, Commanded(Command.RESUME), NOW).journey.prefs.paused


def test_settings_change_timezone_and_move_the_daily_prompt() -> None:
    j = journey_at(Stage.NO_CONTACT)
    j = step(j, Answered(Question.SETTINGS, "timezone"), NOW).journey
    out = step(j, interpret(j, "Tokyo"), NOW)
    assert out.journey.prefs.timezone == "Asia/Tokyo"
    assert out.set_timers and out.set_timers[0].kind is NudgeKind.SELF_WORK


def test_reset_needs_confirmation() -> None:
    j = journey_at(Stage.REKINDLE)
    asked = step(j, Commanded(Command.RESET), NOW)
    assert asked.journey.stage is Stage.REKINDLE
    kept = step(asked.journey, Answered(Question.RESET, "no"), NOW)
    assert kept.journey.stage is Stage.REKINDLE
    done = step(asked.journey, Answered(Question.RESET, "yes"), NOW)
    assert done.journey.stage is Stage.INTAKE and done.journey.awaiting is Question.HIS_NAME


def test_delete_needs_confirmation() -> None:
    asked = step(journey_at(Stage.REKINDLE), Commanded(Command.DELETE), NOW)
    assert Effect.DELETE_DATA not in asked.effects
    done = step(asked.journey, Answered(Question.DELETE, "yes"), NOW)
    assert Effect.DELETE_DATA in done.effects


def test_progress_asks_for_the_chart() -> None:
    out = step(journey_at(Stage.NO_CONTACT), Commanded(Command.PROGRESS), NOW)
    assert Effect.SEND_PROGRESS_CHART in out.effects
    assert "day 5 of 21" in texts(out)


def test_check_without_a_draft_asks_for_it_then_reviews() -> None:
    j = journey_at(Stage.RECONNECT)
    asked = step(j, Commanded(Command.CHECK), NOW)
    assert asked.journey.awaiting is Question.DRAFT
    out = step(asked.journey, interpret(asked.journey, "why are you ignoring me"), NOW)
    assert out.journey.awaiting is None and out.replies


@pytest.mark.parametrize(
    "data",
    [
        "",
        "x",
        "i:nope",
        "a:his_name:" + "x" * 80,
        "s:sent:1:evil:0",
        "d:nowhere",
        "c:rm",
        "k:",
        "k:drop table",
        "k:x",
    ],
)
def test_forged_button_data_is_refused(data: str) -> None:
    assert B.parse(data) is None


@pytest.mark.parametrize("text", ["", "   ", "🙂" * 50, "Привет, как дела?", "مرحبا", "x" * 5000])
def test_odd_text_never_raises(text: str) -> None:
    for stage in Stage:
        j = journey_at(stage)
        out = step(j, interpret(j, text), NOW)
        assert out.replies and all(r.text.strip() for r in out.replies)


def test_typed_progress_answers_at_once_with_the_chart_one_tap_away() -> None:
    out = said(journey_at(Stage.NO_CONTACT), Intent.PROGRESS)
    assert Effect.SEND_PROGRESS_CHART not in out.effects
    assert "c:progress" in all_buttons(out) and "day 5 of 21" in texts(out)


@pytest.mark.parametrize(
    "data, choice", [("k:he_replied", "he_replied"), ("k:journal", "journal"), ("k:safe", "safe")]
)
def test_clarify_buttons_parse(data: str, choice: str) -> None:
    assert B.parse(data) == Clarified(choice)


def test_a_clarify_button_with_nothing_kept_changes_nothing() -> None:
    j = journey_at(Stage.REKINDLE)
    out = step(j, Clarified("we_met"), NOW)
    assert out.journey == j and "from earlier" in texts(out)
