"""What should I text him? Three short options for her stage, or the kind reason there are none right now.

The rules, in the order they are checked (the first that applies decides):
- unsafe, or he said no: no texts, ever. The coach respects his answer and her safety (PROGRAM.md, care and
  consent); only his own reaching out reopens anything, and that is the program's business, not ours.
- moving_on: she chose to let go, so nothing to send.
- intake: not yet; the questions come first, so the suggestions can be hers.
- no_contact: nothing to send; the days left of the 21 (counted from her last contact with him, a day being
  pace.day) and an offer to write it as an unsent letter instead.
- his_move: he leads, so no text to start with; instead, how to answer when he texts (mode ANSWER).
- two of her texts in a row unanswered: never a third (PROGRAM.md, timers), so none until he answers.
- otherwise three options, casual, warm and playful, from coach/copy/drafts.py.

Variants rotate with `variant` (the caller passes journey.suggestion_round), so "another set" shows new words.
Styles: "default"; "shorter" (the same options, cut to about a line); "playful" (three playful options).
Templates that use her facts (a memory, what he is into now) come first, and are skipped when she has none.
Every option is run through coach.review before it is offered: her own words (a memory she typed) could carry
something the review would catch, and then a template without them is used instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coach.copy import drafts
from coach.review import Verdict, review_draft
from coach.vocabulary import Facts, Journey, Pace, Stage, Tone

NO_CONTACT_DAYS = 21
STYLES = ("default", "shorter", "playful")
_REAL_DAYS = Pace()


class SuggestMode(StrEnum):
    SEND = "send"
    ANSWER = "answer"  # his_move: how to answer when he texts first
    NONE = "none"


class Withheld(StrEnum):
    NOT_YET = "not_yet"  # intake
    NO_CONTACT = "no_contact"
    HIS_MOVE = "his_move"
    WAIT_FOR_REPLY = "wait_for_reply"
    HE_SAID_NO = "he_said_no"
    UNSAFE = "unsafe"
    ENDED = "ended"


@dataclass(frozen=True)
class TextOption:
    tone: Tone
    text: str
    why: str


@dataclass(frozen=True)
class Suggestions:
    stage: Stage
    mode: SuggestMode
    options: tuple[TextOption, ...]
    withheld: Withheld | None = None
    days_left: int | None = None


def no_contact_days_left(journey: Journey, now: datetime, pace: Pace = _REAL_DAYS) -> int:
    """Whole program days left of the 21, rounded up (half a day left is still a day to wait)."""
    start = journey.last_contact_at or journey.stage_since or now
    remaining = start + pace.days(NO_CONTACT_DAYS) - now
    return max(0, math.ceil(remaining / pace.day))


def suggest(
    journey: Journey, now: datetime, *, variant: int = 0, style: str = "default", pace: Pace = _REAL_DAYS
) -> Suggestions:
    stage = journey.stage

    def none(why: Withheld, days_left: int | None = None) -> Suggestions:
        return Suggestions(stage, SuggestMode.NONE, (), why, days_left)

    if journey.unsafe:
        return none(Withheld.UNSAFE)
    if journey.he_said_no:
        return none(Withheld.HE_SAID_NO)
    if stage is Stage.MOVING_ON:
        return none(Withheld.ENDED)
    if stage is Stage.INTAKE:
        return none(Withheld.NOT_YET)
    if stage is Stage.NO_CONTACT:
        return none(Withheld.NO_CONTACT, no_contact_days_left(journey, now, pace))
    if stage is Stage.HIS_MOVE:
        options = _options(stage, journey.facts, variant, style)
        return Suggestions(stage, SuggestMode.ANSWER, options, Withheld.HIS_MOVE)
    if journey.unanswered >= 2:
        return none(Withheld.WAIT_FOR_REPLY)
    return Suggestions(stage, SuggestMode.SEND, _options(stage, journey.facts, variant, style))


def _options(stage: Stage, facts: Facts, variant: int, style: str) -> tuple[TextOption, ...]:
    by_tone = drafts.TEMPLATES[stage]
    shorter = style == "shorter"
    memories = [m for m in facts.memories if m.strip()]
    have = {"memory": bool(memories), "now_into": bool(drafts.as_topic(facts.now_into, facts.pronoun))}

    def memory(turn: int) -> list[str]:
        # A new memory each time the rotation comes round to the template that uses one; the others after it,
        # in case that one does not pass the review in this template.
        if not memories:
            return [""]
        first = turn % len(memories)
        return memories[first:] + memories[:first]

    def usable(tone: Tone) -> list[drafts.Template]:
        # Rotate over the templates her facts allow, so the next variant really is a different one.
        return [
            t
            for t in by_tone[tone]
            if all(have[k] for k in drafts.needs(t.short_text if shorter else t.text))
        ]

    if style == "playful":
        # Three playful ones; stepping by three means the next set starts where this one ended.
        pool = usable(Tone.PLAYFUL)
        order = [pool[(3 * variant + i) % len(pool)] for i in range(len(pool))]
        picked = _first_fitting(order, stage, facts, memory(3 * variant // len(pool)), shorter, want=3)
        return tuple(TextOption(Tone.PLAYFUL, text, why) for text, why in picked)
    out = []
    for tone in (Tone.CASUAL, Tone.WARM, Tone.PLAYFUL):
        pool = usable(tone)
        order = [pool[(variant + i) % len(pool)] for i in range(len(pool))]
        for text, why in _first_fitting(order, stage, facts, memory(variant // len(pool)), shorter, want=1):
            out.append(TextOption(tone, text, why))
    return tuple(out)


def _first_fitting(
    order: list[drafts.Template], stage: Stage, facts: Facts, memories: list[str], shorter: bool, want: int
) -> list[tuple[str, str]]:
    """The first `want` templates that pass the review once filled with her words (with the first of her
    `memories` that passes, for a template that uses one)."""
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    # In his_move every option answers a text from him (mode ANSWER), so it is reviewed as a reply.
    replying = True if stage is Stage.HIS_MOVE else None
    for template in order:
        raw = template.short_text if shorter else template.text
        for memory in memories if "memory" in drafts.needs(raw) else memories[:1]:
            text = drafts.fill(
                raw, name=facts.his_name, pronoun=facts.pronoun, memory=memory, now_into=facts.now_into
            )
            if text not in seen and review_draft(text, stage, replying=replying).verdict is Verdict.SEND:
                break
        else:
            continue
        seen.add(text)
        picked.append((text, drafts.fill(template.why, name=facts.his_name, pronoun=facts.pronoun)))
        if len(picked) == want:
            break
    return picked
