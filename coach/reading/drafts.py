"""The second reader of a draft: what a coach would call it, learned from labelled drafts.

    coach/reading/data/drafts/*.tsv   stage<TAB>verdict<TAB>kind<TAB>draft   -> data/draft_model.npz

The model learns the kind of a draft rather than the verdict: "good", "wordy" (fine at heart, needs a lighter
touch), "too_soon" (feelings or commitment ahead of the step), "wait" (a good text at the wrong step), and the
harmful kinds below. Kinds generalise better than verdicts: "who was that girl in your story?" and "why were
you online at 3am?" share what they do (checking up on him), not their words. coach.review maps a kind to a
verdict and a reason, and only ever lets the model make a verdict stricter than its exact rules.

The stage matters ("coffee friday?" is the step in meet and too early in reconnect), so the n-grams also see
each word tagged with her stage; the embedding reads her words alone. In no_contact every text waits by rule,
so those rows teach the model only what harms (their stage tag is left out), and nothing about timing.

Training: `python -m coach.reading.train drafts` (scikit-learn, a development dependency only). Reading: numpy.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coach.reading.features import embed_one
from coach.reading.model import DATA, LinearModel, data_fingerprint, shipped

DRAFT_DATA = DATA / "drafts"
MODEL_NAME = "draft_model"

GOOD, WORDY, TOO_SOON, WAIT = "good", "wordy", "too_soon", "wait"
# The kinds that take his choice away or hurt her; none of them is ever "send".
HARMFUL = frozenset(
    {
        "jealousy",
        "checking_up",
        "ultimatum",
        "blame",
        "guilt",
        "late_night_sexual",
        "neediness",
        "lies_pressure",
        "threat",
        "self_harm",
    }
)
KINDS = frozenset({GOOD, WORDY, TOO_SOON, WAIT}) | HARMFUL

# Stages the model knows no timing for: no_contact waits by rule; intake and moving_on have no labelled drafts.
_UNTAGGED = frozenset({"no_contact", "intake", "moving_on"})

# Training choices, picked by five-fold cross-validation on the training files (bench/data is never read).
C = 16.0
EMBED_SCALE = 2.0
MIN_COUNT = 1

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_MARKS = re.compile(r"([?!.,…:;()])")


def normalise(draft: str) -> str:
    """Lower case, straight quotes, punctuation split off as its own token ("??" and "!!!" say something)."""
    text = _MARKS.sub(r" \1 ", draft.translate(_QUOTES).lower())
    return " ".join(text.split())


def _pack(draft: str, stage: str) -> str:
    return f"{stage}\t{draft}"


def _unpack(packed: str) -> tuple[str, str]:
    stage, _, draft = packed.partition("\t")
    return stage, draft


def _embed_text(packed: str) -> str:
    return normalise(_unpack(packed)[1])


def _ngram_text(packed: str) -> str:
    """Her words, then each word again tagged with her stage, so a word can mean one thing at one step only."""
    stage, draft = _unpack(packed)
    words = normalise(draft)
    if stage in _UNTAGGED or not words:
        return words
    return words + f" @{stage} " + " ".join(f"{stage}_{w}" for w in words.split())


def label_of(verdict: str, kind: str) -> str:
    """The training label of a row: its kind, except that any good text at the wrong time is "wait"."""
    if kind in HARMFUL or kind == TOO_SOON:
        return kind
    return WAIT if verdict == "wait" else kind


def sources() -> list[Path]:
    return sorted(DRAFT_DATA.glob("*.tsv"))


# The coach's own texts (coach/copy/drafts.py) are drafts a coach wrote for each step: good examples, kept as
# data beside the rest so the model learns them too. Written out by `python -m coach.reading.train drafts`;
# a test checks the file still matches the templates.
TEMPLATE_DATA = DRAFT_DATA / "coach_templates.tsv"
# The coach's own texts are known good and must pass its own review; among thousands of drafts written to teach
# subtle harm, a few hundred of them counted once were outvoted ("hey, just saying hi" read as a half-dig).
TEMPLATE_WEIGHT = 5.0
_TEMPLATE_FACTS = (
    ("Sam", "our trip to Lisbon", "his new pottery class"),
    ("Alex", "the night we got lost in Rome", "running"),
    ("Jordan", "that picnic by the lake", "the new job"),
)


def template_rows() -> str:
    """The TSV text of every template, and of the review's fallback text for each stage (what it offers when
    nothing of her draft can be kept), filled with a few different facts, labelled send/good at its stage."""
    from coach.copy.drafts import TEMPLATES, fill, review_fallback
    from coach.vocabulary import Stage

    lines = ["stage\tverdict\tkind\tdraft"]
    for stage in Stage:
        raws = {review_fallback(stage)} | {
            raw
            for pool in TEMPLATES.get(stage, {}).values()
            for template in pool
            for raw in (template.text, template.short_text)
        }
        texts = {
            fill(raw, name=name, memory=memory, now_into=now)
            for raw in raws
            for name, memory, now in _TEMPLATE_FACTS
        }
        lines += [f"{stage.value}\tsend\tgood\t{' '.join(t.split())}" for t in sorted(texts)]
    return "\n".join(lines) + "\n"


def read_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """(stage, verdict, kind, draft) rows of one labelled file; the header and blank lines are skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) >= 4 and cells[3].strip():
            out.append((cells[0].strip(), cells[1].strip(), cells[2].strip(), cells[3].strip()))
    return out


