"""The coaching program: one table of (stage, event) -> next stage and what the coach does.

A person moves through the stages of PROGRAM.md in order:

    intake -> understand -> no_contact -> reconnect -> discuss -> rekindle -> meet -> the_option -> his_move
                                                                                    -> together | moving_on

Each row of TABLE below says, for one stage (or ANY stage) and one thing she reports (an Intent), which stage she
is in afterwards and which handler writes the reply. Rows for a specific stage win over ANY rows. TIMER_TABLE does
the same for nudges that fall due. Nothing else moves a stage, with one exception written down here: time itself.
When 21 days have passed since her last contact with him, no_contact is over whether or not the day-21 nudge was
delivered (the bot may have been down), so every step first catches up with the clock (`_catch_up`).

Care comes before coaching and cannot be overridden by any stage: crisis, unsafe and he_said_no are ANY rows
with no stage-specific rows. After he said no or she said she is unsafe, the coach never drafts a text to him and
sets no contact nudge; only he reaching out himself reopens coaching (never after unsafe, never under a court
order: `court_order` is its own flag, and contact could put her at legal risk). Her own "we met" or "we're back
together" after his no gets a kind check, not couple texts. These flags are about him and her safety, not her
place in the program: /reset keeps them (she starts again in moving_on); only /delete removes them.

No wrong reading sticks (see "Repair" below): a reading of her words that moved her stage or set a care flag
can be undone by the very next step, a button or a typed "no wait", and the journey and her nudges are put back
exactly. Three events live beside the table because they are about the conversation, not the program: Undo,
WentBack (the intake's Back button) and CheckedIn (her first words after a crisis message, heard as how she is).

Events that a stage does not expect fall through to ANY rows, which always answer helpfully; nothing raises.
`step` is pure: the journey and `now` come in; a new journey, replies, timers and notes go out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from coach.copy import messages as M
from coach.review import Reason, extract_draft, review_draft
from coach.suggest import suggest
from coach.timing import local_hour, next_local_hour, parse_hour, parse_quiet_hours, parse_timezone
from coach.understand import Reading, asks_for_manipulation, name_in, yes_or_no
from coach.understand import read as read_words
from coach.vocabulary import (
    CONTACT_NUDGES,
    INTAKE_QUESTIONS,
    Answered,
    CheckedIn,
    Clarified,
    Command,
    Commanded,
    Effect,
    Event,
    Facts,
    Intent,
    Journey,
    Note,
    NoteKind,
    NudgeKind,
    Outcome,
    Pace,
    Pronoun,
    Question,
    Reply,
    Said,
    Snapshot,
    Stage,
    StepDone,
    Suggest,
    Timer,
    TimerFired,
    Unclear,
    Undo,
    WentBack,
)

NO_CONTACT_DAYS = 21
RETRY_AFTER_DAYS = 2  # no answer: try again after a couple of days
QUIET_WEEK_DAYS = 7  # two unanswered texts: wait a week, never a third
MEET_CHECKIN_DAYS = 7  # after meeting: wait a week ...
LIGHT_TOUCH_DAYS = 14  # ... or two, then one light touch if nothing came from him
HIS_MOVE_CHECKIN_DAYS = 3
CRISIS_QUIET_DAYS = 1

# Which nudges may be pending in each stage; entering a stage cancels every other kind (a crisis check-in stays).
STAGE_TIMERS: dict[Stage, frozenset[NudgeKind]] = {
    Stage.INTAKE: frozenset(),
    Stage.UNDERSTAND: frozenset(),
    Stage.NO_CONTACT: frozenset({NudgeKind.SELF_WORK, NudgeKind.REACH_OUT}),
    Stage.RECONNECT: frozenset({NudgeKind.DID_HE_REPLY, NudgeKind.QUIET_WEEK}),
    Stage.DISCUSS: frozenset({NudgeKind.DID_HE_REPLY}),
    Stage.REKINDLE: frozenset({NudgeKind.DID_HE_REPLY}),
    Stage.MEET: frozenset({NudgeKind.DID_HE_REPLY}),
    Stage.THE_OPTION: frozenset({NudgeKind.MEET_CHECKIN, NudgeKind.LIGHT_TOUCH, NudgeKind.DID_HE_REPLY}),
    Stage.HIS_MOVE: frozenset({NudgeKind.HIS_MOVE_CHECKIN}),
    Stage.TOGETHER: frozenset(),
    Stage.MOVING_ON: frozenset(),
}

SAFETY_INTENTS = frozenset({Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO})

# Questions whose answer is whatever she types (after the safety check).
TYPED_QUESTIONS = frozenset(
    {
        Question.HIS_NAME,
        Question.ENDED,
        Question.HIS_REASON,
        Question.TIMEZONE,
        Question.JOURNAL,
        Question.UNSENT,
        Question.MEMORY,
        Question.NOW_INTO,
        Question.DRAFT,
        Question.SET_TIMEZONE,
        Question.SET_QUIET,
        Question.SET_NUDGE_HOUR,
        Question.SET_NAME,
        Question.SET_ENDED,
        Question.SET_HIS_REASON,
    }
)
# Typed during intake, these are questions of her own, not answers ("what should I text him?" is no name).
NOT_AN_INTAKE_ANSWER = frozenset(
    {Intent.ASK_SUGGESTION, Intent.CHECK_DRAFT, Intent.HELP, Intent.PROGRESS, Intent.URGE_TO_CONTACT}
)
NOT_THE_REASON = NOT_AN_INTAKE_ANSWER | {
    Intent.SMALL_TALK,
    Intent.HE_REPLIED,
    Intent.HE_REACHED_OUT,
    Intent.I_CONTACTED_HIM,
    Intent.BACK_TOGETHER,
}
MAX_NAME = 40
MAX_NOTE = 4000
MAX_FACT = 500


@dataclass(frozen=True, slots=True)
class Turn:
    """One step's input, handed to every handler."""

    journey: Journey
    now: datetime
    pace: Pace
    text: str = ""

    def days(self, n: float) -> timedelta:
        return self.pace.days(n)


Handler = Callable[[Turn], Outcome]


@dataclass(frozen=True, slots=True)
class Row:
    handler: Handler
    to: Stage | None = None  # None: she stays where she is (the handler may say more)


def _out(
    journey: Journey,
    *replies: Reply,
    set_timers: tuple[Timer, ...] = (),
    cancel: frozenset[NudgeKind] = frozenset(),
    notes: tuple[Note, ...] = (),
    effects: tuple[Effect, ...] = (),
) -> Outcome:
    return Outcome(journey, tuple(replies), set_timers, cancel - {t.kind for t in set_timers}, notes, effects)


def _merge(first: Outcome, second: Outcome) -> Outcome:
    """`first` happened, then `second` (whose journey is the final one)."""
    set_kinds = {t.kind for t in second.set_timers}
    timers = tuple(
        t for t in first.set_timers if t.kind not in set_kinds and t.kind not in second.cancel_timers
    )
    return Outcome(
        second.journey,
        first.replies + second.replies,
        timers + second.set_timers,
        (first.cancel_timers | second.cancel_timers) - {t.kind for t in timers + second.set_timers},
        first.notes + second.notes,
        first.effects + second.effects,
        None,
    )


# --------------------------------------------------------------------------------------------------
# Entering a stage: the timers it starts and the ones it cancels.


def _self_work_due(journey: Journey, now: datetime, pace: Pace) -> datetime:
    if pace.real_days:
        return next_local_hour(now, journey.prefs.nudge_hour, journey.prefs.timezone)
    return now + pace.day


def no_contact_ends_at(journey: Journey, pace: Pace) -> datetime | None:
    if journey.last_contact_at is None:
        return None
    return journey.last_contact_at + pace.days(NO_CONTACT_DAYS)


def _enter(t: Turn, journey: Journey, stage: Stage) -> Outcome:
    """She moves to `stage`: the stage's intro, its timers, and every other contact timer cancelled."""
    j = journey.evolve(stage=stage, stage_since=t.now, awaiting=None)
    timers: tuple[Timer, ...] = ()
    if stage is Stage.UNDERSTAND:
        j = j.evolve(awaiting=Question.REASON)
    elif stage is Stage.NO_CONTACT:
        j = j.evolve(last_contact_at=j.last_contact_at or t.now)
        ends = no_contact_ends_at(j, t.pace)
        assert ends is not None
        timers = (
            Timer(NudgeKind.SELF_WORK, _self_work_due(j, t.now, t.pace)),
            Timer(NudgeKind.REACH_OUT, ends),
        )
    elif stage is Stage.THE_OPTION and j.last_met_at is not None:
        timers = (
            Timer(NudgeKind.MEET_CHECKIN, j.last_met_at + t.days(MEET_CHECKIN_DAYS)),
            Timer(NudgeKind.LIGHT_TOUCH, j.last_met_at + t.days(LIGHT_TOUCH_DAYS)),
        )
    elif stage is Stage.HIS_MOVE:
        timers = (Timer(NudgeKind.HIS_MOVE_CHECKIN, t.now + t.days(HIS_MOVE_CHECKIN_DAYS)),)
    cancel = frozenset(NudgeKind) - STAGE_TIMERS[stage] - {NudgeKind.CRISIS_CHECKIN}
    if j.he_said_no or j.unsafe:
        timers = tuple(x for x in timers if x.kind not in CONTACT_NUDGES)
    intro = Reply(M.stage_intro(stage, j, t.now, t.pace), M.stage_buttons(stage, j))
    return _out(j, intro, set_timers=timers, cancel=cancel)


