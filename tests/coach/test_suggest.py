"""What should I text him? Stages, withheld cases, variants, styles, and the property that every option the
coach can offer passes its own "Check my text"."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from coach.copy import drafts
from coach.copy.drafts import SHORT_MAX, TEMPLATES, render_suggestions
from coach.review import Verdict, review_draft
from coach.suggest import STYLES, Suggestions, SuggestMode, Withheld, suggest
from coach.vocabulary import Facts, Journey, Pace, Pronoun, Stage, Tone

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SAM = Facts(his_name="Sam")
FULL = Facts(
    his_name="Sam",
    memories=("our trip to Lisbon when he got us lost", "The picnic by the lake"),
    now_into="his new pottery class",
    his_reason="he said we wanted different things",
)
SEND_STAGES = [
    Stage.UNDERSTAND,
    Stage.RECONNECT,
    Stage.DISCUSS,
    Stage.REKINDLE,
    Stage.MEET,
    Stage.THE_OPTION,
    Stage.TOGETHER,
]
WITH_OPTIONS = [*SEND_STAGES, Stage.HIS_MOVE]

# Every combination of: name or not, a memory or not, now_into or not, and each pronoun.
FACTS_COMBOS = [
    Facts(his_name=name, memories=memories, now_into=now_into, pronoun=pronoun)
    for name, memories, now_into, pronoun in itertools.product(
        ("", "Sam", "Jean-Luc"),
        (
            (),
            ("our trip to Lisbon when he got us lost",),
            ("The night she sang karaoke", "dancing in the rain"),
        ),
        ("", "his new pottery class", "running marathons"),
        tuple(Pronoun),
    )
]


def at(stage: Stage, facts: Facts = SAM, **kw: object) -> Journey:
    return Journey(stage=stage, facts=facts, awaiting=None, **kw)  # type: ignore[arg-type]


def texts(s: Suggestions) -> list[str]:
    return [o.text for o in s.options]


def _replying(stage: Stage) -> bool | None:
    """In his_move every option answers a text from him, and is checked as such."""
    return True if stage is Stage.HIS_MOVE else None


@pytest.mark.parametrize("stage", WITH_OPTIONS)
@pytest.mark.parametrize("pronoun", list(Pronoun))
def test_every_template_passes_the_review_in_every_style_and_variant(stage: Stage, pronoun: Pronoun) -> None:
    """Each template and its short form, with and without her facts, straight from the data: the review that
    checks her drafts checks the coach's own words, with both readers."""
    for tone, pool in TEMPLATES[stage].items():
        for template in pool:
            for raw, name, memory, now_into in itertools.product(
                {template.text, template.short_text},
                ("", "Sam"),
                ("our trip to Lisbon", "the picnic when he got us lost"),
                ("his new pottery class",),
            ):
                text = drafts.fill(raw, name=name, pronoun=pronoun, memory=memory, now_into=now_into)
                r = review_draft(text, stage, replying=_replying(stage))
                assert r.verdict == Verdict.SEND, (stage, tone, text, r)


def max_variants(stage: Stage) -> int:
    return max(len(pool) for pool in TEMPLATES[stage].values())


# --------------------------------------------------------------------------------------------------
# The property: whatever the coach suggests, its own review says send.


@pytest.mark.parametrize("stage", list(Stage))
def test_every_option_the_coach_can_offer_passes_review(stage: Stage) -> None:
    checked = 0
    variants = max_variants(stage) + 1 if stage in TEMPLATES else 2
    for facts, style, variant in itertools.product(FACTS_COMBOS, STYLES, range(variants)):
        s = suggest(at(stage, facts), NOW, variant=variant, style=style)
        for option in s.options:
            r = review_draft(option.text, stage, replying=_replying(stage))
            assert r.verdict == Verdict.SEND, (option, r)
            checked += 1
    assert checked > 0 or stage not in TEMPLATES


