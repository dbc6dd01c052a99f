"""Check my text: one test group per rule, each with phrasings that trip it and near misses that must not."""

from __future__ import annotations

import itertools
import re

import pytest

from coach.copy.drafts import REASON_TEXT, VERDICT_HEADLINE, render_review
from coach.review import Reason, Review, Verdict, extract_draft, review_draft
from coach.vocabulary import Pronoun, Stage

R = Stage.RECONNECT


def reasons(text: str, stage: Stage | str = R, **kw: object) -> tuple[Reason, ...]:
    """The exact rules alone: these tests pin each rule; the model has its own tests below."""
    return review_draft(text, stage, read=False, **kw).reasons  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Good texts get send, and nothing else.


@pytest.mark.parametrize(
    "text, stage",
    [
        ("hey, how have you been?", R),
        ("saw this and thought of you 😂", R),
        ("hope your new job is going great!", Stage.REKINDLE),
        ("hey stranger, long time no see", R),
        ("happy birthday! hope it's a good one", R),
        ("It would be nice to catch up sometime soon.", Stage.MEET),
        ("In your opinion, what went wrong with us?", Stage.UNDERSTAND),
        ("I know I had my part in how things ended. I'm sorry.", Stage.DISCUSS),
    ],
)
def test_good_texts_are_send(text: str, stage: Stage) -> None:
    r = review_draft(text, stage)
    assert r == Review(Verdict.SEND, (), None)


# --------------------------------------------------------------------------------------------------
# Each rule: (reason, texts that trip it, near misses that do not), checked at reconnect.

RULES: list[tuple[Reason, list[str], list[str]]] = [
    (
        Reason.NEGATIVE,
        ["I hate how things are", "this week has been terrible", "you're such a jerk", "I'm so mad at you"],
        ["I love how happy you look", "not a bad week at all", "that sounds like a lot of work"],
    ),
    (
        Reason.BLAME,
        [
            "you always do this",
            "it was your fault",
            "You never listened to me",
            "I know I messed up but you did too",
            "you should have called me",
            "we broke up because of you",
        ],
        [
            "you always knew how to make me laugh",
            "you never fail to make me smile",
            "I always loved your laugh",
            "you made me laugh so much that day",
        ],
    ),
    (
        Reason.NEEDY,
        [
            "miss you so much, please talk to me",
            "why are you ignoring me",
            "why aren't you answering",
            "hello??",
            "please answer me",
            "did you get my text",
            "I can't live without you",
            "i cant stop thinking about you",
            "why arent u answering",
        ],
        ["talk soon!", "hope you're well, reply whenever you like", "why not, sounds fun"],
    ),
    (
        Reason.TOO_MANY_QUESTIONS,
        ["how are you? how's work? are you seeing anyone? do you miss me?", "Hi? How are you? What's new?"],
        ["how are you? how's the new job?"],
    ),
    (
        Reason.DEMAND,
        [
            "you need to call me",
            "answer me now",
            "I deserve an answer",
            "make up your mind",
            "tell me by tonight or I'm done",
            "if you don't reply I'll stop trying forever",
        ],
        [
            "you have to try the new taco place",
            "you need to see this video 😂",
            "I tried the new place tonight",
        ],
    ),
    (
        Reason.BAD_MEMORY,
        [
            "remember our fight in Rome?",
            "I keep thinking about the night you left",
            "when we broke up I was a mess",
            "that awful night at the party",
            "I still think about when you cheated",
        ],
        [
            "remember our pillow fight? 😂",
            "the night we got lost in Lisbon was the best",
            "remember that trip?",
        ],
    ),
    (
        Reason.TOO_SOON,
        ["I still love you", "I want to get back together", "give us another chance", "i miss us"],
        ["love your new haircut", "I'd love to hear how it went", "so happy for you"],
    ),
    (
        Reason.OMINOUS,
        ["we need to talk", "We have to talk.", "I have something to tell you"],
        ["I loved our talks", "talk soon", "would be nice to talk sometime"],
    ),
    (
        Reason.THREAT,
        ["you'll regret this", "answer or else", "I'll tell everyone what you did", "I'll make you pay"],
        ["you'd regret missing this meme", "I'll tell you about it sometime", "killing it at work, I hear!"],
    ),
    (
        Reason.SHOWING_UP,
        ["I'm coming over", "I'll be outside your place at 8", "I'm outside", "I'll show up at your work"],
        [
            "I'll be at Sam's party on Saturday",
            "coming over to the coast soon?",
            "would you like to grab a bite?",
        ],
    ),
    (
        Reason.JEALOUSY,
        ["I've been seeing someone", "my new guy took me to that place", "just so you know I met someone"],
        ["I saw someone with your exact jacket today, ha", "my new job is fun", "I met up with Jess today"],
    ),
    (
        Reason.GUILT,
        [
            "after everything I did for you",
            "hope you're happy now",
            "you don't even care",
            "you broke my heart",
            "I cry every night because of you",
        ],
        ["I hope you're happy and well", "I care about you as a friend", "thanks for everything"],
    ),
]