def _start_no_contact(t: Turn, journey: Journey) -> Outcome:
    """After understand: 21 days of no contact, or straight on if they have already passed."""
    j = journey.evolve(last_contact_at=journey.last_contact_at or t.now)
    ends = no_contact_ends_at(j, t.pace)
    if ends is not None and ends <= t.now:
        return _enter(t, j, Stage.RECONNECT)
    return _enter(t, j, Stage.NO_CONTACT)


def _catch_up(t: Turn) -> Outcome | None:
    """Time itself ends no_contact: on day 21 she may reach out, even if the nudge never arrived."""
    j = t.journey
    ends = no_contact_ends_at(j, t.pace)
    if j.stage is Stage.NO_CONTACT and ends is not None and t.now >= ends and not (j.he_said_no or j.unsafe):
        return _enter(t, j, Stage.RECONNECT)
    return None


# --------------------------------------------------------------------------------------------------
# Handlers for what she reports. Each is short and named for what happened.


def _stay(t: Turn, text: str, stage: Stage | None = None) -> Outcome:
    j = t.journey
    return _out(j, Reply(text, M.stage_buttons(stage or j.stage, j)))


def on_crisis(t: Turn) -> Outcome:
    # No coaching in this reply; nudges pause for a day, then one gentle check-in. Her next words are heard
    # as how she is (after_crisis), never as the answer to a question she was asked before.
    j = t.journey.evolve(
        quiet_until=t.now + t.days(CRISIS_QUIET_DAYS), awaiting=_keep_intake(t.journey), after_crisis=True
    )
    reply = Reply(M.crisis(j.prefs.timezone))
    return _out(j, reply, set_timers=(Timer(NudgeKind.CRISIS_CHECKIN, t.now + t.days(CRISIS_QUIET_DAYS)),))


def _keep_intake(j: Journey) -> Question | None:
    return j.awaiting if j.awaiting in INTAKE_QUESTIONS else None


def on_unsafe(t: Turn) -> Outcome:
    j = t.journey.evolve(unsafe=True, stage=Stage.MOVING_ON, stage_since=t.now, awaiting=None)
    if mentions_court_order(t.text):
        return _court_order(t, j)
    return _out(
        j,
        Reply(M.unsafe(j.prefs.timezone), M.stage_buttons(Stage.MOVING_ON, j)),
        cancel=CONTACT_NUDGES,
    )


def on_he_said_no(t: Turn) -> Outcome:
    j = t.journey.evolve(he_said_no=True, stage=Stage.MOVING_ON, stage_since=t.now, awaiting=None)
    if mentions_court_order(t.text):
        return _court_order(t, j)
    return _out(j, Reply(M.he_said_no(j.facts), M.stage_buttons(Stage.MOVING_ON, j)), cancel=CONTACT_NUDGES)


def _court_order(t: Turn, j: Journey) -> Outcome:
    """A restraining or protective order: a no that even his own message cannot lift (contact is a legal risk)."""
    j = j.evolve(court_order=True, he_said_no=True, stage=Stage.MOVING_ON, stage_since=t.now, awaiting=None)
    return _out(
        j,
        Reply(M.court_order(j.facts, j.prefs.timezone), M.stage_buttons(Stage.MOVING_ON, j)),
        cancel=CONTACT_NUDGES,
    )


def _his_no_stands(t: Turn) -> Outcome | None:
    """After his no (or an order, or her fear of him) only his own reaching out reopens coaching: her "we met"
    or "we're back together" gets a kind check, never couple texts."""
    j = t.journey
    if j.court_order:
        return _out(j, Reply(M.court_order_stands(j.facts), M.stage_buttons(j.stage, j)))
    if j.unsafe:
        return _out(j, Reply(M.back_together_unsafe(j.prefs.timezone)))
    if j.he_said_no:
        return _out(j, Reply(M.did_he_reach_out(j.facts), M.did_he_reach_out_buttons()))
    return None


def on_moving_on(t: Turn) -> Outcome:
    j = t.journey.evolve(stage=Stage.MOVING_ON, stage_since=t.now, awaiting=None)
    if t.journey.stage is Stage.MOVING_ON:
        return _out(j, Reply(M.moving_on_again(j.facts), M.stage_buttons(Stage.MOVING_ON, j)))
    return _out(j, Reply(M.moving_on(j.facts), M.stage_buttons(Stage.MOVING_ON, j)), cancel=CONTACT_NUDGES)


def on_back_together(t: Turn) -> Outcome:
    j = t.journey
    stands = _his_no_stands(t)
    if stands is not None:
        return stands
    if j.stage is Stage.TOGETHER:
        return _stay(t, M.together_again(j.facts))
    return _enter(t, j.evolve(unanswered=0), Stage.TOGETHER)


def on_feeling_down(t: Turn) -> Outcome:
    return _out(t.journey, Reply(M.feeling_down(t.journey, t.now), M.feeling_down_buttons()))


def on_progress(t: Turn) -> Outcome:
    """Typed "where am I?": the text at once, the picture one tap away (drawing it costs far more than a reply)."""
    j = t.journey
    buttons = (*M.stage_buttons(j.stage, j), *M.chart_button())
    return _out(j, Reply(M.progress(j, t.now, t.pace), buttons))


def on_progress_command(t: Turn) -> Outcome:
    """/progress: the text and the picture of her journey."""
    j = t.journey
    return _out(
        j,
        Reply(M.progress(j, t.now, t.pace), M.stage_buttons(j.stage, j)),
        effects=(Effect.SEND_PROGRESS_CHART,),
    )


def on_help(t: Turn) -> Outcome:
    return _out(t.journey, Reply(M.help_text()))


def on_small_talk(t: Turn) -> Outcome:
    return _stay(t, M.small_talk(t.text, t.journey))


def on_other(t: Turn) -> Outcome:
    # Free text we cannot place is often self-work: keep it in her journal rather than lose it.
    text = t.text.strip()
    if not text:
        return _stay(t, M.didnt_catch())
    note = Note(NoteKind.JOURNAL, text[:MAX_NOTE])
    return _out(
        t.journey,
        Reply(M.kept_in_journal(t.journey), M.stage_buttons(t.journey.stage, t.journey)),
        notes=(note,),
    )


def on_ask_suggestion(t: Turn) -> Outcome:
    return _suggestions(t, variant=t.journey.suggestion_round, style="default")


def _suggestions(t: Turn, *, variant: int, style: str) -> Outcome:
    j = t.journey
    s = suggest(j, t.now, variant=variant, style=style, pace=t.pace)
    j = j.evolve(suggestion_round=variant + 1, last_options=tuple(o.text for o in s.options))
    out = _out(j, Reply(M.suggestions(s, j.facts), M.suggestion_buttons(s, variant, style)))
    return replace(out, offered=(variant, style)) if s.options else out


def on_check_draft(t: Turn) -> Outcome:
    draft = extract_draft(t.text)
    if not draft:
        j = t.journey.evolve(awaiting=Question.DRAFT)
        return _out(j, Reply(M.ask_for_draft(j.facts)))
    return _review(t, draft)


def _review(t: Turn, draft: str) -> Outcome:
    j = t.journey
    r = review_draft(
        draft,
        j.stage,
        awaiting_reply=j.unanswered > 0,
        local_hour=local_hour(t.now, j.prefs.timezone) if t.pace.real_days else None,
        he_said_no=j.he_said_no,
        unsafe=j.unsafe,
        his_name=j.facts.his_name,
        pronoun=j.facts.pronoun,
    )
    if Reason.SELF_HARM in r.reasons:
        return on_crisis(t)  # she comes first: care, and no verdict on the text in that reply
    return _out(j.evolve(awaiting=None), Reply(M.review(r, j.facts.pronoun), M.review_buttons(j, r)))


def on_urge(t: Turn) -> Outcome:
    """Default: outside no_contact a text is fine, if it is one short, casual text."""
    j = t.journey
    if j.he_said_no or j.unsafe:
        return _out(j, Reply(M.urge_after_no(j.facts)))
    if j.unanswered >= 2:
        return _out(j, Reply(M.urge_after_two_unanswered(j.facts), M.sos_buttons()))
    return _stay(t, M.urge_ok(j.facts, j.stage))


def on_sos(t: Turn) -> Outcome:
    """no_contact: the reason to wait, what to do in the next ten minutes, a place to write it unsent."""
    j = t.journey
    return _out(j, Reply(M.sos(j, t.now, t.pace), M.sos_buttons()))


def on_i_contacted(t: Turn) -> Outcome:
    """She texted him: count it, start the two-day "did he reply?" timer, and keep to the pacing rules."""
    j = t.journey
    if j.he_said_no or j.unsafe:
        return _out(j, Reply(M.contacted_after_no(j.facts)))
    count = j.unanswered + 1
    j = j.evolve(unanswered=count, last_text_at=t.now)
    reply = Reply(M.contacted(j.facts, j.stage, count), M.stage_buttons(j.stage, j))
    # The "did he reply?" of her earlier text would come right after this one: it goes, whatever replaces it.
    cancel = frozenset({NudgeKind.DID_HE_REPLY})
    timers: list[Timer] = [Timer(NudgeKind.DID_HE_REPLY, t.now + t.days(RETRY_AFTER_DAYS))]
    if count >= 2:
        # Two unanswered: a quiet week where the stage has one, else the same two-day question about the new text.
        timers.insert(0, Timer(NudgeKind.QUIET_WEEK, t.now + t.days(QUIET_WEEK_DAYS)))
    allowed = [x for x in timers if x.kind in STAGE_TIMERS[j.stage]]
    return _out(j, reply, set_timers=tuple(allowed[:1]), cancel=cancel)