@pytest.mark.parametrize("stage", WITH_OPTIONS)
def test_every_template_is_offered_somewhere_and_passes_review(stage: Stage) -> None:
    """Iterates the templates themselves, so none hides behind the rotation."""
    facts = Facts(his_name="Sam", memories=("our trip to Lisbon",), now_into="his new pottery class")
    seen: set[str] = set()
    for style, variant in itertools.product(STYLES, range(max_variants(stage) + 1)):
        seen.update(texts(suggest(at(stage, facts), NOW, variant=variant, style=style)))
    for tone, pool in TEMPLATES[stage].items():
        for template in pool:
            for raw in {template.text, template.short_text}:
                text = drafts.fill(
                    raw, name="Sam", memory="our trip to Lisbon", now_into="his new pottery class"
                )
                assert review_draft(text, stage, replying=_replying(stage)).verdict == Verdict.SEND, (
                    tone,
                    text,
                )
                assert text in seen, f"never offered: {text}"


# --------------------------------------------------------------------------------------------------
# The templates themselves.


@pytest.mark.parametrize("stage", WITH_OPTIONS)
def test_enough_variants_without_any_facts(stage: Stage) -> None:
    pools = TEMPLATES[stage]
    for tone in Tone:
        assert sum(1 for t in pools[tone] if not drafts.needs(t.text)) >= 2, tone
    # "more playful" shows three at a time: four or more so the next set is not the same three
    assert sum(1 for t in pools[Tone.PLAYFUL] if not drafts.needs(t.text)) >= 4


def test_templates_are_tidy() -> None:
    for stage, pools in TEMPLATES.items():
        for template in (t for pool in pools.values() for t in pool):
            for raw in (template.text, template.short_text):
                # {name} always follows a word, so it can drop out cleanly when the name is unknown
                assert re.findall(r"\{(\w+)\}", raw) == [
                    p for p in re.findall(r"\{(\w+)\}", raw) if p in ("name", "memory", "now_into")
                ], raw
                assert all(
                    m.start() > 0 and raw[m.start() - 1] == " " for m in re.finditer(r"\{name\}", raw)
                ), raw
            assert len(template.short_text) <= SHORT_MAX, (stage, template.short_text)
            assert not re.search(r"\{(?:he|He)\} (?:is|has|does|was)\b|\{(?:he|He)\}'s", template.why), (
                template.why
            )


# --------------------------------------------------------------------------------------------------
# Each stage.


@pytest.mark.parametrize("stage", SEND_STAGES)
def test_send_stages_give_three_options_in_three_tones(stage: Stage) -> None:
    s = suggest(at(stage), NOW)
    assert s.mode == SuggestMode.SEND and s.withheld is None and s.stage == stage
    assert [o.tone for o in s.options] == [Tone.CASUAL, Tone.WARM, Tone.PLAYFUL]
    assert all(o.text and o.why for o in s.options)
    assert len(set(texts(s))) == 3


def test_understand_asks_the_one_sincere_question() -> None:
    s = suggest(at(Stage.UNDERSTAND), NOW)
    assert any("what went wrong with us?" in t for t in texts(s))


def test_reconnect_is_casual_and_short() -> None:
    s = suggest(at(Stage.RECONNECT), NOW)
    assert "Hey Sam, how have you been?" in texts(s)
    assert all(len(t) <= 100 for t in texts(s))


def test_discuss_owns_her_part() -> None:
    s = suggest(at(Stage.DISCUSS), NOW)
    assert any("my part" in t for t in texts(s))


def test_rekindle_uses_her_memory_and_what_he_is_into_now() -> None:
    s = suggest(at(Stage.REKINDLE, FULL), NOW)
    joined = " ".join(texts(s))
    assert "your new pottery class" in joined  # "his" turned to "your": the text speaks to him
    assert "our trip to Lisbon when you got us lost" in joined


def test_meet_is_a_no_strings_catch_up() -> None:
    joined = " ".join(texts(suggest(at(Stage.MEET), NOW))).lower()
    assert "catch up" in joined or "catching up" in joined