@pytest.mark.parametrize(
    "reason, text", [(reason, t) for reason, hits, _ in RULES for t in hits], ids=lambda v: str(v)[:30]
)
def test_rule_fires(reason: Reason, text: str) -> None:
    assert reason in reasons(text)


@pytest.mark.parametrize(
    "reason, text", [(reason, t) for reason, _, misses in RULES for t in misses], ids=lambda v: str(v)[:30]
)
def test_rule_near_miss_does_not_fire(reason: Reason, text: str) -> None:
    assert reason not in reasons(text)


def test_curly_apostrophes_are_read_like_straight_ones() -> None:
    assert Reason.NEEDY in reasons("why aren’t you answering")
    assert Reason.SHOWING_UP in reasons("I’m coming over")


def test_too_long() -> None:
    long_text = "hey, I hope you are well and that the new job is treating you kindly. " * 4
    r = review_draft(long_text, R)
    assert r.verdict == Verdict.TWEAK and Reason.TOO_LONG in r.reasons
    assert r.better is not None and len(r.better) < len(long_text)
    assert Reason.TOO_LONG not in reasons("hey, how have you been? it's been a while.")


def test_empty_draft_is_a_tweak_with_a_text_to_start_from() -> None:
    r = review_draft("   ", R, his_name="Sam")
    assert r.reasons == (Reason.EMPTY,) and r.verdict == Verdict.TWEAK
    assert r.better == "Hey Sam, how have you been?"


# --------------------------------------------------------------------------------------------------
# Stage-dependent rules.


@pytest.mark.parametrize("stage", [Stage.THE_OPTION, Stage.HIS_MOVE, Stage.TOGETHER])
def test_commitment_words_are_fine_once_the_option_is_the_step(stage: Stage) -> None:
    replying = True if stage is Stage.HIS_MOVE else None
    assert (
        review_draft("I'd like to give us another chance, no rush", stage, replying=replying).verdict
        == "send"
    )
    assert Reason.TOO_SOON not in reasons("I still love you", stage)


@pytest.mark.parametrize(
    "stage", [Stage.UNDERSTAND, Stage.RECONNECT, Stage.DISCUSS, Stage.REKINDLE, Stage.MEET]
)
def test_commitment_words_are_too_soon_before_the_option(stage: Stage) -> None:
    assert Reason.TOO_SOON in reasons("I still love you", stage)
    assert Reason.TOO_SOON in reasons("can we get back together?", stage)


def test_stage_may_be_given_as_a_string() -> None:
    assert review_draft("I'd be open to trying again, no rush", "the_option").verdict == Verdict.SEND
    assert Reason.TOO_SOON in review_draft("I still love you", "reconnect").reasons
    assert review_draft("hey, how have you been?", "NO_CONTACT").verdict == Verdict.WAIT


# --------------------------------------------------------------------------------------------------
# Timing: wait.


def test_no_contact_means_wait_with_the_unsent_letter() -> None:
    r = review_draft("hey, how have you been?", Stage.NO_CONTACT)
    assert r.verdict == Verdict.WAIT and r.reasons == (Reason.NO_CONTACT,)
    assert r.better is not None and "unsent letter" in r.better


