"""What the trained readers see of a message: a sentence embedding plus hashed word and character n-grams.

The embedding comes from WordLlama (`wordllama` on PyPI), a small language model's token embeddings pooled into
a 256-number vector. Its weights ship inside the wheel (16 MB), so nothing is ever downloaded: it is loaded
from the package's own folder with downloads disabled. It carries meaning across wordings ("lighter without
me" lands near "better off without me"); the n-grams carry the exact words and survive typos. Both go into one
linear model per task (see coach.reading.model), trained on labelled examples kept beside this file.

Pure functions of the text; the model is loaded once, on first use (about 0.2 s).
"""

from __future__ import annotations

import functools
import os
import zlib
from typing import Any

import numpy as np

EMBED_DIM = 256
HASH_BITS = 18
HASH_SIZE = 1 << HASH_BITS
_MAX_CHARS = 1_000  # the start of a message says what it is about; also bounds the cost of a huge text


@functools.cache
def _wordllama() -> Any:
    import wordllama
    from wordllama import WordLlama

    # WordLlama's loader looks for its bundled tokenizer in the wrong folder unless pointed at its own.
    folder = os.path.dirname(wordllama.__file__)
    return WordLlama.load(dim=EMBED_DIM, cache_dir=folder, disable_download=True)


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings, one row per text (an empty text is a zero row)."""
    clipped = [t[:_MAX_CHARS] for t in texts]
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty text has no length to divide by
        vectors = np.asarray(_wordllama().embed(clipped, norm=True), dtype=np.float32)
    vectors[[not t.strip() for t in clipped]] = 0.0
    return np.nan_to_num(vectors, copy=False)


def embed_one(text: str) -> np.ndarray:
    """embed([text])[0], without the batch machinery: one message is read per step, and this is the hot path.
    Same numbers (the mean of the token vectors, made unit length), about half the time."""
    clipped = text[:_MAX_CHARS]
    model = _wordllama()
    if not clipped.strip():
        return np.zeros(EMBED_DIM, dtype=np.float32)
    table = model.embedding
    ids = np.asarray(model.tokenizer.encode(clipped, add_special_tokens=False).ids, dtype=np.int64)
    if not len(ids):
        return np.zeros(EMBED_DIM, dtype=np.float32)
    np.clip(ids, 0, table.shape[0] - 1, out=ids)
    vector = table[ids].mean(axis=0, dtype=np.float32)
    length = float(np.linalg.norm(vector))
    return vector / length if length > 0 else np.zeros(EMBED_DIM, dtype=np.float32)


def _bucket(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & (HASH_SIZE - 1)


@functools.lru_cache(maxsize=65_536)
def _word_buckets(word: str) -> tuple[int, ...]:
    # Words recur from message to message: their own and their pieces' buckets are worked out once.
    padded = f"<{word}>"
    pieces = [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return (_bucket(f"w:{word}"), *(_bucket(f"c:{p}") for p in pieces))


def hashed_ngrams(normalised: str, extra: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Indices and weights of the words, word pairs and 3- to 5-letter pieces of a normalised text, plus
    `extra` tokens (what the exact rules found, say).

    Weights are 1/sqrt(n) so a long message weighs no more than a short one.
    """
    words = normalised[:_MAX_CHARS].split()
    buckets = [_bucket(f"x:{t}") for t in extra]
    buckets += [_bucket(f"b:{a} {b}") for a, b in zip(words, words[1:], strict=False)]
    for word in words:
        buckets += _word_buckets(word)
    if not buckets:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    index = np.unique(np.asarray(buckets, dtype=np.int64))
    weight = np.full(len(index), 1.0 / np.sqrt(len(index)), dtype=np.float32)
    return index, weight
