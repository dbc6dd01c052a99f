"""The program's vocabulary: stages, intents, events, replies and the journey a person is on.

Everything here is plain data. The coach never reads a clock, a database or a network; the journey and
`now` come in, a new journey plus replies and timers go out (see `coach.program.step`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """The stages of the program, in order (../shared/PROGRAM.md)."""

    INTAKE = "intake"
    UNDERSTAND = "understand"
    NO_CONTACT = "no_contact"
    RECONNECT = "reconnect"
    DISCUSS = "discuss"
    REKINDLE = "rekindle"
    MEET = "meet"
    THE_OPTION = "the_option"
    HIS_MOVE = "his_move"
    TOGETHER = "together"
    MOVING_ON = "moving_on"


ENDINGS = frozenset({Stage.TOGETHER, Stage.MOVING_ON})


class Intent(StrEnum):
    """What a free-text message (or a button) means. Names exactly as in PROGRAM.md."""

    ASK_SUGGESTION = "ask_suggestion"
    CHECK_DRAFT = "check_draft"
    URGE_TO_CONTACT = "urge_to_contact"
    I_CONTACTED_HIM = "i_contacted_him"
    HE_REPLIED = "he_replied"
    NO_REPLY = "no_reply"
    HE_REACHED_OUT = "he_reached_out"
    WE_MET = "we_met"
    HE_SAID_NO = "he_said_no"
    BACK_TOGETHER = "back_together"
    FEELING_DOWN = "feeling_down"
    CRISIS = "crisis"
    UNSAFE = "unsafe"
    PROGRESS = "progress"
    MOVING_ON = "moving_on"
    SMALL_TALK = "small_talk"
    HELP = "help"
    OTHER = "other"


class NudgeKind(StrEnum):
    """A timer the program sets; when it falls due the coach speaks first."""

    SELF_WORK = "self_work"  # daily during no_contact, at her nudge hour
    REACH_OUT = "reach_out"  # day 21 of no_contact
    DID_HE_REPLY = "did_he_reply"  # two days after she texted him
    QUIET_WEEK = "quiet_week"  # a week after her second unanswered text
    MEET_CHECKIN = "meet_checkin"  # a week after they met
    LIGHT_TOUCH = "light_touch"  # two weeks after they met, nothing from him
    HIS_MOVE_CHECKIN = "his_move_checkin"  # every few days while he leads
    CRISIS_CHECKIN = "crisis_checkin"  # one gentle check-in a day after a crisis message


# Timers that would lead her towards contacting him: cancelled for good when he says no or she is unsafe.
CONTACT_NUDGES = frozenset(NudgeKind) - {NudgeKind.CRISIS_CHECKIN}


class Question(StrEnum):
    """A typed or pressed answer the coach is waiting for (persisted, so a restart keeps her place)."""

    # intake, in order
    HIS_NAME = "his_name"
    ENDED = "ended"
    WHO_ENDED = "who_ended"
    HIS_REASON = "his_reason"
    STILL_TALK = "still_talk"
    LAST_CONTACT = "last_contact"
    TIMEZONE = "timezone"
    READY = "ready"
    READY_AFTER_REFLECTION = "ready_after_reflection"
    # later stages and commands
    REASON = "reason"  # understand: the reason she has named, in her words
    JOURNAL = "journal"
    UNSENT = "unsent"  # a message to him, written and never sent
    MEMORY = "memory"
    NOW_INTO = "now_into"
    MOOD = "mood"
    DRAFT = "draft"
    SETTINGS = "settings"
    SET_TIMEZONE = "set_timezone"
    SET_QUIET = "set_quiet"
    SET_NUDGE_HOUR = "set_nudge_hour"
    SET_NAME = "set_name"
    SET_PRONOUN = "set_pronoun"
    # yes/no questions a nudge asks; her next words are read as the answer where they are one
    DID_HE_REPLY = "did_he_reply"
    HEARD_FROM_HIM = "heard_from_him"
    SET_ENDED = "set_ended"  # every intake fact can be changed afterwards, in /settings
    SET_WHO_ENDED = "set_who_ended"
    SET_HIS_REASON = "set_his_reason"
    SET_STILL_TALK = "set_still_talk"
    RESET = "reset"
    DELETE = "delete"


class Command(StrEnum):
    START = "start"
    HELP = "help"
    PROGRESS = "progress"
    TEXT = "text"
    CHECK = "check"
    JOURNAL = "journal"
    MEMORY = "memory"
    MOOD = "mood"
    PAUSE = "pause"
    RESUME = "resume"
    SETTINGS = "settings"
    RESET = "reset"
    CANCEL = "cancel"
    EXPORT = "export"
    DELETE = "delete"


class Pronoun(StrEnum):
    HE = "he"
    SHE = "she"
    THEY = "they"


class NoteKind(StrEnum):
    """Things she writes that are kept in her journal (not the chat history)."""

    JOURNAL = "journal"
    UNSENT = "unsent"
    MOOD = "mood"
    MEMORY = "memory"


class Effect(StrEnum):
    """Work the coach asks the application to do, because it needs I/O the coach does not have."""

    SEND_PROGRESS_CHART = "send_progress_chart"
    LIST_JOURNAL = "list_journal"
    EXPORT_DATA = "export_data"
    DELETE_DATA = "delete_data"


class Tone(StrEnum):
    CASUAL = "casual"
    WARM = "warm"
    PLAYFUL = "playful"


# --------------------------------------------------------------------------------------------------
# What she has told the coach, her settings, and where she is.


@dataclass(frozen=True, slots=True)
class Facts:
    his_name: str = ""
    pronoun: Pronoun = Pronoun.HE
    ended: str = ""  # when it ended, her words or a choice ("week", "month", "months", "longer")
    who_ended: str = ""  # "he", "me", "mutual"
    his_reason: str = ""  # the reason he gave, as she reported it at intake
    still_talk: str = ""  # "talking", "no_contact", "blocked"
    ready: str = ""  # "yes", "not_sure"
    reason_named: str = ""  # understand stage: the reason she found, in her words
    now_into: str = ""  # what he is doing or into now (for compliments)
    memories: tuple[str, ...] = ()  # good memories she saved with /memory


@dataclass(frozen=True, slots=True)
class Prefs:
    timezone: str = "UTC"  # an IANA name
    quiet_start: int = 22  # hour, her time; quiet from quiet_start to quiet_end
    quiet_end: int = 8
    nudge_hour: int = 19  # the hour of the daily self-work prompt, her time
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Journey:
    stage: Stage = Stage.INTAKE
    stage_since: datetime | None = None
    started_at: datetime | None = None
    facts: Facts = field(default_factory=Facts)
    prefs: Prefs = field(default_factory=Prefs)
    awaiting: Question | None = Question.HIS_NAME
    last_contact_at: datetime | None = None  # her last contact with him: the no-contact clock starts here
    best_streak_days: int = 0
    slips: int = 0
    unanswered: int = 0  # her texts in a row that he has not answered
    last_text_at: datetime | None = None  # when she last texted him (reconnect pacing)
    last_met_at: datetime | None = None
    he_said_no: bool = False  # consent: he declined, blocked her or asked for no contact
    unsafe: bool = False  # she described him as violent, threatening or controlling
    court_order: bool = False  # a restraining or protective order: never contact, even if he reaches out
    after_crisis: bool = False  # her next words are about how she is, not an answer to a question
    undo: Snapshot | None = None  # what "That's not what I meant" puts back, for the very next step only
    undo_count: int = 0  # numbers the snapshots, so an old undo button is known for what it is
    quiet_until: datetime | None = None  # after a crisis message: no nudges until then
    suggestion_round: int = 0  # rotates template variants so she does not see the same three twice
    last_options: tuple[str, ...] = ()  # the texts she was last offered, so "I sent #2" records what she saw
    asked: Question | None = None  # a yes/no the coach just asked ("Did he reply?"); read with her next words
    unclear_text: str = ""  # her message the coach was unsure of, kept until she says which reading is right

    def evolve(self, **changes: Any) -> Journey:
        return replace(self, **changes)

    def with_facts(self, **changes: Any) -> Journey:
        return replace(self, facts=replace(self.facts, **changes))

    def with_prefs(self, **changes: Any) -> Journey:
        return replace(self, prefs=replace(self.prefs, **changes))


# --------------------------------------------------------------------------------------------------
# Events: what comes into the step.


@dataclass(frozen=True, slots=True)
class Said:
    """She said something that means `intent` (free text understood, or a button)."""

    intent: Intent
    text: str = ""


@dataclass(frozen=True, slots=True)
class Answered:
    """She answered the question the coach asked (typed, or a choice button)."""

    question: Question
    value: str


@dataclass(frozen=True, slots=True)
class Commanded:
    command: Command
    arg: str = ""


@dataclass(frozen=True, slots=True)
class StepDone:
    """She pressed "done" for a stage's milestone (e.g. "we talked it through")."""

    stage: Stage