def test_awaiting_reply_means_wait() -> None:
    r = review_draft("hey, how have you been?", R, awaiting_reply=True)
    assert r.verdict == Verdict.WAIT and r.reasons == (Reason.AWAITING_REPLY,)
    assert r.better is not None and "couple of days" in r.better


@pytest.mark.parametrize("hour", [23, 0, 1, 3, 5])
def test_late_night_means_wait_and_the_same_words_in_the_morning(hour: int) -> None:
    r = review_draft("hey, how have you been?", R, local_hour=hour)
    assert r.verdict == Verdict.WAIT and r.reasons == (Reason.LATE_NIGHT,)
    assert r.better == "hey, how have you been?"


@pytest.mark.parametrize("hour", [6, 12, 18, 22])
def test_daytime_and_evening_are_fine(hour: int) -> None:
    assert review_draft("hey, how have you been?", R, local_hour=hour).verdict == Verdict.SEND


def test_late_night_with_a_draft_that_needs_work_offers_the_better_words_for_the_morning() -> None:
    r = review_draft("Hey, how have you been?? Long time!!!", R, local_hour=2)
    assert r.verdict == Verdict.WAIT
    assert {Reason.LATE_NIGHT, Reason.WORDY} <= set(r.reasons)
    assert r.better == "Hey, how have you been? Long time!"
    assert review_draft(r.better, R).verdict == Verdict.SEND


# --------------------------------------------------------------------------------------------------
# Consent, safety and manipulation: dont_send.


@pytest.mark.parametrize("flag, reason", [("he_said_no", Reason.HE_SAID_NO), ("unsafe", Reason.UNSAFE)])
def test_he_said_no_or_unsafe_is_dont_send_even_for_a_lovely_text(flag: str, reason: Reason) -> None:
    r = review_draft("hope your new job is going great!", Stage.REKINDLE, **{flag: True})  # type: ignore[arg-type]
    assert r.verdict == Verdict.DONT_SEND and r.reasons == (reason,)
    assert r.better is not None and "unsent letter" in r.better


@pytest.mark.parametrize(
    "text", ["I've been seeing someone", "hope you're happy now", "you'll regret this", "I'm coming over"]
)
def test_manipulation_is_dont_send_with_an_honest_alternative(text: str) -> None:
    r = review_draft(text, R, his_name="Sam")
    assert r.verdict == Verdict.DONT_SEND
    assert r.better is not None and review_draft(r.better, R).verdict == Verdict.SEND


def test_severity_dont_send_beats_wait_beats_tweak() -> None:
    r = review_draft("we need to talk, I've been seeing someone", R, awaiting_reply=True, local_hour=2)
    assert r.verdict == Verdict.DONT_SEND
    assert r.reasons[0] == Reason.JEALOUSY  # the worst reason comes first
    assert review_draft("we need to talk", R, awaiting_reply=True).verdict == Verdict.WAIT
    # nothing of hers passes on its own, so it is not a tweak: a better way instead
    assert review_draft("we need to talk", R).verdict == Verdict.DONT_SEND


def test_unknown_keywords_are_ignored() -> None:
    assert review_draft("hey, how have you been?", R, mood=3, journey=None).verdict == Verdict.SEND


# --------------------------------------------------------------------------------------------------
# The better version.


@pytest.mark.parametrize(
    "text, stage",
    [
        ("miss you so much, please talk to me", R),
        ("I know I messed up but you did too", Stage.DISCUSS),
        ("why are you ignoring me", R),
        ("we need to talk", Stage.MEET),
        ("I still love you", Stage.REKINDLE),
        ("Remember our fight in Rome? Anyway, you looked great at the game.", Stage.REKINDLE),
        ("how are you? how's work? how's your mum? are you still in the old flat?", R),
        ("", Stage.THE_OPTION),
        ("you never listened", Stage.TOGETHER),
        ("you never listened", Stage.MOVING_ON),
        ("you never listened", Stage.HIS_MOVE),
        ("you never listened", Stage.INTAKE),
        ("you never listened", Stage.UNDERSTAND),
    ],
)
def test_better_itself_gets_send_for_the_stage(text: str, stage: Stage) -> None:
    r = review_draft(text, stage, his_name="Sam")
    assert r.verdict in (Verdict.TWEAK, Verdict.DONT_SEND)
    replying = True if stage is Stage.HIS_MOVE else None
    assert r.better and review_draft(r.better, stage, replying=replying).verdict == Verdict.SEND


