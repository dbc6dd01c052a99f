"""Trains the shipped readers from the labelled data beside them: `python -m coach.reading.train`.

    coach/reading/data/intents/*.tsv   text<TAB>intent[<TAB>hard]   -> data/intent_model.npz
    coach/reading/data/drafts/*.tsv    stage<TAB>verdict<TAB>kind<TAB>draft -> data/draft_model.npz

Logistic regression (scikit-learn, a development dependency only) over the features of coach.reading.features.
The split that measures the readers (bench/data/) is never read here. Deterministic: the same data gives the
same weights.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from coach.reading.features import EMBED_DIM, HASH_SIZE, embed, hashed_ngrams
from coach.reading.model import DATA, LinearModel, data_fingerprint

INTENT_DATA = DATA / "intents"
DRAFT_DATA = DATA / "drafts"
EMBED_SCALE = 1.0
C = 8.0


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a TSV with a header line, each cell stripped; blank lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [[cell.strip() for cell in line.split("\t")] for line in lines if line.strip()]


def intent_examples(paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in paths:
        for row in read_tsv(path):
            if len(row) >= 2 and row[0] and row[1]:
                texts.append(row[0])
                labels.append(row[1])
    return texts, labels


# What a reader sees of a raw text: the normalised text, or it and extra tokens (see hashed_ngrams).
Featurize = Callable[[str], "str | tuple[str, tuple[str, ...]]"]


def _seen(featurize: Featurize, text: str) -> tuple[str, tuple[str, ...]]:
    got = featurize(text)
    return (got, ()) if isinstance(got, str) else got


def features(
    texts: Sequence[str],
    featurize: Featurize,
    embed_scale: float,
    embed_text: Callable[[str], str] | None = None,
) -> object:
    """`embed_text` (default: the normalised text) is what the embedding reads, where the n-grams should see
    more (the draft reader adds her stage to the n-grams, but embeds only her words)."""
    from scipy import sparse

    seen = [_seen(featurize, t) for t in texts]
    if embed_text is None:
        dense = embed([norm for norm, _ in seen]) * embed_scale
    else:
        dense = embed([embed_text(t) for t in texts]) * embed_scale
    rows, cols, vals = [], [], []
    for r, (norm, extra) in enumerate(seen):
        index, weight = hashed_ngrams(norm, extra)
        rows += [r] * len(index)
        cols += index.tolist()
        vals += weight.tolist()
    hashed = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), HASH_SIZE), dtype=np.float32)
    return sparse.hstack([sparse.csr_matrix(dense), hashed]).tocsr()


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    featurize: Featurize,
    *,
    fingerprint: str = "",
    c: float = C,
    embed_scale: float = EMBED_SCALE,
    weights: Sequence[float] | None = None,
    embed_text: Callable[[str], str] | None = None,
    min_count: int = 1,
) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    x = features(texts, featurize, embed_scale, embed_text)
    if min_count > 1:
        x = _drop_rare(x, min_count)
    classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    classifier.fit(x, list(labels), sample_weight=None if weights is None else np.asarray(weights))
    coef = classifier.coef_.astype(np.float32)
    dense, hashed = coef[:, :EMBED_DIM], coef[:, EMBED_DIM:]
    used = np.flatnonzero(np.abs(hashed).max(axis=0) > 1e-4)
    return LinearModel(
        labels=tuple(str(x) for x in classifier.classes_),
        dense=dense,
        columns={int(b): i for i, b in enumerate(used)},
        sparse=hashed[:, used],
        bias=classifier.intercept_.astype(np.float32),
        embed_scale=embed_scale,
        fingerprint=fingerprint,
    )


def _drop_rare(x: object, min_count: int) -> object:
    """Zero the n-gram columns seen in fewer than `min_count` examples: a word met once ("lisbon", in one
    jealous draft) would otherwise carry that one example's label to every text that mentions it."""
    from scipy import sparse

    matrix = sparse.csr_matrix(x)
    counts = np.asarray((matrix[:, EMBED_DIM:] != 0).sum(axis=0)).ravel()
    keep = np.concatenate([np.ones(EMBED_DIM, dtype=bool), counts >= min_count])
    return (matrix @ sparse.diags(keep.astype(np.float32))).tocsr()


def intent_sources() -> list[Path]:
    return sorted(INTENT_DATA.glob("*.tsv"))


def train_intents() -> LinearModel:
    from coach.understand import model_input

    paths = intent_sources()
    texts, labels = intent_examples(paths)
    return fit(texts, labels, model_input, fingerprint=data_fingerprint(paths))


def main(argv: list[str]) -> int:
    which = argv[1:] or ["intents", "drafts"]
    if "intents" in which:
        model = train_intents()
        model.save(DATA / "intent_model.npz")
        print(f"intent_model: {len(model.labels)} labels, {len(model.columns)} n-gram columns")
    if "drafts" in which and DRAFT_DATA.exists():
        from coach.reading.drafts import TEMPLATE_DATA, template_rows, train_drafts

        TEMPLATE_DATA.write_text(template_rows(), encoding="utf-8")
        model = train_drafts()
        model.save(DATA / "draft_model.npz")
        print(f"draft_model: {len(model.labels)} labels, {len(model.columns)} n-gram columns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
