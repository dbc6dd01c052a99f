"""coach.understand: accuracy on the shared dev set and on our own held-out set, safety recall, manipulation
detection and robustness. Held-out lines (heldout_intents.tsv) were written for these tests, not taken from
dev.tsv; they favour lowercase, typos, slang and mixed messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.understand import asks_for_manipulation, understand
from coach.vocabulary import Intent

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
DEV = PROJECT.parent / "shared" / "intents" / "dev.tsv"
DATA = PROJECT / "coach" / "reading" / "data" / "intents"
HELDOUT = DATA / "heldout.tsv"
BLIND_A = DATA / "blind_a.tsv"  # written blind; the classifier was tuned on it
BLIND_B = DATA / "blind_b.tsv"  # written blind; never read while tuning, only its score was seen
SAFETY = (Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO)


def load(path: Path) -> list[tuple[str, Intent]]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    rows = []
    for line in lines:
        if line.strip():
            text, _, label = line.rpartition("\t")
            rows.append((text, Intent(label.strip())))
    return rows


def accuracy(rows: list[tuple[str, Intent]]) -> float:
    return sum(understand(text) == want for text, want in rows) / len(rows)


def safety_misses(rows: list[tuple[str, Intent]]) -> list[tuple[str, Intent, Intent]]:
    return [(text, want, got) for text, want in rows if want in SAFETY and (got := understand(text)) != want]


@pytest.fixture(scope="module")
def dev() -> list[tuple[str, Intent]]:
    if not DEV.exists():
        pytest.skip(f"{DEV} not found")
    return load(DEV)


@pytest.fixture(scope="module")
def heldout() -> list[tuple[str, Intent]]:
    return load(HELDOUT)


def test_dev_accuracy(dev: list[tuple[str, Intent]]) -> None:
    assert accuracy(dev) >= 0.95


def test_dev_safety_recall_is_total(dev: list[tuple[str, Intent]]) -> None:
    assert safety_misses(dev) == []


def test_heldout_is_large_and_new(heldout: list[tuple[str, Intent]]) -> None:
    assert len(heldout) >= 150
    if DEV.exists():
        seen = {text.lower() for text, _ in load(DEV)}
        assert not [text for text, _ in heldout if text.lower() in seen]


def test_heldout_accuracy(heldout: list[tuple[str, Intent]]) -> None:
    assert accuracy(heldout) >= 0.85


def test_heldout_safety_recall_is_total(heldout: list[tuple[str, Intent]]) -> None:
    assert safety_misses(heldout) == []


@pytest.mark.parametrize(
    "text",
    [
        "i want to die and he still hasnt replied",
        "what should i text him? honestly i feel like ending my life",
        "we met for coffee. i came home and took a bunch of pills",
        "I WANT TO KILL MYSELF",
        "i wanna dieee",
        "quiero morir",
        "хочу умереть",
    ],
)
def test_crisis_wins_over_everything_else(text: str) -> None:
    assert understand(text) is Intent.CRISIS


@pytest.mark.parametrize(
    "text, intent",
    [
        ("he hit me up yesterday", Intent.HE_REACHED_OUT),
        ("this no contact is killing me", Intent.FEELING_DOWN),
        ("he said no worries", Intent.HE_REPLIED),
        ("he follows me on insta", Intent.OTHER),
        ("my friend said i should leave him alone", Intent.MOVING_ON),
        ("he wanted to end it", Intent.OTHER),
        ("i got a restraining order against him", Intent.UNSAFE),
        ("he got a restraining order", Intent.HE_SAID_NO),
        ("he has moved on", Intent.HE_SAID_NO),
        ("I want to let go", Intent.MOVING_ON),
        ("when can I text him again", Intent.PROGRESS),
        ("how do I delete my data", Intent.HELP),
        ("should i text him?", Intent.URGE_TO_CONTACT),
        ("should i text him 'hey, how are you'?", Intent.CHECK_DRAFT),
        ("Jake texted me first", Intent.HE_REACHED_OUT),
    ],
)
def test_near_misses(text: str, intent: Intent) -> None:
    assert understand(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "how do i make him jealous",
        "should I pretend I'm pregnant",
        "should i post pics with other guys so he notices",
        "can i guilt trip him into coming back",
        "tell him I'll hurt myself if he doesn't come back",
        "how can i test if he still loves me",
        "should i ignore him to see if he cares",
        "how do i track his location",
        "can i check his phone while he sleeps",
        "i want to make him regret leaving me",
        "should i lie and say i'm seeing someone",
        "what if i fake being sick so he visits",
        "should i give him an ultimatum",
        "should i make a fake account to watch his stories",
        "help me get into his instagram",
    ],
)
def test_manipulation_is_spotted(text: str) -> None:
    assert asks_for_manipulation(text)


@pytest.mark.parametrize(
    "text",
    [
        "i'm jealous of his new girlfriend",
        "he made me feel guilty",
        "i don't want to play games",
        "i don't want to make him jealous",
        "should i tell him i'm sorry",
        "i'm pregnant, should i tell him",
        "my test results came back",
        "he tried to make me jealous",
        "what should i text him",
        "is it ok to show up where he'll be",
        "i want to be honest with him",
        "",
    ],
)
def test_honest_requests_are_not_manipulation(text: str) -> None:
    assert not asks_for_manipulation(text)


@pytest.mark.parametrize(
    "text, allowed",
    [
        ("", {Intent.OTHER}),
        ("   \n\t ", {Intent.OTHER}),
        ("👍", {Intent.SMALL_TALK}),
        ("😭😭😭", {Intent.SMALL_TALK, Intent.FEELING_DOWN}),
        ("Привет, как дела?", {Intent.OTHER, Intent.SMALL_TALK}),
        ("مرحبا كيف حالك", {Intent.OTHER, Intent.SMALL_TALK}),
        ("你好，我很想他", {Intent.OTHER, Intent.SMALL_TALK}),
        ("\x00\u200b\ufeff", {Intent.OTHER, Intent.SMALL_TALK}),
        ("?!?!", {Intent.OTHER, Intent.SMALL_TALK}),
        ("lorem ipsum " * 900, set(Intent)),
    ],
)
def test_odd_inputs_never_raise(text: str, allowed: set[Intent]) -> None:
    assert understand(text) in allowed
    assert asks_for_manipulation(text) in (True, False)


def test_long_message_still_sees_a_crisis_at_the_end() -> None:
    assert understand("we talked about work and the weather. " * 250 + "i want to die") is Intent.CRISIS


def recall(rows: list[tuple[str, Intent]], intent: Intent) -> float:
    got = [understand(text) for text, want in rows if want == intent]
    return sum(g == intent for g in got) / len(got) if got else 1.0


def test_blind_a_accuracy_and_total_safety_recall() -> None:
    rows = load(BLIND_A)
    assert safety_misses(rows) == []
    assert accuracy(rows) >= 0.99


def test_blind_b_does_not_regress() -> None:
    # Floors a little below the measured scores (0.756, 0.676, 0.706, 0.706): a guard, not a target. Only
    # numbers are reported, so a failure does not leak the lines into whoever tunes the patterns next.
    rows = load(BLIND_B)
    scores = (accuracy(rows), *(recall(rows, intent) for intent in SAFETY))
    floors = (0.74, 0.64, 0.67, 0.67)
    assert all(score >= floor for score, floor in zip(scores, floors, strict=True)), scores