@pytest.mark.parametrize(
    "text, stage",
    [
        ("Remember our fight in Rome? Anyway, you looked great at the game.", Stage.REKINDLE),
        ("how are you? how's work? how's your mum? are you still in the old flat?", R),
        ("Hey!!! How have you been???", R),
        (
            "Hey! How have you been? The new job sounds great. I saw the photos from the launch and the team looks"
            " lovely. Hope the commute is not too bad and that you still get time for your climbing on weekends."
            " Say hi to your sister for me!",
            R,
        ),
    ],
)
def test_a_tweak_offers_her_own_words_and_they_pass(text: str, stage: Stage) -> None:
    r = review_draft(text, stage)
    assert r.verdict == Verdict.TWEAK
    assert r.better and review_draft(r.better, stage).verdict == Verdict.SEND
    # her own words: every word of the rewrite was in her draft
    assert set(re.findall(r"\w+", r.better.lower())) <= set(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize("text", ["I still love you", "we need to talk", "why are you ignoring me"])
def test_when_nothing_of_hers_can_be_kept_it_is_not_a_tweak(text: str) -> None:
    r = review_draft(text, R, his_name="Sam")
    assert r.verdict == Verdict.DONT_SEND
    assert r.better == "Hey Sam, how have you been?"


def test_better_keeps_her_own_good_sentences() -> None:
    r = review_draft("Remember our fight in Rome? Anyway, you looked great at the game.", Stage.REKINDLE)
    assert r.better == "Anyway, you looked great at the game."


def test_better_uses_his_name_or_none_gracefully() -> None:
    assert review_draft("why are you ignoring me", R, his_name="Sam").better == "Hey Sam, how have you been?"
    assert review_draft("why are you ignoring me", R).better == "Hey, how have you been?"


def test_send_has_no_better() -> None:
    assert review_draft("hey, how have you been?", R).better is None


# --------------------------------------------------------------------------------------------------
# Rendering.


def test_every_reason_and_verdict_has_words() -> None:
    assert set(REASON_TEXT) == {str(r) for r in Reason}
    assert set(VERDICT_HEADLINE) == {str(v) for v in Verdict}


def test_render_review_tweak() -> None:
    out = render_review(review_draft("Hey!!! How have you been???", R, his_name="Sam"))
    assert out.splitlines()[0] == VERDICT_HEADLINE["tweak"]
    assert "• " in out and "Try: Hey! How have you been?" in out
    assert "*" not in out and "<" not in out and len(out) < 900


def test_render_review_dont_send_gives_one_reason_and_a_better_way() -> None:
    out = render_review(review_draft("we need to talk, I've been seeing someone", R, his_name="Sam"))
    assert out.splitlines()[0] == VERDICT_HEADLINE["dont_send"]
    assert sum(line.startswith("• ") for line in out.splitlines()) == 1
    assert out.endswith("A better way: Hey Sam, how have you been?")


def test_render_review_send_has_no_try_line() -> None:
    out = render_review(review_draft("hey, how have you been?", R))
    assert out == VERDICT_HEADLINE["send"]


def test_render_review_wait_and_dont_send() -> None:
    assert "Instead: " in render_review(review_draft("hey", Stage.NO_CONTACT))
    assert "Try it in the morning: hey, how are you?" in render_review(
        review_draft("hey, how are you?", R, local_hour=1)
    )
    out = render_review(review_draft("hey", R, he_said_no=True), Pronoun.SHE)
    assert out.startswith(VERDICT_HEADLINE["dont_send"]) and "She asked for space" in out


def test_render_review_uses_the_pronoun() -> None:
    out = render_review(review_draft("why are you ignoring me", R), Pronoun.THEY)
    assert "their attention" in out


def test_every_combination_fits_in_one_message() -> None:
    everything = " ".join(t for _, hits, _ in RULES for t in hits)
    r = review_draft(everything, R, awaiting_reply=True, local_hour=2, he_said_no=True, unsafe=True)
    assert len(render_review(r)) < 1600  # all nineteen reasons at once: still a single Telegram message
    assert len(render_review(review_draft("you never listen, we need to talk", R))) < 900


# --------------------------------------------------------------------------------------------------
# Finding the draft in a message.


@pytest.mark.parametrize(
    "message, draft",
    [
        ('should I send this: "hey, how have you been?"', "hey, how have you been?"),
        ("is this ok to send - miss you so much, please talk to me", "miss you so much, please talk to me"),
        ('thinking of sending "saw this and thought of you 😂" thoughts?', "saw this and thought of you 😂"),
        ("rate my text: I know I messed up but you did too", "I know I messed up but you did too"),
        ('does this sound needy? "why are you ignoring me"', "why are you ignoring me"),
        (
            "can you check my message before I send it: hope your new job is going great!",
            "hope your new job is going great!",
        ),
        ('"we need to talk" - good or bad idea to send?', "we need to talk"),
        ("here's my draft: hey stranger, long time no see", "hey stranger, long time no see"),
        (
            'would it be weird to send him "happy birthday! hope it\'s a good one"',
            "happy birthday! hope it's a good one",
        ),
        ('is it too much if I text "I still love you"', "I still love you"),
        ("is it too much if I text I still love you", "I still love you"),
        ("what about “hey you, long time”?", "hey you, long time"),
        ("would 'I'm proud of you' be ok?", "I'm proud of you"),
        ("can I text him hey how are you", "hey how are you"),
        ("thinking of sending him happy new year!", "happy new year!"),
    ],
)
def test_extract_draft(message: str, draft: str) -> None:
    assert extract_draft(message) == draft


@pytest.mark.parametrize(
    "message",
    [
        "check my text",
        "should I text him tonight?",
        "can I send him this?",
        "",
        "is it ok if I don't text him",
    ],
)
def test_extract_draft_none(message: str) -> None:
    assert extract_draft(message) is None


# --------------------------------------------------------------------------------------------------
# The kinds of harm a coach never signs (the issue's own examples), the stage's rules, and care.

HARMFUL = [
    ("bet your new girl can't cook like me", R),
    ("saw a cute guy at the gym, made me think of you lol", R),
    ("who was that girl in your story?", Stage.REKINDLE),
    ("why were you online at 3am?", R),
    ("we need to decide this weekend or i'm done", Stage.THE_OPTION),
    ("call me tonight, we need to talk", Stage.DISCUSS),
    ("still waiting on that sorry btw", Stage.DISCUSS),
    ("you were distant too and you know it", Stage.DISCUSS),
    ("still awake? 😏", R),
    ("i cry every night, i'm nothing without you", R),
    ("my friends already think we're back on", Stage.MEET),
    ("I'm pregnant, so we need to get back together", R),
]


@pytest.mark.parametrize("text, stage", HARMFUL)
def test_harmful_drafts_are_never_send_or_tweak(text: str, stage: Stage) -> None:
    r = review_draft(text, stage)
    assert r.verdict == Verdict.DONT_SEND, r
    assert r.better and review_draft(r.better, stage).verdict == Verdict.SEND


@pytest.mark.parametrize(
    "text",
    [
        "if you leave me i'll kill myself",
        "i don't want to live without you",
        "answer me or i'll hurt myself",
        "everyone would be better off without me",
    ],
)
def test_self_harm_in_a_draft_is_named_first_so_she_gets_care(text: str) -> None:
    r = review_draft(text, R)
    assert r.verdict == Verdict.DONT_SEND and r.reasons[0] == Reason.SELF_HARM
    assert Reason.THREAT not in r.reasons  # a threat to herself is not a threat to him
    assert r.better is not None and "helpline" in r.better


def test_his_move_waits_for_him_unless_she_is_replying() -> None:
    text = "That sounds lovely, I'd really like that."
    assert review_draft(text, Stage.HIS_MOVE, replying=True).verdict == Verdict.SEND
    r = review_draft(text, Stage.HIS_MOVE, replying=False)
    assert r.verdict == Verdict.WAIT and Reason.HIS_MOVE in r.reasons
    assert r.better is not None and "when he texts" in r.better


def test_the_model_makes_a_verdict_stricter_never_looser() -> None:
    """Whatever the model reads, the rules' verdict stands as a floor."""
    for text in ("you'll regret this", "I'm coming over", "hey, how have you been?"):
        for stage in Stage:
            rules_only = review_draft(text, stage, read=False)
            both = review_draft(text, stage)
            order = [Verdict.SEND, Verdict.TWEAK, Verdict.WAIT, Verdict.DONT_SEND]
            assert order.index(both.verdict) >= order.index(rules_only.verdict), (text, stage)
            assert set(rules_only.reasons) <= set(both.reasons)


# --------------------------------------------------------------------------------------------------
# No unfilled placeholder ever reaches her.


@pytest.mark.parametrize("pronoun", list(Pronoun))
def test_no_placeholder_survives_in_any_review_reply(pronoun: Pronoun) -> None:
    drafts_to_try = [
        "",
        "hey, how have you been?",
        "we need to talk, I've been seeing someone",
        "if you leave i'll hurt myself",
        "Hey!!! How have you been???",
    ]
    flags = [
        {},
        {"awaiting_reply": True},
        {"local_hour": 2},
        {"he_said_no": True},
        {"unsafe": True},
        {"replying": False},
    ]
    for text, stage, kw in itertools.product(drafts_to_try, Stage, flags):
        r = review_draft(text, stage, pronoun=pronoun, **kw)  # type: ignore[arg-type]
        out = render_review(r, pronoun)
        assert not re.search(r"\{\w+\}", out), (text, stage, kw, out)
    for reason in Reason:
        out = render_review(Review(Verdict.DONT_SEND, (reason,), "x"), pronoun)
        assert not re.search(r"\{\w+\}", out), reason


def _reader_says(monkeypatch: pytest.MonkeyPatch, harm: dict[str, float]) -> None:
    from coach.reading import drafts as reader

    def read(draft: str, stage: str) -> dict[str, float]:
        # Only the photos carry the half-read harm; the rest reads as plainly good.
        probs = dict(harm) if "photos from saturday" in draft.lower() else {}
        return {"good": 1.0 - sum(probs.values()), **probs}

    monkeypatch.setattr(reader, "read", read)


def test_a_half_read_harm_is_never_send_and_the_tweak_passes_the_review(monkeypatch: pytest.MonkeyPatch) -> None:
    _reader_says(monkeypatch, {"guilt": 0.2, "blame": 0.2})
    text = "Saw the photos from Saturday. Hope the new job is going well."
    r = review_draft(text, Stage.REKINDLE)
    assert r.verdict is Verdict.TWEAK and Reason.MIGHT_LAND_WRONG in r.reasons
    assert r.better == "Hope the new job is going well."
    assert review_draft(r.better, Stage.REKINDLE).verdict is Verdict.SEND
    assert "could land as pressure or a dig" in render_review(r)


def test_a_half_read_harm_with_nothing_to_keep_asks_her_to_read_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    _reader_says(monkeypatch, {"guilt": 0.35})
    r = review_draft("Saw the photos from Saturday", Stage.REKINDLE)
    assert r.verdict is Verdict.TWEAK and r.reasons == (Reason.MIGHT_LAND_WRONG,) and r.better is None


def test_a_sure_harm_reading_is_dont_send(monkeypatch: pytest.MonkeyPatch) -> None:
    _reader_says(monkeypatch, {"guilt": 0.7})
    assert review_draft("Saw the photos from Saturday", Stage.REKINDLE).verdict is Verdict.DONT_SEND
