"""A fast first look before a slow regular expression: RE2 says "no match" in linear time.

The broad safety patterns are long alternations (thousands of characters each). Python's `re` tries every
branch at every position, about 0.1 ms a message each; RE2 (`google-re2`) runs the same language as one
automaton in a few microseconds. RE2 has no lookarounds, so the prefilter is the pattern with its lookarounds
taken out: on ASCII text that accepts everything the full pattern accepts, and more. Where it finds nothing, nothing is
there; where it finds something, the full pattern decides. The answer is always the full pattern's.

Without RE2 (or for a pattern it cannot compile) the full pattern simply runs alone.
"""

from __future__ import annotations

import re
from typing import Any

_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")


def without_lookarounds(pattern: str) -> str:
    """The pattern with every lookahead and lookbehind group removed (a looser pattern: a superset)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif pattern[i] == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i : end + 1])
            i = end + 1
        elif pattern.startswith(_LOOKAROUNDS, i):
            i = _group_end(pattern, i) + 1
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index of the "]" closing the character class opened at `start`."""
    j = start + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":  # a "]" first in a class is a literal
        j += 1
    while pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j


def _group_end(pattern: str, start: int) -> int:
    """Index of the ")" closing the group opened at `start`."""
    depth = 0
    j = start
    while True:
        char = pattern[j]
        if char == "\\":
            j += 2
            continue
        if char == "[":
            j = _class_end(pattern, j)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1


class Prefiltered:
    """A compiled pattern whose `search` asks RE2 first (see the module docstring)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._quick = _re2(without_lookarounds(pattern.pattern), pattern.flags)

    def search(self, text: str) -> re.Match[str] | None:
        # Only on ASCII text do RE2's \w and \b (ASCII) and Python's (Unicode) agree.
        if self._quick is not None and text.isascii() and self._quick.search(text) is None:
            return None
        return self.pattern.search(text)


def _re2(source: str, flags: int) -> Any:
    try:
        import re2  # type: ignore[import-not-found,unused-ignore]

        options = re2.Options()
        options.max_mem = 64 << 20  # the broad patterns need more than RE2's default 8 MB automaton
        options.case_sensitive = not flags & re.IGNORECASE
        return re2.compile(source, options)
    except Exception:  # no RE2 here, or a pattern it cannot read: the full pattern runs alone
        return None