def on_slip(t: Turn) -> Outcome:
    """A slip in no_contact restarts the count, without shame, and keeps her best streak."""
    j = t.journey
    streak = _streak_days(j, t.now, t.pace)
    best = max(j.best_streak_days, streak)
    j = j.evolve(last_contact_at=t.now, best_streak_days=best, slips=j.slips + 1)
    ends = no_contact_ends_at(j, t.pace)
    assert ends is not None
    return _out(
        j,
        Reply(M.slip(j, streak, best, ends), M.stage_buttons(Stage.NO_CONTACT, j)),
        set_timers=(Timer(NudgeKind.REACH_OUT, ends),),
    )


def on_chance_meeting(t: Turn) -> Outcome:
    return _stay(t, M.chance_meeting_in_no_contact(t.journey.facts))


def on_he_replied(t: Turn) -> Outcome:
    stands = _his_no_stands(t) if t.journey.stage is Stage.MOVING_ON else None
    if stands is not None:
        return stands
    j = t.journey.evolve(unanswered=0)
    return _out(
        j,
        Reply(M.he_replied(j.facts, j.stage), M.stage_buttons(j.stage, j)),
        cancel=frozenset({NudgeKind.DID_HE_REPLY, NudgeKind.QUIET_WEEK, NudgeKind.LIGHT_TOUCH}),
    )


def on_contact_open(t: Turn) -> Outcome:
    """He answered her text or reached out first: contact is open again, so she moves to discuss."""
    j = t.journey.evolve(unanswered=0)
    first = _out(j, Reply(M.contact_open(j.facts, t.journey.stage, t.text)))
    return _merge(first, _enter(t, j, Stage.DISCUSS))


def on_he_reached_out_after_no(t: Turn) -> Outcome:
    """Only he can reopen coaching after his no, and he leads. Never after she said she is unsafe."""
    j = t.journey
    if j.court_order:
        return _out(j, Reply(M.he_reached_out_court_order(j.facts), M.stage_buttons(j.stage, j)))
    if j.unsafe:
        return _out(j, Reply(M.he_reached_out_unsafe(j.prefs.timezone)))
    if not j.he_said_no:
        return _out(j, Reply(M.he_reached_out_after_moving_on(j.facts), M.reopen_buttons()))
    j = j.evolve(he_said_no=False, unanswered=0)
    first = _out(j, Reply(M.reopened_by_him(j.facts)))
    return _merge(first, _enter(t, j, Stage.DISCUSS))


def on_no_reply(t: Turn) -> Outcome:
    j = t.journey
    if j.unanswered == 0:
        return _stay(t, M.no_reply_nothing_sent(j.facts, j.stage))
    if j.unanswered >= 2:
        return _stay(t, M.no_reply_wait_a_week(j.facts))
    retry_at = (j.last_text_at or t.now) + t.days(RETRY_AFTER_DAYS)
    return _stay(t, M.no_reply_try_again(j, retry_at, t.now))


def on_we_met(t: Turn) -> Outcome:
    stands = _his_no_stands(t)
    if stands is not None:
        return stands
    j = t.journey.evolve(last_met_at=t.now, unanswered=0)
    return _out(j, Reply(M.we_met(j.facts, j.stage), M.stage_buttons(j.stage, j)))


def on_we_met_in_discuss(t: Turn) -> Outcome:
    j = t.journey.evolve(last_met_at=t.now, unanswered=0)
    return _out(j, Reply(M.we_met_did_you_talk(j.facts), M.did_you_talk_buttons()))


def on_met_then_option(t: Turn) -> Outcome:
    """They met: wait a week or two (timers from the meeting), then put the option out there."""
    j = t.journey.evolve(last_met_at=t.now, unanswered=0)
    first = _out(j, Reply(M.after_meeting(j.facts)))
    return _merge(first, _enter(t, j, Stage.THE_OPTION))


def on_met_again(t: Turn) -> Outcome:
    j = t.journey.evolve(last_met_at=t.now, unanswered=0)
    timers = (
        Timer(NudgeKind.MEET_CHECKIN, t.now + t.days(MEET_CHECKIN_DAYS)),
        Timer(NudgeKind.LIGHT_TOUCH, t.now + t.days(LIGHT_TOUCH_DAYS)),
    )
    return _out(j, Reply(M.we_met(j.facts, j.stage), M.stage_buttons(j.stage, j)), set_timers=timers)


def on_him_in_the_option(t: Turn) -> Outcome:
    """Something came from him: no light touch needed."""
    j = t.journey.evolve(unanswered=0)
    return _out(
        j,
        Reply(M.he_replied(j.facts, j.stage), M.stage_buttons(j.stage, j)),
        cancel=frozenset({NudgeKind.LIGHT_TOUCH, NudgeKind.DID_HE_REPLY}),
    )


def on_him_leading(t: Turn) -> Outcome:
    j = t.journey.evolve(unanswered=0)
    return _out(
        j,
        Reply(M.him_leading(j.facts), M.stage_buttons(j.stage, j)),
        set_timers=(Timer(NudgeKind.HIS_MOVE_CHECKIN, t.now + t.days(HIS_MOVE_CHECKIN_DAYS)),),
    )


def on_texting_him_in_his_move(t: Turn) -> Outcome:
    return _stay(t, M.let_him_lead(t.journey.facts))


def on_not_in_intake(t: Turn) -> Outcome:
    return _out(t.journey, *_ask(t.journey, preface=M.finish_intake_first()))


def on_intake_help(t: Turn) -> Outcome:
    return _out(t.journey, Reply(M.help_text()), *_ask(t.journey))


# --------------------------------------------------------------------------------------------------
# THE TABLE. (stage or ANY, intent) -> Row(handler, next stage). Specific rows win over ANY rows.

ANY = None

TABLE: dict[tuple[Stage | None, Intent], Row] = {
    # Care first, at every stage; no stage may override these.
    (ANY, Intent.CRISIS): Row(on_crisis),
    (ANY, Intent.UNSAFE): Row(on_unsafe, Stage.MOVING_ON),
    (ANY, Intent.HE_SAID_NO): Row(on_he_said_no, Stage.MOVING_ON),
    # Always available.
    (ANY, Intent.MOVING_ON): Row(on_moving_on, Stage.MOVING_ON),
    (ANY, Intent.BACK_TOGETHER): Row(on_back_together, Stage.TOGETHER),
    (ANY, Intent.FEELING_DOWN): Row(on_feeling_down),
    (ANY, Intent.PROGRESS): Row(on_progress),
    (ANY, Intent.HELP): Row(on_help),
    (ANY, Intent.SMALL_TALK): Row(on_small_talk),
    (ANY, Intent.OTHER): Row(on_other),
    (ANY, Intent.ASK_SUGGESTION): Row(on_ask_suggestion),
    (ANY, Intent.CHECK_DRAFT): Row(on_check_draft),
    (ANY, Intent.URGE_TO_CONTACT): Row(on_urge),
    (ANY, Intent.I_CONTACTED_HIM): Row(on_i_contacted),
    (ANY, Intent.HE_REPLIED): Row(on_he_replied),
    (ANY, Intent.HE_REACHED_OUT): Row(on_he_replied),
    (ANY, Intent.NO_REPLY): Row(on_no_reply),
    (ANY, Intent.WE_MET): Row(on_we_met),
    # intake: questions first; help is fine, the rest waits.
    (Stage.INTAKE, Intent.HELP): Row(on_intake_help),
    (Stage.INTAKE, Intent.MOVING_ON): Row(on_moving_on, Stage.MOVING_ON),
    (Stage.INTAKE, Intent.ASK_SUGGESTION): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.CHECK_DRAFT): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.PROGRESS): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.OTHER): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.SMALL_TALK): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.URGE_TO_CONTACT): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.I_CONTACTED_HIM): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.HE_REPLIED): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.HE_REACHED_OUT): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.NO_REPLY): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.WE_MET): Row(on_not_in_intake),
    (Stage.INTAKE, Intent.BACK_TOGETHER): Row(on_not_in_intake),
    # no_contact: 21 days from her last contact; a slip restarts the count; he reaching out ends it early.
    (Stage.NO_CONTACT, Intent.URGE_TO_CONTACT): Row(on_sos),
    (Stage.NO_CONTACT, Intent.I_CONTACTED_HIM): Row(on_slip),
    (Stage.NO_CONTACT, Intent.NO_REPLY): Row(on_slip),
    (Stage.NO_CONTACT, Intent.HE_REACHED_OUT): Row(on_contact_open, Stage.DISCUSS),
    (Stage.NO_CONTACT, Intent.HE_REPLIED): Row(on_contact_open, Stage.DISCUSS),
    (Stage.NO_CONTACT, Intent.WE_MET): Row(on_chance_meeting),
    # reconnect: one casual text; no answer: again after two days; never a third unanswered text.
    (Stage.RECONNECT, Intent.HE_REPLIED): Row(on_contact_open, Stage.DISCUSS),
    (Stage.RECONNECT, Intent.HE_REACHED_OUT): Row(on_contact_open, Stage.DISCUSS),
    (Stage.RECONNECT, Intent.WE_MET): Row(on_contact_open, Stage.DISCUSS),
    # discuss: the talk; meeting in person may have been the talk.
    (Stage.DISCUSS, Intent.WE_MET): Row(on_we_met_in_discuss),
    # rekindle: meeting already means the date happened.
    (Stage.REKINDLE, Intent.WE_MET): Row(on_met_then_option, Stage.THE_OPTION),
    # meet: one no-strings date; then wait a week or two.
    (Stage.MEET, Intent.WE_MET): Row(on_met_then_option, Stage.THE_OPTION),
    # the_option: anything from him cancels the light touch.
    (Stage.THE_OPTION, Intent.HE_REACHED_OUT): Row(on_him_in_the_option),
    (Stage.THE_OPTION, Intent.HE_REPLIED): Row(on_him_in_the_option),
    (Stage.THE_OPTION, Intent.WE_MET): Row(on_met_again),
    # his_move: he leads; she keeps her word.
    (Stage.HIS_MOVE, Intent.HE_REACHED_OUT): Row(on_him_leading),
    (Stage.HIS_MOVE, Intent.HE_REPLIED): Row(on_him_leading),
    (Stage.HIS_MOVE, Intent.WE_MET): Row(on_him_leading),
    (Stage.HIS_MOVE, Intent.I_CONTACTED_HIM): Row(on_texting_him_in_his_move),
    (Stage.HIS_MOVE, Intent.URGE_TO_CONTACT): Row(on_texting_him_in_his_move),
    # moving_on: only he can reopen coaching after his no.
    (Stage.MOVING_ON, Intent.HE_REACHED_OUT): Row(on_he_reached_out_after_no),
}

