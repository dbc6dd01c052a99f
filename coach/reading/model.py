"""A linear reader over coach.reading.features: label probabilities for one message, in numpy only.

The weights are trained offline by coach.reading.train (scikit-learn's logistic regression) and stored as a
small .npz beside the labelled data they came from, together with a fingerprint of that data, so a test can
tell when the data changed and the weights were not retrained. Reading a message costs a few tens of
microseconds on top of the embedding.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.reading.features import EMBED_DIM, HASH_SIZE, embed_one, hashed_ngrams

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    dense: np.ndarray  # (labels, EMBED_DIM): weights on the embedding
    columns: dict[int, int]  # hashed n-gram bucket -> column of `sparse`
    sparse: np.ndarray  # (labels, used buckets): weights on the n-grams seen in training
    bias: np.ndarray  # (labels,)
    embed_scale: float  # how much the embedding weighs beside the n-grams (chosen in training)
    fingerprint: str  # of the training data; see data_fingerprint
    _lookup: np.ndarray = field(init=False, repr=False, compare=False)  # bucket -> column, or -1
    _by_column: np.ndarray = field(init=False, repr=False, compare=False)  # sparse.T, rows gathered fast

    def __post_init__(self) -> None:
        # One array lookup per message instead of a dict lookup per n-gram.
        lookup = np.full(HASH_SIZE, -1, dtype=np.int64)
        for bucket, column in self.columns.items():
            lookup[bucket] = column
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_by_column", np.ascontiguousarray(self.sparse.T))

    def probabilities(
        self, normalised: str, extra: tuple[str, ...] = (), *, embedding: np.ndarray | None = None
    ) -> dict[str, float]:
        """Label -> probability for one message (`normalised` as coach.understand.normalise makes it, `extra`
        the same tokens it was trained with; `embedding` when the embedding reads other words)."""
        if embedding is None:
            embedding = embed_one(normalised)
        scores = self.bias + self.dense @ (embedding * self.embed_scale)
        index, weight = hashed_ngrams(normalised, extra)
        if len(index):
            cols = self._lookup[index]
            seen = cols >= 0
            scores = scores + weight[seen] @ self._by_column[cols[seen]]
        scores = scores - scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        return dict(zip(self.labels, probs.tolist(), strict=True))

    def save(self, path: Path) -> None:
        order = sorted(self.columns, key=self.columns.__getitem__)
        np.savez_compressed(
            path,
            labels=np.asarray(self.labels),
            dense=self.dense.astype(np.float32),
            buckets=np.asarray(order, dtype=np.int64),
            sparse=self.sparse.astype(np.float16),
            bias=self.bias.astype(np.float32),
            embed_scale=np.asarray(self.embed_scale),
            fingerprint=np.asarray(self.fingerprint),
        )


def load_model(path: Path) -> LinearModel:
    with np.load(path, allow_pickle=False) as npz:
        buckets = npz["buckets"].tolist()
        dense = npz["dense"].astype(np.float32)
        if dense.shape[1] != EMBED_DIM:
            raise ValueError(f"{path.name}: made for {dense.shape[1]}-number embeddings, not {EMBED_DIM}")
        return LinearModel(
            labels=tuple(str(x) for x in npz["labels"].tolist()),
            dense=dense,
            columns={b: i for i, b in enumerate(buckets)},
            sparse=npz["sparse"].astype(np.float32),
            bias=npz["bias"].astype(np.float32),
            embed_scale=float(npz["embed_scale"]),
            fingerprint=str(npz["fingerprint"]),
        )


@functools.cache
def shipped(name: str) -> LinearModel:
    """A model shipped in coach/reading/data, by file name without .npz, loaded once."""
    return load_model(DATA / f"{name}.npz")


def data_fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