def test_the_option_is_low_pressure() -> None:
    joined = " ".join(texts(suggest(at(Stage.THE_OPTION), NOW))).lower()
    assert "take it easy" in joined or "no rush" in joined or "no pressure" in joined


def test_together_allows_warm_partner_texts() -> None:
    s = suggest(at(Stage.TOGETHER), NOW, variant=2)
    assert s.mode == SuggestMode.SEND and len(s.options) == 3


def test_his_move_is_how_to_answer_when_he_texts() -> None:
    s = suggest(at(Stage.HIS_MOVE), NOW)
    assert s.mode == SuggestMode.ANSWER and s.withheld == Withheld.HIS_MOVE
    assert len(s.options) == 3
    out = render_suggestions(s, SAM)
    assert "let him text first" in out and "1. Casual" in out


# --------------------------------------------------------------------------------------------------
# Withheld.


@pytest.mark.parametrize("stage", list(Stage))
def test_he_said_no_means_none_ever(stage: Stage) -> None:
    s = suggest(at(stage, he_said_no=True), NOW)
    assert s == Suggestions(stage, SuggestMode.NONE, (), Withheld.HE_SAID_NO)
    out = render_suggestions(s, SAM)
    assert "I won't help you contact him" in out


@pytest.mark.parametrize("stage", list(Stage))
def test_unsafe_means_none_ever(stage: Stage) -> None:
    s = suggest(at(stage, unsafe=True, he_said_no=True), NOW)
    assert s.mode == SuggestMode.NONE and s.withheld == Withheld.UNSAFE and not s.options
    assert "safety" in render_suggestions(s, SAM)


def test_intake_is_not_yet() -> None:
    s = suggest(at(Stage.INTAKE), NOW)
    assert (s.mode, s.withheld, s.options) == (SuggestMode.NONE, Withheld.NOT_YET, ())
    assert "questions" in render_suggestions(s, SAM)


def test_moving_on_is_ended() -> None:
    s = suggest(at(Stage.MOVING_ON), NOW)
    assert (s.mode, s.withheld, s.options) == (SuggestMode.NONE, Withheld.ENDED, ())


@pytest.mark.parametrize("stage", SEND_STAGES)
def test_never_a_third_unanswered_text(stage: Stage) -> None:
    assert suggest(at(stage, unanswered=1), NOW).mode == SuggestMode.SEND
    s = suggest(at(stage, unanswered=2), NOW)
    assert (s.mode, s.withheld, s.options) == (SuggestMode.NONE, Withheld.WAIT_FOR_REPLY, ())
    assert "won't suggest a third" in render_suggestions(s, SAM)


def test_his_move_answers_even_after_unanswered_texts() -> None:
    assert suggest(at(Stage.HIS_MOVE, unanswered=2), NOW).mode == SuggestMode.ANSWER


@pytest.mark.parametrize(
    "since, left",
    [
        (timedelta(0), 21),
        (timedelta(days=1), 20),
        (timedelta(days=3, hours=1), 18),
        (timedelta(days=20, hours=23), 1),
        (timedelta(days=21), 0),
        (timedelta(days=30), 0),
    ],
)
def test_no_contact_counts_21_days_from_her_last_contact(since: timedelta, left: int) -> None:
    s = suggest(at(Stage.NO_CONTACT, last_contact_at=NOW - since, stage_since=NOW - timedelta(days=40)), NOW)
    assert (s.mode, s.withheld, s.options, s.days_left) == (SuggestMode.NONE, Withheld.NO_CONTACT, (), left)


def test_no_contact_uses_the_program_day() -> None:
    pace = Pace(day=timedelta(seconds=10))
    s = suggest(at(Stage.NO_CONTACT, last_contact_at=NOW - timedelta(seconds=55)), NOW, pace=pace)
    assert s.days_left == 16