# The milestones she marks done with a button ("we talked it through"): stage -> next stage.
MILESTONES: dict[Stage, Stage] = {
    Stage.UNDERSTAND: Stage.NO_CONTACT,  # "skip this step"
    Stage.RECONNECT: Stage.MEET,  # after the quiet week: see him where he will be, instead of a third text
    Stage.DISCUSS: Stage.REKINDLE,  # we talked it through
    Stage.REKINDLE: Stage.MEET,  # he is warm and engaged
    Stage.MEET: Stage.THE_OPTION,  # we met
    Stage.THE_OPTION: Stage.HIS_MOVE,  # I said it
    Stage.MOVING_ON: Stage.DISCUSS,  # "help me answer": he reached out after she chose to move on
}


def row_for(stage: Stage, intent: Intent) -> Row:
    if intent in SAFETY_INTENTS:
        return TABLE[(ANY, intent)]
    return TABLE.get((stage, intent)) or TABLE[(ANY, intent)]


# --------------------------------------------------------------------------------------------------
# Timers: (stage, kind) -> handler. A timer that no longer applies is dropped silently (no reply).


def fire_self_work(t: Turn) -> Outcome:
    j = t.journey
    reply = Reply(M.self_work_prompt(j, t.now, t.pace), M.self_work_buttons())
    return _out(j, reply, set_timers=(_next_self_work(t),))


def _next_self_work(t: Turn) -> Timer:
    if not t.pace.real_days:
        # A short demo day has no clock hour to aim at: simply one program day later.
        return Timer(NudgeKind.SELF_WORK, t.now + t.pace.day)
    # From half a day on: a prompt that quiet hours pushed to the morning must not pull tomorrow's to the
    # morning as well (her hour that same evening would fall foul of one-a-day, and so on every day).
    return Timer(NudgeKind.SELF_WORK, _self_work_due(t.journey, t.now + t.days(0.5), t.pace))


def fire_reach_out(t: Turn) -> Outcome:
    j = t.journey
    ends = no_contact_ends_at(j, t.pace)
    if ends is not None and t.now < ends:
        # A slip moved the day; the nudge waits for the new one.
        return _out(j, set_timers=(Timer(NudgeKind.REACH_OUT, ends),))
    return _enter(t, j, Stage.RECONNECT)


def fire_did_he_reply(t: Turn) -> Outcome:
    j = t.journey
    if j.unanswered == 0:
        return _out(j)
    return _out(
        j.evolve(asked=Question.DID_HE_REPLY), Reply(M.did_he_reply(j.facts), M.did_he_reply_buttons())
    )


def fire_quiet_week(t: Turn) -> Outcome:
    j = t.journey
    if j.unanswered < 2:
        return _out(j)
    return _out(j.evolve(asked=Question.HEARD_FROM_HIM), Reply(M.quiet_week(j.facts), M.quiet_week_buttons()))


def fire_meet_checkin(t: Turn) -> Outcome:
    j = t.journey.evolve(asked=Question.HEARD_FROM_HIM)
    return _out(j, Reply(M.meet_checkin(j.facts), M.stage_buttons(j.stage, j)))


def fire_light_touch(t: Turn) -> Outcome:
    return _out(t.journey, Reply(M.light_touch(t.journey.facts), M.light_touch_buttons()))


def fire_his_move_checkin(t: Turn) -> Outcome:
    j = t.journey
    nxt = Timer(NudgeKind.HIS_MOVE_CHECKIN, t.now + t.days(HIS_MOVE_CHECKIN_DAYS))
    return _out(j, Reply(M.his_move_checkin(j.facts), M.stage_buttons(j.stage, j)), set_timers=(nxt,))


def fire_crisis_checkin(t: Turn) -> Outcome:
    # Several due nudges go out as one message, so the day's self-work prompt may have been merged into this
    # one and with it its own re-arming: the daily rhythm starts again from here. Her answer is how she is.
    j = t.journey.evolve(after_crisis=True)
    rhythm: tuple[Timer, ...] = ()
    if j.stage is Stage.NO_CONTACT and not (j.he_said_no or j.unsafe):
        rhythm = (_next_self_work(t),)
    elif j.stage is Stage.HIS_MOVE and not (j.he_said_no or j.unsafe):
        rhythm = (Timer(NudgeKind.HIS_MOVE_CHECKIN, t.now + t.days(HIS_MOVE_CHECKIN_DAYS)),)
    return _out(j, Reply(M.crisis_checkin(), M.feeling_down_buttons()), set_timers=rhythm)


TIMER_TABLE: dict[tuple[Stage | None, NudgeKind], Handler] = {
    (Stage.NO_CONTACT, NudgeKind.SELF_WORK): fire_self_work,
    (Stage.NO_CONTACT, NudgeKind.REACH_OUT): fire_reach_out,
    (Stage.RECONNECT, NudgeKind.DID_HE_REPLY): fire_did_he_reply,
    (Stage.DISCUSS, NudgeKind.DID_HE_REPLY): fire_did_he_reply,
    (Stage.REKINDLE, NudgeKind.DID_HE_REPLY): fire_did_he_reply,
    (Stage.MEET, NudgeKind.DID_HE_REPLY): fire_did_he_reply,
    (Stage.THE_OPTION, NudgeKind.DID_HE_REPLY): fire_did_he_reply,
    (Stage.RECONNECT, NudgeKind.QUIET_WEEK): fire_quiet_week,
    (Stage.THE_OPTION, NudgeKind.MEET_CHECKIN): fire_meet_checkin,
    (Stage.THE_OPTION, NudgeKind.LIGHT_TOUCH): fire_light_touch,
    (Stage.HIS_MOVE, NudgeKind.HIS_MOVE_CHECKIN): fire_his_move_checkin,
    (ANY, NudgeKind.CRISIS_CHECKIN): fire_crisis_checkin,
}

# When several nudges piled up (the bot was down), the one that matters most is sent; the rest are merged.
NUDGE_PRIORITY = (
    NudgeKind.CRISIS_CHECKIN,
    NudgeKind.REACH_OUT,
    NudgeKind.QUIET_WEEK,
    NudgeKind.DID_HE_REPLY,
    NudgeKind.LIGHT_TOUCH,
    NudgeKind.MEET_CHECKIN,
    NudgeKind.HIS_MOVE_CHECKIN,
    NudgeKind.SELF_WORK,
)


def on_timer(t: Turn, kind: NudgeKind) -> Outcome:
    j = t.journey
    if kind in CONTACT_NUDGES and (j.he_said_no or j.unsafe):
        return _out(j, cancel=CONTACT_NUDGES)
    if j.stage is Stage.INTAKE and kind is not NudgeKind.CRISIS_CHECKIN:
        return _out(j)  # no program nudges before the program starts; care has no such wait
    handler = TIMER_TABLE.get((j.stage, kind)) or TIMER_TABLE.get((ANY, kind))
    if handler is None:
        return _out(j, cancel=frozenset({kind}))
    return handler(t)


# --------------------------------------------------------------------------------------------------
# Answers to the questions the coach asked.


def _ask(j: Journey, preface: str = "") -> tuple[Reply, ...]:
    """The reply that (re)asks the question she owes the coach, if any."""
    if j.awaiting is None:
        return ()
    text = M.question(j.awaiting, j.facts)
    if preface:
        text = f"{preface}\n\n{text}"
    return (Reply(text, M.question_buttons(j.awaiting, j)),)


def _next_intake(t: Turn, j: Journey, question: Question | None) -> Outcome:
    j = j.evolve(awaiting=question)
    return _out(j, *_ask(j))


def _asking(t: Turn, question: Question) -> Turn:
    """The same turn, as if the coach had just asked `question` (a command that carries its own answer)."""
    return Turn(t.journey.evolve(awaiting=question), t.now, t.pace, t.text)