@dataclass(frozen=True, slots=True)
class TimerFired:
    kind: NudgeKind


@dataclass(frozen=True, slots=True)
class Undo:
    """ "That's not what I meant" on snapshot `n` (typed or pressed); keep=True: "yes, you got it right"."""

    n: int
    keep: bool = False


@dataclass(frozen=True, slots=True)
class WentBack:
    """The intake's Back button on `question`: ask the one before it again."""

    question: Question


@dataclass(frozen=True, slots=True)
class CheckedIn:
    """Her first words after a crisis message: heard as how she is, whatever they look like."""

    text: str


@dataclass(frozen=True, slots=True)
class Suggest:
    """A button on a set of suggestions: another set, shorter, more playful, or "I sent option n"."""

    action: str  # "another" | "shorter" | "playful" | "sent"
    option: int = 0  # with "sent": which of the options she sent
    variant: int = 0  # the set the button was shown on, so "sent" can find the option's text again
    style: str = "default"


@dataclass(frozen=True, slots=True)
class Unclear:
    """Neither reader is sure what she meant: ask, offering `options` (the likeliest readings), or, with
    `check`, ask directly about her safety first."""

    text: str
    options: tuple[Intent, ...] = ()
    check: Intent | None = None


@dataclass(frozen=True, slots=True)
class Clarified:
    """Her answer to an Unclear question: an intent's value, "journal" (just keep it), or "safe"."""

    choice: str