def test_no_contact_without_a_last_contact_counts_from_the_stage_start() -> None:
    s = suggest(at(Stage.NO_CONTACT, stage_since=NOW - timedelta(days=5)), NOW)
    assert s.days_left == 16
    assert suggest(at(Stage.NO_CONTACT), NOW).days_left == 21


def test_no_contact_message_has_days_left_why_and_the_unsent_letter() -> None:
    s = suggest(at(Stage.NO_CONTACT, last_contact_at=NOW - timedelta(days=4)), NOW)
    out = render_suggestions(s, SAM)
    assert "17 days left" in out and "unsent letter" in out and "No text to send" in out
    one = render_suggestions(
        suggest(at(Stage.NO_CONTACT, last_contact_at=NOW - timedelta(days=20)), NOW), SAM
    )
    assert "1 day left" in one
    done = render_suggestions(
        suggest(at(Stage.NO_CONTACT, last_contact_at=NOW - timedelta(days=22)), NOW), SAM
    )
    assert "time to reach out" in done


# --------------------------------------------------------------------------------------------------
# Variants and styles.


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("stage", WITH_OPTIONS)
@pytest.mark.parametrize("facts", [Facts(), FULL], ids=["no facts", "all facts"])
def test_variants_rotate(stage: Stage, style: str, facts: Facts) -> None:
    first = suggest(at(stage, facts), NOW, variant=0, style=style)
    second = suggest(at(stage, facts), NOW, variant=1, style=style)
    assert set(texts(first)) != set(texts(second))
    if style != "playful":  # every tone moves on, not just one
        assert all(a != b for a, b in zip(texts(first), texts(second), strict=True))
    assert len(second.options) == 3


def test_the_same_variant_gives_the_same_set() -> None:
    """The "I sent #2" button finds the option's text again by asking for the same set."""
    j = at(Stage.REKINDLE, FULL)
    assert suggest(j, NOW, variant=5, style="shorter") == suggest(j, NOW, variant=5, style="shorter")


@pytest.mark.parametrize("stage", WITH_OPTIONS)
def test_shorter_is_shorter(stage: Stage) -> None:
    for variant in range(max_variants(stage)):
        default = suggest(at(stage), NOW, variant=variant)
        short = suggest(at(stage), NOW, variant=variant, style="shorter")
        assert [o.tone for o in short.options] == [Tone.CASUAL, Tone.WARM, Tone.PLAYFUL]
        for d, s in zip(default.options, short.options, strict=True):
            assert len(s.text) <= len(d.text)
            assert len(s.text) <= SHORT_MAX + len("Sam")


@pytest.mark.parametrize("stage", WITH_OPTIONS)
def test_playful_gives_three_playful_options(stage: Stage) -> None:
    s = suggest(at(stage), NOW, style="playful")
    assert [o.tone for o in s.options] == [Tone.PLAYFUL] * 3
    assert len(set(texts(s))) == 3
    assert "lighter set" in render_suggestions(s, SAM)


def test_unknown_style_falls_back_to_default() -> None:
    assert suggest(at(Stage.RECONNECT), NOW, style="odd") == suggest(at(Stage.RECONNECT), NOW)


# --------------------------------------------------------------------------------------------------
# Her facts: name, pronoun, memory, now_into.


def test_no_name_falls_back_gracefully() -> None:
    for stage in WITH_OPTIONS:
        for variant in range(max_variants(stage)):
            s = suggest(at(stage, Facts()), NOW, variant=variant)
            for option in s.options:
                assert "{" not in option.text and "  " not in option.text
                assert not re.search(r"(?:^|\s)[,.!?]", option.text), option.text
    assert "Hey, how have you been?" in texts(suggest(at(Stage.RECONNECT, Facts()), NOW))


def test_his_name_is_used_when_known() -> None:
    assert "Hey Sam, how have you been?" in texts(suggest(at(Stage.RECONNECT), NOW))