def _clip(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def on_answer(t: Turn, question: Question, value: str) -> Outcome:
    j = t.journey
    if j.awaiting is not question:
        return _out(j, Reply(M.stale_button()), *_ask(j))
    value = value.strip()
    handler = ANSWERS.get(question)
    if handler is None:
        return _out(j.evolve(awaiting=None))
    return handler(t, value)


def answer_his_name(t: Turn, value: str) -> Outcome:
    name = _clip(value, MAX_NAME + 1)
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        return _out(t.journey, Reply(M.name_too_long()), *_ask(t.journey))
    j = t.journey.with_facts(his_name=name)
    return _next_intake(t, j, Question.ENDED)


def answer_ended(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    j = t.journey.with_facts(ended=_clip(value, MAX_FACT))
    return _next_intake(t, j, Question.WHO_ENDED)


def answer_who_ended(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.WHO_ENDED, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    return _next_intake(t, t.journey.with_facts(who_ended=choice), Question.HIS_REASON)


def answer_his_reason(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    reason = "" if value == "unknown" else _clip(value, MAX_FACT)
    return _next_intake(t, t.journey.with_facts(his_reason=reason), Question.STILL_TALK)


def answer_still_talk(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.STILL_TALK, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    j = t.journey.with_facts(still_talk=choice)
    if choice == "blocked":
        return _blocked(t, j, value)
    if choice == "no_contact":
        return _next_intake(t, j, Question.LAST_CONTACT)
    return _next_intake(t, j, Question.TIMEZONE)


def _blocked(t: Turn, j: Journey, value: str) -> Outcome:
    """He blocked her or asked her to stop (or a court did): consent, from the very start."""
    if mentions_court_order(value) or "order" in value.lower():
        return _court_order(t, j)
    j = j.evolve(he_said_no=True, stage=Stage.MOVING_ON, stage_since=t.now, awaiting=None)
    return _out(j, Reply(M.he_said_no(j.facts), M.stage_buttons(Stage.MOVING_ON, j)), cancel=CONTACT_NUDGES)


LAST_CONTACT_DAYS = {"days": 3, "week": 10, "weeks": 17, "long": NO_CONTACT_DAYS}


def answer_last_contact(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.LAST_CONTACT, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    j = t.journey.evolve(last_contact_at=t.now - t.days(LAST_CONTACT_DAYS[choice]))
    return _next_intake(t, j, Question.TIMEZONE)


def answer_timezone(t: Turn, value: str) -> Outcome:
    tz = "UTC" if value.lower() in ("skip", "utc") else parse_timezone(value)
    if tz is None:
        return _out(t.journey, Reply(M.timezone_unknown(value[:60])), *_ask(t.journey))
    j = t.journey.with_prefs(timezone=tz)
    first = _out(j, Reply(M.timezone_set(tz, t.now)))
    return _merge(first, _next_intake(t, j, Question.READY))


def answer_ready(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.READY, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    j = t.journey.with_facts(ready=choice)
    if choice == "yes":
        return _enter(t, j, Stage.UNDERSTAND)
    return _next_intake(t, j, Question.READY_AFTER_REFLECTION)


def answer_after_reflection(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.READY_AFTER_REFLECTION, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    if choice == "ready":
        return _enter(t, t.journey.with_facts(ready="yes"), Stage.UNDERSTAND)
    if choice == "let_go":
        return on_moving_on(t)
    return _out(
        t.journey, Reply(M.take_your_time(), M.question_buttons(Question.READY_AFTER_REFLECTION, t.journey))
    )


def answer_reason(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    j = t.journey.with_facts(reason_named=_clip(value, MAX_FACT))
    first = _out(j, Reply(M.reason_named(j.facts)))
    return _merge(first, _start_no_contact(t, j))


def answer_journal(t: Turn, value: str) -> Outcome:
    return _save_note(t, NoteKind.JOURNAL, value)


def answer_unsent(t: Turn, value: str) -> Outcome:
    return _save_note(t, NoteKind.UNSENT, value)


def _save_note(t: Turn, kind: NoteKind, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    j = t.journey.evolve(awaiting=_after_side_question(t.journey))
    note = Note(kind, value[:MAX_NOTE])
    return _out(j, Reply(M.note_saved(kind, j.facts), M.stage_buttons(j.stage, j)), *_ask(j), notes=(note,))


def _after_side_question(j: Journey) -> Question | None:
    """When a side question is answered, she goes back to the question her stage is waiting for, if any."""
    if j.stage is Stage.INTAKE:
        return _intake_question(j)
    return Question.REASON if j.stage is Stage.UNDERSTAND else None


def _intake_question(j: Journey) -> Question:
    """The intake question she still owes, read from what she has told so far: a side question (/delete,
    /reset, /settings) took `awaiting`, and without a question to go back to she would get no answer at all."""
    f = j.facts
    if j.awaiting in INTAKE_QUESTIONS:
        return j.awaiting
    if not f.his_name:
        return Question.HIS_NAME
    if not f.ended:
        return Question.ENDED
    if not f.who_ended:
        return Question.WHO_ENDED
    if not f.still_talk:
        return Question.HIS_REASON  # "I don't know" is kept as "", so asked again rather than skipped
    if f.still_talk == "no_contact" and j.last_contact_at is None:
        return Question.LAST_CONTACT
    if not f.ready:
        return Question.TIMEZONE if j.prefs.timezone == "UTC" else Question.READY
    return Question.READY_AFTER_REFLECTION


def answer_memory(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    memories = (*t.journey.facts.memories, _clip(value, MAX_FACT))[-20:]
    j = t.journey.with_facts(memories=memories).evolve(awaiting=_after_side_question(t.journey))
    return _out(j, Reply(M.memory_saved(j.facts)), notes=(Note(NoteKind.MEMORY, value[:MAX_FACT]),))


def answer_now_into(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    j = t.journey.with_facts(now_into=_clip(value, MAX_FACT)).evolve(awaiting=_after_side_question(t.journey))
    return _out(j, Reply(M.now_into_saved(j.facts)))


def answer_mood(t: Turn, value: str) -> Outcome:
    digits = [c for c in value if c in "0123456789"]  # str.isdigit also takes "²" and "③", which int refuses
    if len(digits) != 1 or not 1 <= int(digits[0]) <= 5:
        return _out(t.journey, Reply(M.mood_range()), *_ask(t.journey))
    mood = int(digits[0])
    j = t.journey.evolve(awaiting=_after_side_question(t.journey))
    buttons = M.feeling_down_buttons() if mood <= 2 else M.stage_buttons(j.stage, j)
    return _out(j, Reply(M.mood_saved(mood, j.facts), buttons), notes=(Note(NoteKind.MOOD, "", mood),))


def answer_draft(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    return _review(t, extract_draft(value) or value)


def answer_settings(t: Turn, value: str) -> Outcome:
    targets = {
        "timezone": Question.SET_TIMEZONE,
        "quiet": Question.SET_QUIET,
        "nudge_hour": Question.SET_NUDGE_HOUR,
        "name": Question.SET_NAME,
        "pronoun": Question.SET_PRONOUN,
        "ended": Question.SET_ENDED,
        "who_ended": Question.SET_WHO_ENDED,
        "his_reason": Question.SET_HIS_REASON,
        "still_talk": Question.SET_STILL_TALK,
    }
    target = targets.get(value)
    if target is None:
        return _out(t.journey.evolve(awaiting=None), Reply(M.stale_button()))
    j = t.journey.evolve(awaiting=target)
    return _out(j, *_ask(j))


def _setting_saved(t: Turn, j: Journey) -> Outcome:
    j = j.evolve(awaiting=_after_side_question(t.journey))
    out = _out(j, Reply(M.settings_saved(j, t.now), M.settings_buttons()))
    if j.stage is Stage.NO_CONTACT:
        # Her hour or time zone changed: the daily prompt moves with it.
        return _out(
            j, *out.replies, set_timers=(Timer(NudgeKind.SELF_WORK, _self_work_due(j, t.now, t.pace)),)
        )
    return out


def answer_set_timezone(t: Turn, value: str) -> Outcome:
    tz = parse_timezone(value)
    if tz is None:
        return _out(t.journey, Reply(M.timezone_unknown(value[:60])), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_prefs(timezone=tz))


def answer_set_quiet(t: Turn, value: str) -> Outcome:
    hours = parse_quiet_hours(value)
    if hours is None:
        return _out(t.journey, Reply(M.quiet_hours_unknown()), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_prefs(quiet_start=hours[0], quiet_end=hours[1]))


def answer_set_nudge_hour(t: Turn, value: str) -> Outcome:
    hour = parse_hour(value)
    if hour is None:
        return _out(t.journey, Reply(M.hour_unknown()), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_prefs(nudge_hour=hour))


def answer_set_name(t: Turn, value: str) -> Outcome:
    name = _clip(value, MAX_NAME + 1)
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        return _out(t.journey, Reply(M.name_too_long()), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_facts(his_name=name))


def answer_set_pronoun(t: Turn, value: str) -> Outcome:
    try:
        pronoun = Pronoun(value.lower())
    except ValueError:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_facts(pronoun=pronoun))


def answer_set_ended(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    return _setting_saved(t, t.journey.with_facts(ended=_clip(value, MAX_FACT)))


def answer_set_who_ended(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.SET_WHO_ENDED, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    return _setting_saved(t, t.journey.with_facts(who_ended=choice))


def answer_set_his_reason(t: Turn, value: str) -> Outcome:
    if not value:
        return _out(t.journey, *_ask(t.journey))
    reason = "" if value == "unknown" else _clip(value, MAX_FACT)
    return _setting_saved(t, t.journey.with_facts(his_reason=reason))


def answer_set_still_talk(t: Turn, value: str) -> Outcome:
    choice = _choice(Question.SET_STILL_TALK, value)
    if choice is None:
        return _out(t.journey, Reply(M.tap_a_button()), *_ask(t.journey))
    j = t.journey.with_facts(still_talk=choice)
    if choice == "blocked":
        return _blocked(t, j, value)  # consent, whenever she tells it (and undoable like any care flag)
    return _setting_saved(t, j)


def answer_reset(t: Turn, value: str) -> Outcome:
    old = t.journey
    if value != "yes":
        j = old.evolve(awaiting=_after_side_question(old))
        return _out(j, Reply(M.reset_kept(), M.stage_buttons(j.stage, j)), *_ask(j))
    fresh = Journey(
        started_at=t.now,
        stage_since=t.now,
        prefs=old.prefs,
        awaiting=Question.HIS_NAME,
        undo_count=old.undo_count,
    )
    if old.he_said_no or old.unsafe or old.court_order:
        # His no, an order and her safety are about him, not her place in the program: they outlive /reset
        # (only /delete removes them), so the fresh start is a fresh start at looking after herself.
        fresh = fresh.evolve(
            stage=Stage.MOVING_ON,
            awaiting=None,
            he_said_no=old.he_said_no,
            unsafe=old.unsafe,
            court_order=old.court_order,
            facts=Facts(his_name=old.facts.his_name, pronoun=old.facts.pronoun),
        )
        reply = Reply(M.reset_done_his_no_stands(fresh), M.stage_buttons(Stage.MOVING_ON, fresh))
        return _out(fresh, reply, cancel=frozenset(NudgeKind))
    return _out(fresh, Reply(M.reset_done()), *_ask(fresh), cancel=frozenset(NudgeKind))


def answer_delete(t: Turn, value: str) -> Outcome:
    if value != "yes":
        j = t.journey.evolve(awaiting=_after_side_question(t.journey))
        return _out(j, Reply(M.delete_kept()), *_ask(j))
    return _out(t.journey.evolve(awaiting=None), effects=(Effect.DELETE_DATA,))


ANSWERS: dict[Question, Callable[[Turn, str], Outcome]] = {
    Question.HIS_NAME: answer_his_name,
    Question.ENDED: answer_ended,
    Question.WHO_ENDED: answer_who_ended,
    Question.HIS_REASON: answer_his_reason,
    Question.STILL_TALK: answer_still_talk,
    Question.LAST_CONTACT: answer_last_contact,
    Question.TIMEZONE: answer_timezone,
    Question.READY: answer_ready,
    Question.READY_AFTER_REFLECTION: answer_after_reflection,
    Question.REASON: answer_reason,
    Question.JOURNAL: answer_journal,
    Question.UNSENT: answer_unsent,
    Question.MEMORY: answer_memory,
    Question.NOW_INTO: answer_now_into,
    Question.MOOD: answer_mood,
    Question.DRAFT: answer_draft,
    Question.SETTINGS: answer_settings,
    Question.SET_TIMEZONE: answer_set_timezone,
    Question.SET_QUIET: answer_set_quiet,
    Question.SET_NUDGE_HOUR: answer_set_nudge_hour,
    Question.SET_NAME: answer_set_name,
    Question.SET_PRONOUN: answer_set_pronoun,
    Question.SET_ENDED: answer_set_ended,
    Question.SET_WHO_ENDED: answer_set_who_ended,
    Question.SET_HIS_REASON: answer_set_his_reason,
    Question.SET_STILL_TALK: answer_set_still_talk,
    Question.RESET: answer_reset,
    Question.DELETE: answer_delete,
}


def _choice(question: Question, value: str) -> str | None:
    """A choice question's value from a button's value or her typed words ("he did", "2", "not sure")."""
    choices = M.CHOICES.get(question, ())
    v = " ".join(value.lower().split()).strip(" .!?")
    if not v:
        return None
    for key, label in choices:
        if v == key or v == label.lower():
            return key
    if v.isascii() and v.isdigit() and 1 <= int(v) <= len(choices):
        return choices[int(v) - 1][0]
    for key, words in M.CHOICE_WORDS.get(question, ()):
        if any(w in v for w in words):
            return key
    return None


# --------------------------------------------------------------------------------------------------
# Commands.


def on_command(t: Turn, command: Command, arg: str) -> Outcome:
    j = t.journey
    arg = arg.strip()
    if command is Command.START:
        if j.stage is Stage.INTAKE:
            welcome = (
                M.welcome(j)
                if j.awaiting is Question.HIS_NAME and not j.facts.his_name
                else M.welcome_back_intake()
            )
            if j.awaiting is None:
                j = j.evolve(awaiting=Question.HIS_NAME)
            return _out(
                j.evolve(started_at=j.started_at or t.now, stage_since=j.stage_since or t.now),
                Reply(welcome),
                *_ask(j),
            )
        return _out(j, Reply(M.welcome_back(j, t.now, t.pace), M.stage_buttons(j.stage, j)), *_ask(j))
    if command is Command.HELP:
        return _out(j, Reply(M.help_text()), *_ask(j) if j.stage is Stage.INTAKE else ())
    if j.stage is Stage.INTAKE and command not in (
        Command.CANCEL,
        Command.RESET,
        Command.EXPORT,
        Command.DELETE,
        Command.SETTINGS,
        Command.PAUSE,
        Command.RESUME,
    ):
        return on_not_in_intake(t)
    if command is Command.PROGRESS:
        return on_progress_command(t)
    if command is Command.TEXT:
        return on_ask_suggestion(t)
    if command is Command.CHECK:
        if arg:
            return _review(t, extract_draft(arg) or arg)
        j = j.evolve(awaiting=Question.DRAFT)
        return _out(j, *_ask(j))
    if command is Command.JOURNAL:
        if arg:
            return _save_note(t, NoteKind.JOURNAL, arg)
        return _out(j, Reply(M.journal_menu(j.facts), M.journal_buttons()))
    if command is Command.MEMORY:
        if arg:
            return answer_memory(_asking(t, Question.MEMORY), arg)
        # The menu asks for the memory itself, so what she types next is kept as one (not in her journal).
        j = j.evolve(awaiting=Question.MEMORY)
        return _out(j, Reply(M.memory_menu(j.facts), M.memory_buttons()))
    if command is Command.MOOD:
        if arg:
            return answer_mood(_asking(t, Question.MOOD), arg)
        j = j.evolve(awaiting=Question.MOOD)
        return _out(j, *_ask(j))
    if command is Command.PAUSE:
        return _out(j.with_prefs(paused=True), Reply(M.paused()))
    if command is Command.RESUME:
        return _out(
            j.with_prefs(paused=False), Reply(M.resumed()), *_ask(j) if j.stage is Stage.INTAKE else ()
        )
    if command is Command.SETTINGS:
        return _out(j, Reply(M.settings_menu(j, t.now), M.settings_buttons()))
    if command is Command.RESET:
        j = j.evolve(awaiting=Question.RESET)
        return _out(j, *_ask(j))
    if command is Command.DELETE:
        j = j.evolve(awaiting=Question.DELETE)
        return _out(j, *_ask(j))
    if command is Command.EXPORT:
        return _out(j, Reply(M.export_coming()), effects=(Effect.EXPORT_DATA,))
    if command is Command.CANCEL:
        if j.stage is Stage.INTAKE:
            return _out(j, Reply(M.cancel_in_intake()))
        j = j.evolve(awaiting=_after_side_question(j))
        return _out(j, Reply(M.cancelled(), M.stage_buttons(j.stage, j)))
    return _out(j, Reply(M.help_text()))


def on_side_choice(t: Turn, question: Question, value: str) -> Outcome:
    """Menu buttons that open a side question (journal, memory): allowed whatever she was asked before."""
    j = t.journey
    if question is Question.JOURNAL and value == "recent":
        return _out(j, effects=(Effect.LIST_JOURNAL,))
    target = {
        "write": Question.JOURNAL,
        "unsent": Question.UNSENT,
        "memory": Question.MEMORY,
        "now_into": Question.NOW_INTO,
    }.get(value)
    if target is None:
        return _out(j, Reply(M.stale_button()))
    j = j.evolve(awaiting=target)
    return _out(j, *_ask(j))


# Buttons that open a question rather than answer one: a:<question>:<value> where the value picks the question.
MENU_QUESTIONS = frozenset({Question.JOURNAL, Question.MEMORY, Question.SETTINGS, Question.MOOD})
# A menu button pressed while its own question is open is still the menu, not the answer ("write" is no entry).
MENU_VALUES: dict[Question, frozenset[str]] = {
    Question.JOURNAL: frozenset({"write", "unsent", "recent"}),
    Question.MEMORY: frozenset({"memory", "now_into"}),
    Question.MOOD: frozenset({"ask"}),
}


def on_menu_button(t: Turn, question: Question, value: str) -> Outcome:
    """A menu button (journal, memory, settings, mood) works whatever she was asked before."""
    if question is Question.MOOD:
        if value.isdigit():
            return answer_mood(_asking(t, Question.MOOD), value)
        return on_command(t, Command.MOOD, "")
    if question is Question.SETTINGS:
        return answer_settings(t, value)
    return on_side_choice(t, question, value)


def on_step_done(t: Turn, stage: Stage) -> Outcome:
    j = t.journey
    if stage is not j.stage or stage not in MILESTONES:
        return _out(
            j,
            Reply(M.stale_button()),
            Reply(M.stage_intro(j.stage, j, t.now, t.pace), M.stage_buttons(j.stage, j)),
        )
    if j.he_said_no or j.unsafe:
        return _out(j, Reply(M.stale_button()))
    if stage is Stage.UNDERSTAND:
        return _start_no_contact(t, j)
    return _enter(t, j, MILESTONES[stage])


def on_suggest_button(t: Turn, event: Suggest) -> Outcome:
    j = t.journey
    if event.action == "sent":
        s = suggest(j, t.now, variant=event.variant, style=event.style, pace=t.pace)
        if not s.options or event.option >= len(s.options) or s.withheld is not None:
            return _out(j, Reply(M.stale_button()))
        # What she saw (a model may have written it) if this is the set she was last shown.
        current = event.variant + 1 == j.suggestion_round and event.option < len(j.last_options)
        sent_text = j.last_options[event.option] if current else s.options[event.option].text
        out = on_i_contacted(Turn(j, t.now, t.pace, sent_text))
        return _out(
            out.journey,
            Reply(M.sent_recorded(sent_text)),
            *out.replies,
            set_timers=out.set_timers,
            cancel=out.cancel_timers,
        )
    if event.action == "another":
        return _suggestions(t, variant=j.suggestion_round, style=event.style)
    # "Shorter" and "more playful" rework the set she is looking at, not the next one.
    return _suggestions(t, variant=event.variant, style=event.action)


# --------------------------------------------------------------------------------------------------
# The step.


# What her words mean depends on the moment. The table says what each stage is waiting for: when the
# readers are unsure between two readings and exactly one is what her stage waits for, that one wins. A yes/no
# question a nudge just asked ("Did he reply?") turns her "nope, not even read" into the event it answers.

STAGE_EXPECTS: dict[Stage, frozenset[Intent]] = {
    Stage.UNDERSTAND: frozenset({Intent.OTHER}),  # the reason she names
    Stage.NO_CONTACT: frozenset({Intent.URGE_TO_CONTACT, Intent.FEELING_DOWN}),
    Stage.RECONNECT: frozenset({Intent.HE_REPLIED, Intent.NO_REPLY}),
    Stage.DISCUSS: frozenset({Intent.WE_MET}),  # the talk
    Stage.REKINDLE: frozenset({Intent.HE_REPLIED}),
    Stage.MEET: frozenset({Intent.WE_MET}),
    Stage.THE_OPTION: frozenset({Intent.HE_REPLIED, Intent.HE_REACHED_OUT}),
    Stage.HIS_MOVE: frozenset({Intent.HE_REACHED_OUT, Intent.WE_MET}),
}

YES_NO: dict[Question, tuple[Intent, Intent]] = {
    Question.DID_HE_REPLY: (Intent.HE_REPLIED, Intent.NO_REPLY),
    Question.HEARD_FROM_HIM: (Intent.HE_REPLIED, Intent.NO_REPLY),
}
# Readings that already answer a yes/no about him in their own right.
_ABOUT_HIM = frozenset({Intent.HE_REPLIED, Intent.NO_REPLY, Intent.HE_REACHED_OUT, Intent.WE_MET})


def interpret(journey: Journey, text: str, *, checked: bool = False) -> Event:
    """What a typed message means here: an answer to the question she was asked, or an intent, or, when
    neither reader is sure, a question back (`Unclear`).

    Care wins over everything: a crisis, an unsafe situation or his no is heard even mid-question, and a
    possible self-harm reading is asked about directly before anything else (`checked`: she said she is safe).
    """
    reading = read_words(text)
    q = journey.awaiting
    if reading.intent in SAFETY_INTENTS and not (q in TELLING_HIS_SIDE and _only_likely_his_no(reading)):
        return Said(reading.intent, text)
    if (
        q is not None
        and q not in TYPED_QUESTIONS
        and (_choice(q, text) is not None or _a_number_for(q, text))
    ):
        return Answered(q, text)  # a plain answer to the question she was asked: no hunch overrides it
    if q is Question.HIS_NAME and (name := name_in(text)):
        return Answered(q, name)  # "Jordan" is his name, not a hunch
    if reading.check is not None and not (checked or _no_hunches_here(q, reading.check, text)):
        return Unclear(text, check=reading.check)
    if q is not None:
        answer = _as_answer(journey, q, text, reading)
        if answer is not None:
            return answer
    if journey.asked in YES_NO and not (reading.sure and reading.intent in _ABOUT_HIM):
        yes = yes_or_no(text)
        if yes is not None:
            return Said(YES_NO[journey.asked][0 if yes else 1], text)
    if asks_for_manipulation(text):
        return Said(Intent.OTHER, text)  # handled in step via the manipulation check
    if reading.unreadable:
        return Unclear(text, check=reading.check)
    if reading.sure:
        return Said(reading.intent, text)
    options = (reading.intent, *reading.alternatives)
    expected = [i for i in options if i in STAGE_EXPECTS.get(journey.stage, frozenset())]
    if len(expected) == 1 and expected[0] not in SAFETY_INTENTS:
        return Said(expected[0], text)
    return Unclear(text, options)


# Where she tells why it ended, "he said he didn't love me anymore" is the story of the breakup, not news of
# his no: only a plain statement of it (an exact rule) is taken as one there.
# Where she writes for herself (a journal page, a memory, a letter never sent), the coach does not interrupt her
# with a question on a hunch; a crisis it is sure of is still answered at once.
WRITING = frozenset({Question.JOURNAL, Question.UNSENT, Question.MEMORY, Question.NOW_INTO})
TELLING_HIS_SIDE = frozenset({Question.HIS_REASON, Question.SET_HIS_REASON, Question.REASON})


def _no_hunches_here(q: Question | None, check: Intent, text: str) -> bool:
    """Where a safety question on a hunch would be out of place: a word or two (too little to go on; a plain
    statement or a confident reading still acts), her own writing, his side of the story (where "he couldn't
    breathe" is the breakup's story; a hunch of self-harm is still asked about), or a request for manipulation
    (answered as such)."""
    return (
        len(text.split()) <= 2
        or q in WRITING
        or (check is not Intent.CRISIS and q in TELLING_HIS_SIDE)
        or asks_for_manipulation(text)
    )


# Typed questions whose answers the coach can parse: a parsed answer is taken before any reading of the words.
_PARSERS: dict[Question, Callable[[str], object]] = {
    Question.TIMEZONE: parse_timezone,
    Question.SET_TIMEZONE: parse_timezone,
    Question.SET_QUIET: parse_quiet_hours,
    Question.SET_NUDGE_HOUR: parse_hour,
}


def _parses_as_answer(q: Question, text: str) -> bool:
    parser = _PARSERS.get(q)
    return parser is not None and parser(text) is not None


def _a_number_for(q: Question, text: str) -> bool:
    """A bare number typed at the mood question is her answer, in range or not ("2", "9", "²"): the range is
    answer_mood's to explain, not a hunch's to question."""
    return q is Question.MOOD and text.strip().isdigit()


def _only_likely_his_no(reading: Reading) -> bool:
    return reading.intent is Intent.HE_SAID_NO and reading.confidence < 1.0


def _as_answer(journey: Journey, q: Question, text: str, reading: Reading) -> Event | None:
    """Her words as the answer to the question she owes, or None when they are something else."""
    intent = reading.intent
    if q in TYPED_QUESTIONS:
        if q is Question.HIS_NAME:
            name = name_in(text)
            return Answered(q, name) if name else Said(intent, text)
        if _parses_as_answer(q, text):
            return Answered(q, text)  # "UTC+2" at the time zone question is a zone, whatever a reader guesses
        if journey.stage is Stage.INTAKE and intent in NOT_AN_INTAKE_ANSWER and reading.sure:
            return Said(intent, text)
        return Answered(q, text)
    if q is Question.REASON:
        # Whatever she writes here is most likely the reason she found; only a clear request of her own
        # (ideas for a text, help, news of him) is something else.
        plainly_else = reading.sure and reading.confidence >= 0.8 and intent in NOT_THE_REASON
        return None if plainly_else else Answered(q, text)
    if _choice(q, text) is not None or (
        journey.stage is Stage.INTAKE and intent in (Intent.OTHER, Intent.SMALL_TALK)
    ):
        return Answered(q, text)
    if q is Question.MOOD:
        return Answered(q, text)
    return None


# --------------------------------------------------------------------------------------------------
# Repair: no wrong reading sticks.
#
# When a reading of her own words moves her stage or sets a care flag (step marks the outcome `undoable`), the
# use case hands `remember` the journey before and the nudges she had pending, and the reply carries "That's not
# what I meant" (a care reply asks "Did I get that right?" instead, after the care itself). The snapshot lives
# for the very next step only: that button, or a typed "no wait" / "that's not what happened", puts back her
# journey exactly and her nudges as they were. Anything else she does first makes the button stale.

_CORRECTION = re.compile(
    r"^\W*(no+\W+wait|wait\W+no|wrong|undo|nope,? that'?s not)\b"
    r"|that'?s not what (i meant|i mean|i said|happened)|not what i (meant|said)"
    r"|i did ?n'?t say (that|this)|i never said (that|this)|you misunderstood|you misread"
    r"|you got (it|that|me) wrong|that'?s (wrong|not right|not true)|can we go back|take (it|that) back"
)
_COURT_ORDER = re.compile(
    r"\b(restraining|protective|protection|no[- ]contact|court|emergency protection)\s+order"
    r"|\border of protection\b|\binjunction\b|\bAVO\b|\bPFA\b",
    re.IGNORECASE,
)
CARE_FLAGS = ("court_order", "he_said_no", "unsafe")
_BACK_WORDS = frozenset({"back", "go back", "previous", "previous question", "back please"})


def is_correction(text: str) -> bool:
    """ "no wait", "that's not what happened", "i didn't say that": she is taking back what the coach read."""
    return bool(_CORRECTION.search(" ".join(text.lower().replace("’", "'").split())))


def mentions_court_order(text: str) -> bool:
    return bool(_COURT_ORDER.search(text))


def read(journey: Journey, text: str, *, first: bool = False) -> Event:
    """What a typed message means: `interpret`, with the moments around it that only the journey knows.

    A crisis is heard first, always. `first`: there is no journey yet, so she was never asked a question: her
    "hi" is greeted with the welcome, not taken as his name. Right after a reading moved her, her correction
    takes it back. Right after a crisis, her words are how she is. A court order is his no, whatever else.
    """
    event = interpret(journey, text)
    safety = event.intent if isinstance(event, Said) and event.intent in SAFETY_INTENTS else None
    if isinstance(event, Unclear) and event.check is not None:
        safety = event.check  # a direct safety question is care too: it comes before anything else
    if safety is Intent.CRISIS:
        return event
    if journey.undo is not None and is_correction(text):
        return Undo(journey.undo.n)
    if safety is None and mentions_court_order(text) and not journey.court_order:
        return Said(Intent.HE_SAID_NO, text)
    if safety is not None:
        return event
    if first:
        return Commanded(Command.START)
    if journey.after_crisis:
        return CheckedIn(text)
    if (
        journey.stage is Stage.INTAKE
        and journey.awaiting in INTAKE_BACK
        and text.strip(" .!").lower() in _BACK_WORDS
    ):
        return WentBack(journey.awaiting)
    return event


def remember(before: Journey, outcome: Outcome, pending: tuple[Timer, ...] | list[Timer]) -> Outcome:
    """Keeps what an undo puts back (the journey before, her pending nudges then) and offers the undo."""
    n = before.undo_count + 1
    snapshot = Snapshot(n, before.evolve(undo=None, after_crisis=False), tuple(pending), outcome.care)
    j = outcome.journey.evolve(undo=snapshot, undo_count=n)
    if outcome.care:
        # Safety first: the care reply has gone out as it is; only then the question.
        check = Reply(M.did_i_get_that_right(), M.did_i_get_that_right_buttons(n))
        return replace(outcome, journey=j, replies=(*outcome.replies, check))
    if not outcome.replies:
        return replace(outcome, journey=j, replies=(Reply(M.moved_on_quietly(), M.undo_buttons(n)),))
    *rest, last = outcome.replies
    last = Reply(last.text, (*last.buttons, *M.undo_buttons(n)))
    return replace(outcome, journey=j, replies=(*rest, last))


def on_undo(t: Turn, event: Undo) -> Outcome:
    j = t.journey
    snapshot = j.undo
    if snapshot is None or snapshot.n != event.n:
        return _out(j, Reply(M.stale_button()), *_ask(j))
    if event.keep:
        # Only care replies ask "did I get that right?": no question of ours follows her yes.
        return _out(j.evolve(undo=None), Reply(M.thanks_for_confirming(j)))
    back = snapshot.journey.evolve(undo=None, undo_count=j.undo_count)
    pending = {x.kind for x in snapshot.timers}
    # Say plainly which care reading is lifted: his no, her safety, an order, or the crisis pause.
    lifted = tuple(f for f in CARE_FLAGS if getattr(j, f) and not getattr(back, f))
    if snapshot.care and not lifted:
        lifted = ("crisis",)
    reply = Reply(M.undone(back, lifted), M.stage_buttons(back.stage, back))
    return _out(back, reply, *_ask(back), set_timers=snapshot.timers, cancel=frozenset(NudgeKind) - pending)


def _mark_undoable(event: Event, before: Journey, outcome: Outcome) -> Outcome:
    """Her own words (not a button of ours) moved her stage or set a care flag: that reading can be undone."""
    words = isinstance(event, Said) and bool(event.text)
    if not (words or isinstance(event, Answered)):
        return outcome
    after = outcome.journey
    flagged = any(getattr(after, f) and not getattr(before, f) for f in CARE_FLAGS)
    crisis = isinstance(event, Said) and event.intent is Intent.CRISIS
    # Answers move her through the intake by design (Back corrects those); a typed answer later on that moved
    # her ("i'm not sure, i need to think" taken as the reason she named) is a reading like any other.
    stage_moved = after.stage is not before.stage
    if isinstance(event, Answered) and before.stage is Stage.INTAKE:
        stage_moved = False
    moved = stage_moved or flagged or crisis
    if not moved:
        return outcome
    return replace(outcome, undoable=True, care=flagged or crisis)


def _the_moment_passed(journey: Journey, event: Event) -> Journey:
    """An undo answers only the very next step; "after a crisis" only her next words (a nudge keeps it); so
    do a yes/no the coach asked and a message it asked about (until she taps which reading is right)."""
    if isinstance(event, Undo):
        return journey
    if isinstance(event, TimerFired):
        return journey.evolve(undo=None) if journey.undo is not None else journey
    changes: dict[str, object] = {}
    if journey.undo is not None or journey.after_crisis:
        changes.update(undo=None, after_crisis=False)
    if journey.asked is not None:
        changes["asked"] = None
    if journey.unclear_text and not isinstance(event, Clarified):
        changes["unclear_text"] = ""
    return journey.evolve(**changes) if changes else journey


# --------------------------------------------------------------------------------------------------
# The intake's Back button: the question before, asked again (its answer is replaced when she answers).

INTAKE_BACK: dict[Question, Question] = {
    Question.ENDED: Question.HIS_NAME,
    Question.WHO_ENDED: Question.ENDED,
    Question.HIS_REASON: Question.WHO_ENDED,
    Question.STILL_TALK: Question.HIS_REASON,
    Question.LAST_CONTACT: Question.STILL_TALK,
    Question.TIMEZONE: Question.STILL_TALK,  # or LAST_CONTACT, when she said they are in no contact
    Question.READY: Question.TIMEZONE,
    Question.READY_AFTER_REFLECTION: Question.READY,
}


def on_went_back(t: Turn, question: Question) -> Outcome:
    j = t.journey
    if j.stage is not Stage.INTAKE or j.awaiting is not question or question not in INTAKE_BACK:
        return _out(j, Reply(M.stale_button()), *_ask(j))
    previous = INTAKE_BACK[question]
    if question is Question.TIMEZONE and j.facts.still_talk == "no_contact":
        previous = Question.LAST_CONTACT
    if previous in (Question.STILL_TALK, Question.LAST_CONTACT):
        j = j.evolve(last_contact_at=None)  # the no-contact clock comes from these answers: asked afresh
    j = j.evolve(awaiting=previous)
    return _out(j, *_ask(j))


def on_checked_in(t: Turn, text: str) -> Outcome:
    """Her first words after a crisis message: acknowledged; the question she still owes is asked again after."""
    j = t.journey
    if j.awaiting is not None:
        return _out(j, Reply(M.after_crisis_heard()), *_ask(j))
    return _out(j, Reply(M.after_crisis_heard(), M.stage_buttons(j.stage, j)))


def step(journey: Journey, event: Event, now: datetime, pace: Pace | None = None) -> Outcome:
    """The program: (journey, event, now) -> new journey, replies, timers. Pure; never raises for bad input."""
    pace = pace or Pace()
    journey = _the_moment_passed(journey, event)
    t = Turn(journey, now, pace, event.text if isinstance(event, Said) else "")
    caught_up = _catch_up(t) if not isinstance(event, TimerFired | Undo) else None
    if caught_up is not None:
        t = Turn(caught_up.journey, now, pace, t.text)
    outcome = _dispatch(t, event)
    if caught_up is not None:
        outcome = _merge(caught_up, outcome)
    return _mark_undoable(event, t.journey, outcome)


def _dispatch(t: Turn, event: Event) -> Outcome:
    match event:
        case Said(intent=intent, text=text):
            if intent not in SAFETY_INTENTS and text and asks_for_manipulation(text):
                return _out(
                    t.journey,
                    Reply(M.no_manipulation(t.journey.facts), M.stage_buttons(t.journey.stage, t.journey)),
                )
            return row_for(t.journey.stage, intent).handler(t)
        case Answered(question=question, value=value):
            if question in MENU_QUESTIONS and (
                t.journey.awaiting is not question or value in MENU_VALUES.get(question, ())
            ):
                return on_menu_button(t, question, value)
            return on_answer(t, question, value)
        case Commanded(command=command, arg=arg):
            return on_command(t, command, arg)
        case StepDone(stage=stage):
            return on_step_done(t, stage)
        case Suggest():
            return on_suggest_button(t, event)
        case TimerFired(kind=kind):
            return on_timer(t, kind)
        case Undo():
            return on_undo(t, event)
        case WentBack(question=question):
            return on_went_back(t, question)
        case CheckedIn(text=text):
            return on_checked_in(t, text)
        case Unclear():
            return on_unclear(t, event)
        case Clarified(choice=choice):
            return on_clarified(t, choice)
    return _out(t.journey, Reply(M.didnt_catch()))


def on_unclear(t: Turn, event: Unclear) -> Outcome:
    """Unsure what she meant: one short question, never a guess and never filed away unread."""
    j = t.journey.evolve(unclear_text=event.text[:MAX_NOTE])
    if event.check is not None:
        return _out(j, Reply(M.safety_check(event.check, j.facts), M.safety_check_buttons(event.check)))
    if not event.options:
        return _out(j, Reply(M.cant_read_this_language(), M.unsure_buttons(())))
    return _out(j, Reply(M.unsure_what_you_meant(), M.unsure_buttons(event.options)))


def on_clarified(t: Turn, choice: str) -> Outcome:
    """She said which reading was right: her kept message is handled as that."""
    text = t.journey.unclear_text
    if choice in SAFETY_INTENTS:
        # "Yes" to a safety question is heard whenever it comes, even on an old message.
        return _dispatch(
            Turn(t.journey.evolve(unclear_text=""), t.now, t.pace, text), Said(Intent(choice), text)
        )
    if not text:
        return _out(t.journey, Reply(M.unclear_is_old()))
    j = t.journey.evolve(unclear_text="")
    turn = Turn(j, t.now, t.pace, text)
    if choice == "journal":
        return on_other(turn)
    if choice == "safe":
        return _merge(_out(j, Reply(M.glad_youre_safe())), _dispatch(turn, interpret(j, text, checked=True)))
    return _dispatch(turn, Said(Intent(choice), text))


def choose_nudge(kinds: list[NudgeKind] | tuple[NudgeKind, ...]) -> NudgeKind:
    """Of several nudges that piled up, the one to send."""
    return min(kinds, key=NUDGE_PRIORITY.index)


def _streak_days(j: Journey, now: datetime, pace: Pace) -> int:
    if j.last_contact_at is None:
        return 0
    return max(0, int((now - j.last_contact_at) / pace.day))
