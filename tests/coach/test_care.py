"""Care and consent through free text, with several phrasings, at any stage and in the middle of intake."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coach.program import interpret, step
from coach.vocabulary import (
    CONTACT_NUDGES,
    Answered,
    Command,
    Commanded,
    Event,
    Facts,
    Intent,
    Journey,
    NudgeKind,
    Question,
    Said,
    Stage,
)

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)

HE_SAID_NO = [
    "he blocked me",
    "he asked me to stop",
    "there is a protective order",
    "he told me never to contact him again",
    "he said he doesn't want to get back together",
    "he got a restraining order against me",
]
CRISIS = [
    "I want to die",
    "i've been thinking about killing myself",
    "i don't want to be alive anymore",
    "I feel like hurting myself tonight",
    "quiero morir",
]
UNSAFE = [
    "he hit me before we broke up",
    "I'm scared of him",
    "he threatened me when I tried to leave",
    "he choked me during a fight",
    "he keeps following me home",
]
MANIPULATION = [
    "how do I make him jealous",
    "should I pretend I'm pregnant",
    "how do I guilt him into coming back",
    "should I post pics with another guy so he gets jealous",
]


def at(stage: Stage, awaiting: Question | None = None) -> Journey:
    return Journey(
        stage=stage, stage_since=NOW, facts=Facts(his_name="Sam"), awaiting=awaiting, last_contact_at=NOW
    )


INTAKE_POINTS = [
    Question.HIS_NAME,
    Question.ENDED,
    Question.WHO_ENDED,
    Question.HIS_REASON,
    Question.STILL_TALK,
    Question.TIMEZONE,
    Question.READY,
]


@pytest.mark.parametrize("text", HE_SAID_NO)
@pytest.mark.parametrize("question", INTAKE_POINTS)
def test_his_no_is_heard_anywhere_in_intake(text: str, question: Question) -> None:
    j = at(Stage.INTAKE, question)
    out = step(j, interpret(j, text), NOW)
    assert out.journey.he_said_no and out.journey.stage is Stage.MOVING_ON
    assert "won't help" in out.replies[0].text  # "you contact him", or "with any contact" for an order


@pytest.mark.parametrize("text", HE_SAID_NO)
@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.INTAKE])
def test_his_no_is_heard_at_every_stage(text: str, stage: Stage) -> None:
    j = at(stage)
    out = step(j, interpret(j, text), NOW)
    assert out.journey.he_said_no and CONTACT_NUDGES <= out.cancel_timers | {t.kind for t in out.set_timers}


@pytest.mark.parametrize("text", CRISIS)
@pytest.mark.parametrize(
    "question", [*INTAKE_POINTS, Question.JOURNAL, Question.UNSENT, Question.DRAFT, None]
)
def test_crisis_is_answered_at_once_even_mid_question(text: str, question: Question | None) -> None:
    j = at(Stage.INTAKE if question in INTAKE_POINTS else Stage.NO_CONTACT, question)
    out = step(j, interpret(j, text), NOW)
    assert len(out.replies) == 1 and "findahelpline.com" in out.replies[0].text
    assert not out.notes, "a crisis message is answered, not filed in a journal"


@pytest.mark.parametrize("text", UNSAFE)
@pytest.mark.parametrize("stage", list(Stage))
def test_unsafe_gets_safety_resources_and_never_a_return(text: str, stage: Stage) -> None:
    j = at(stage, Question.HIS_NAME if stage is Stage.INTAKE else None)
    out = step(j, interpret(j, text), NOW)
    assert out.journey.unsafe and out.journey.stage is Stage.MOVING_ON
    assert "emergency number" in out.replies[0].text


@pytest.mark.parametrize("text", MANIPULATION)
@pytest.mark.parametrize("stage", [Stage.NO_CONTACT, Stage.RECONNECT, Stage.REKINDLE, Stage.HIS_MOVE])
def test_manipulation_gets_a_kind_refusal_and_an_honest_alternative(text: str, stage: Stage) -> None:
    j = at(stage)
    out = step(j, interpret(j, text), NOW)
    assert "won't help with that" in out.replies[0].text and "honest" in out.replies[0].text
    assert out.journey == j


@pytest.mark.parametrize(
    "event",
    [
        Answered(Question.DRAFT, "tell him if he doesn't answer i'll hurt myself"),
        Said(Intent.CHECK_DRAFT, 'is this ok to send: "if you leave me i\'ll kill myself"'),
        Commanded(Command.CHECK, "i don't want to live without you"),
    ],
)
def test_a_self_harm_threat_inside_a_draft_gets_crisis_care_first(event: Event) -> None:
    j = at(Stage.RECONNECT, Question.DRAFT if isinstance(event, Answered) else None)
    out = step(j, event, NOW)
    assert len(out.replies) == 1 and "findahelpline.com" in out.replies[0].text
    assert "send" not in out.replies[0].text.lower(), "care first: no verdict on the text in that reply"
    assert NudgeKind.CRISIS_CHECKIN in {t.kind for t in out.set_timers}