@pytest.mark.parametrize(
    "pronoun, him, his",
    [(Pronoun.HE, "him", "his"), (Pronoun.SHE, "her", "her"), (Pronoun.THEY, "them", "their")],
)
def test_pronoun_in_the_why_lines(pronoun: Pronoun, him: str, his: str) -> None:
    s = suggest(at(Stage.UNDERSTAND, Facts(pronoun=pronoun)), NOW)
    assert s.options[0].why == f"One sincere question, asked once, gives {him} room to tell you {his} side."


def test_a_memory_about_her_is_turned_to_you() -> None:
    s = suggest(at(Stage.REKINDLE, Facts(pronoun=Pronoun.SHE, memories=("when she sang karaoke",))), NOW)
    assert any("when you sang karaoke" in t for t in texts(s))


def test_memories_rotate_with_the_variant() -> None:
    joined = " ".join(
        " ".join(texts(suggest(at(Stage.REKINDLE, FULL), NOW, variant=v)))
        for v in range(3 * max_variants(Stage.REKINDLE))
    )
    assert "our trip to Lisbon" in joined and "the picnic by the lake" in joined


def test_her_words_are_never_read_as_placeholders() -> None:
    s = suggest(at(Stage.REKINDLE, Facts(memories=("the {name} bakery",), his_name="Sam")), NOW)
    assert any("the {name} bakery" in t for t in texts(s))


@pytest.mark.parametrize(
    "memory", ["the night we fought in the car", "when you cheated", "x" * 300, "our huge fight on holiday"]
)
def test_a_memory_that_would_not_pass_review_is_left_out(memory: str) -> None:
    for variant in range(max_variants(Stage.REKINDLE)):
        s = suggest(at(Stage.REKINDLE, Facts(memories=(memory,))), NOW, variant=variant)
        assert len(s.options) == 3
        assert all(memory not in t for t in texts(s))


def test_a_memory_that_would_not_pass_review_gives_way_to_her_next_one() -> None:
    facts = Facts(memories=("our huge fight on holiday", "the picnic by the lake"))
    for variant in range(max_variants(Stage.REKINDLE)):
        s = suggest(at(Stage.REKINDLE, facts), NOW, variant=variant)
        assert all("huge fight" not in t for t in texts(s))
    # The first set is where her first memory was due: the next one takes its place.
    assert any("picnic by the lake" in t for t in texts(suggest(at(Stage.REKINDLE, facts), NOW, variant=0)))


def test_blank_facts_count_as_none() -> None:
    s = suggest(at(Stage.REKINDLE, Facts(now_into="   ", memories=("  ",))), NOW)
    assert all("  " not in t and "of ," not in t for t in texts(s))


# --------------------------------------------------------------------------------------------------
# Rendering.


def test_render_suggestions_numbers_the_options_with_a_why() -> None:
    out = render_suggestions(suggest(at(Stage.RECONNECT), NOW), SAM)
    for n, label in ((1, "Casual"), (2, "Warm"), (3, "Playful")):
        assert f"{n}. {label}" in out
    assert out.count("Why: ") == 3


def test_every_rendered_message_is_short_and_plain() -> None:
    for stage, facts, style in itertools.product(list(Stage), FACTS_COMBOS[::5], STYLES):
        for extra in ({}, {"unanswered": 2}, {"he_said_no": True}, {"unsafe": True}):
            for variant in range(3):
                s = suggest(at(stage, facts, **extra), NOW, variant=variant, style=style)
                out = render_suggestions(s, facts)
                assert len(out) < 900, (stage, style, out)
                assert "{" not in out and "<" not in out and "*" not in out and "_" not in out, out


@pytest.mark.parametrize("pronoun, him", [(Pronoun.SHE, "her"), (Pronoun.THEY, "them")])
def test_withheld_messages_use_her_pronoun(pronoun: Pronoun, him: str) -> None:
    s = suggest(at(Stage.REKINDLE, Facts(pronoun=pronoun), he_said_no=True), NOW)
    assert f"I won't help you contact {him}" in render_suggestions(s, Facts(pronoun=pronoun))