def examples(paths: Sequence[Path]) -> tuple[list[str], list[str], list[float]]:
    """Packed texts, labels and weights. Training balances the labels (coach.reading.train), which would give
    26 "too_soon" rows the weight of 400 "good" ones, and read big feelings into every hello. The weights undo
    that: each row counts once, so the model's odds follow how often a coach meets each kind."""
    texts, labels, boosts = [], [], []
    for path in paths:
        boost = TEMPLATE_WEIGHT if path.name == TEMPLATE_DATA.name else 1.0
        for stage, verdict, kind, draft in read_rows(path):
            if stage == "no_contact" and kind not in HARMFUL:
                continue  # no_contact waits by rule; see the module docstring
            texts.append(_pack(draft, stage))
            labels.append(label_of(verdict, kind))
            boosts.append(boost)
    counts = Counter(labels)
    mean = len(labels) / len(counts) if counts else 1.0
    weights = [counts[label] / mean * boost for label, boost in zip(labels, boosts, strict=True)]
    return texts, labels, weights


def train_drafts(
    paths: Sequence[Path] | None = None,
    *,
    c: float = C,
    embed_scale: float = EMBED_SCALE,
    min_count: int = MIN_COUNT,
) -> LinearModel:
    from coach.reading.train import fit

    paths = list(paths) if paths is not None else sources()
    texts, labels, weights = examples(paths)
    return fit(
        texts,
        labels,
        _ngram_text,
        embed_text=_embed_text,
        c=c,
        embed_scale=embed_scale,
        weights=weights,
        min_count=min_count,
        fingerprint=data_fingerprint(paths),
    )


def read(draft: str, stage: str, model: LinearModel | None = None) -> dict[str, float]:
    """Kind -> probability for a draft at her stage."""
    if model is None:
        return dict(_read_shipped(draft, str(stage)))
    return _read(draft, str(stage), model)


# The suggester reviews every text it offers, and the review reads it: the same few texts come back again and
# again. Pure, so a few hundred answers are remembered.
@functools.lru_cache(maxsize=512)
def _read_shipped(draft: str, stage: str) -> tuple[tuple[str, float], ...]:
    return tuple(_read(draft, stage, shipped(MODEL_NAME)).items())


def _read(draft: str, stage: str, model: LinearModel) -> dict[str, float]:
    packed = _pack(draft, stage)
    embedding: np.ndarray = embed_one(_embed_text(packed))
    return model.probabilities(_ngram_text(packed), embedding=embedding)
