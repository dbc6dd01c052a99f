"""Button callback data: how a pressed button becomes an event, and back.

Telegram gives a button at most 64 bytes of data and hands it back verbatim, so anything can arrive here: an
old button from weeks ago, or data a client forged. `parse` accepts only the exact shapes below and returns None
for anything else; whether a well-formed button is still current (stale) is the program's call, not this one's.

    i:<intent>                  Said(intent)
    a:<question>:<value>        Answered(question, value)
    c:<command>                 Commanded(command)
    d:<stage>                   StepDone(stage)
    s:<action>:<variant>:<style>:<option>   Suggest(...)  (variant/style let "I sent this one" find its text)
    k:<choice>                  Clarified(choice): an intent, "journal" or "safe", after an Unclear question
    u:<n>                       Undo(n)              "That's not what I meant" on snapshot n
    y:<n>                       Undo(n, keep=True)   "Yes, you got it right" on snapshot n
    b:<question>                WentBack(question)   the intake's Back button
"""

from __future__ import annotations

import re

from coach.vocabulary import (
    Answered,
    Button,
    Clarified,
    Command,
    Commanded,
    Event,
    Intent,
    Question,
    Said,
    Stage,
    StepDone,
    Suggest,
    Undo,
    WentBack,
)

MAX_DATA_BYTES = 64
_VALUE = re.compile(r"^[A-Za-z0-9_+\-/.]{1,40}$")
SUGGEST_ACTIONS = frozenset({"another", "shorter", "playful", "sent"})
SUGGEST_STYLES = frozenset({"default", "shorter", "playful"})


def intent(label: str, value: Intent) -> Button:
    return Button(label, f"i:{value}")


def answer(label: str, question: Question, value: str) -> Button:
    return Button(label, f"a:{question}:{value}")


def command(label: str, value: Command) -> Button:
    return Button(label, f"c:{value}")


def done(label: str, stage: Stage) -> Button:
    return Button(label, f"d:{stage}")


def suggest(label: str, action: str, variant: int = 0, style: str = "default", option: int = 0) -> Button:
    return Button(label, f"s:{action}:{variant}:{style}:{option}")


def undo(label: str, n: int) -> Button:
    return Button(label, f"u:{n}")


def keep(label: str, n: int) -> Button:
    return Button(label, f"y:{n}")


def back(label: str, question: Question) -> Button:
    return Button(label, f"b:{question}")


CLARIFY_CHOICES = frozenset({*(i.value for i in Intent), "journal", "safe"})


def clarify(label: str, choice: str) -> Button:
    return Button(label, f"k:{choice}")


def parse(data: str | None) -> Event | None:
    """The event a button's data stands for, or None when it is not one of ours."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_DATA_BYTES:
        return None
    kind, _, rest = data.partition(":")
    try:
        if kind == "i":
            return Said(Intent(rest))
        if kind == "c":
            return Commanded(Command(rest))
        if kind == "d":
            return StepDone(Stage(rest))
        if kind == "k":
            return Clarified(rest) if rest in CLARIFY_CHOICES else None
        if kind in ("u", "y"):
            n = int(rest)
            return Undo(n, keep=kind == "y") if 0 < n < 10**9 else None
        if kind == "b":
            return WentBack(Question(rest))
        if kind == "a":
            question, _, value = rest.partition(":")
            if not _VALUE.match(value):
                return None
            return Answered(Question(question), value)
        if kind == "s":
            action, variant, style, option = rest.split(":")
            if action not in SUGGEST_ACTIONS or style not in SUGGEST_STYLES:
                return None
            v, o = int(variant), int(option)
            if not (0 <= v < 10_000 and 0 <= o < 10):
                return None
            return Suggest(action, option=o, variant=v, style=style)
    except ValueError:
        return None
    return None