Event = (
    Said
    | Answered
    | Commanded
    | StepDone
    | TimerFired
    | Suggest
    | Undo
    | WentBack
    | CheckedIn
    | Unclear
    | Clarified
)


# --------------------------------------------------------------------------------------------------
# What comes out of the step.


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes; see coach.buttons


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Timer:
    kind: NudgeKind
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Note:
    kind: NoteKind
    text: str = ""
    value: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    journey: Journey
    replies: tuple[Reply, ...] = ()
    set_timers: tuple[Timer, ...] = ()  # each replaces a pending timer of the same kind
    cancel_timers: frozenset[NudgeKind] = frozenset()
    notes: tuple[Note, ...] = ()
    effects: tuple[Effect, ...] = ()
    offered: tuple[int, str] | None = None  # (variant, style) of a set of texts offered in replies[0]
    # A reading of her free text moved her stage or set a care flag: the use case keeps a snapshot to undo it
    # (program.remember). care: a care reply, which asks "Did I get that right?" rather than carry a button.
    undoable: bool = False
    care: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where she was before a reading moved her, and the nudges she had pending then."""

    n: int
    journey: Journey
    timers: tuple[Timer, ...] = ()
    care: bool = False


@dataclass(frozen=True, slots=True)
class Pace:
    """How long a program day is. Tests and demos shrink it; quiet hours only apply to real days."""

    day: timedelta = timedelta(days=1)

    @property
    def real_days(self) -> bool:
        return self.day == timedelta(days=1)

    def days(self, n: float) -> timedelta:
        return self.day * n


# --------------------------------------------------------------------------------------------------
# Serialisation: storage keeps the journey as JSON. Pure functions, so storage needs no knowledge of fields.


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def journey_to_dict(journey: Journey) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(journey):
        value = getattr(journey, f.name)
        if f.name == "undo":
            out[f.name] = _snapshot_to_dict(value) if value is not None else None
        elif f.name in ("facts", "prefs"):
            out[f.name] = {g.name: _encode(getattr(value, g.name)) for g in fields(value)}
        else:
            out[f.name] = _encode(value)
    return out


def _snapshot_to_dict(snap: Snapshot) -> dict[str, Any]:
    return {
        "n": snap.n,
        "journey": journey_to_dict(snap.journey),
        "timers": [[t.kind.value, t.due_at.isoformat()] for t in snap.timers],
        "care": snap.care,
    }


def _snapshot_from_dict(data: Any) -> Snapshot | None:
    if not isinstance(data, dict) or "journey" not in data:
        return None
    timers = tuple(Timer(NudgeKind(k), datetime.fromisoformat(at)) for k, at in data.get("timers") or ())
    return Snapshot(int(data.get("n", 0)), journey_from_dict(data["journey"]), timers, bool(data.get("care")))


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_FACTS_NAMES = frozenset(f.name for f in fields(Facts))
_PREFS_NAMES = frozenset(f.name for f in fields(Prefs))


def journey_from_dict(data: dict[str, Any]) -> Journey:
    """Reads what journey_to_dict wrote; unknown keys are ignored and missing ones take defaults."""
    facts_in = dict(data.get("facts") or {})
    facts_kw = {k: v for k, v in facts_in.items() if k in _FACTS_NAMES}
    if "memories" in facts_kw:
        facts_kw["memories"] = tuple(facts_kw["memories"])
    if "pronoun" in facts_kw:
        facts_kw["pronoun"] = Pronoun(facts_kw["pronoun"])
    prefs_kw = {k: v for k, v in dict(data.get("prefs") or {}).items() if k in _PREFS_NAMES}
    awaiting = data.get("awaiting")
    return Journey(
        stage=Stage(data.get("stage", Stage.INTAKE)),
        stage_since=_dt(data.get("stage_since")),
        started_at=_dt(data.get("started_at")),
        facts=Facts(**facts_kw),
        prefs=Prefs(**prefs_kw),
        awaiting=Question(awaiting) if awaiting else None,
        last_contact_at=_dt(data.get("last_contact_at")),
        best_streak_days=int(data.get("best_streak_days", 0)),
        slips=int(data.get("slips", 0)),
        unanswered=int(data.get("unanswered", 0)),
        last_text_at=_dt(data.get("last_text_at")),
        last_met_at=_dt(data.get("last_met_at")),
        he_said_no=bool(data.get("he_said_no", False)),
        unsafe=bool(data.get("unsafe", False)),
        court_order=bool(data.get("court_order", False)),
        after_crisis=bool(data.get("after_crisis", False)),
        undo=_snapshot_from_dict(data.get("undo")),
        undo_count=int(data.get("undo_count", 0)),
        quiet_until=_dt(data.get("quiet_until")),
        suggestion_round=int(data.get("suggestion_round", 0)),
        last_options=tuple(str(x) for x in data.get("last_options") or ()),
        asked=Question(data["asked"]) if data.get("asked") else None,
        unclear_text=str(data.get("unclear_text") or ""),
    )
