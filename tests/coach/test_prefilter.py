from __future__ import annotations

import re

import pytest

from coach.prefilter import Prefiltered, without_lookarounds


def test_lookarounds_are_taken_out_and_nothing_else() -> None:
    source = r"(?<!not )\bhurt(?= me)(?:[(?=)] |x)(?!\w)\(?!"
    assert without_lookarounds(source) == r"\bhurt(?:[(?=)] |x)\(?!"


@pytest.mark.parametrize(
    "text",
    [
        "he hurt me",
        "he did not hurt me",
        "he hurt my feelings",
        "nothing here at all",
        "h\u00e9 hurt me",  # a non-ASCII letter: the full pattern alone decides
        "",
    ],
)
def test_the_answer_is_always_the_full_patterns(text: str) -> None:
    pattern = re.compile(r"(?<!not )\bhurt(?= me\b)|\bh\w+ hurt\b")
    quick, full = Prefiltered(pattern).search(text), pattern.search(text)
    assert (quick and quick.span()) == (full and full.span())


def test_the_broad_safety_patterns_get_a_prefilter() -> None:
    from coach.understand import _BROAD_SAFETY

    assert all(p._quick is not None for _, p in _BROAD_SAFETY)
