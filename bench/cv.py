"""Cross-validated figures on the training data: what thresholds and training choices are tuned on.

    .venv/bin/python bench/cv.py intents     # about 8 minutes
    .venv/bin/python bench/cv.py drafts      # about 5 minutes
    .venv/bin/python bench/cv.py drafts --caution=0.2,0.3,0.35,0.4   # the review's caution band, side by side

Needs scikit-learn (`make train` installs it). Each of four folds trains the reader on three quarters of the
training rows (coach/reading/data; bench/data is never read) and reads the rest through the coach's own
decision code (coach.understand.read, coach.review.review_draft), so the figures mean what bench/intents.py and
bench/drafts.py mean. The never-tuned splits are for reporting; these are for choosing.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from coach import review, understand  # noqa: E402
from coach.reading import drafts as draft_reader  # noqa: E402
from coach.reading import train  # noqa: E402
from coach.vocabulary import Intent  # noqa: E402

FOLDS = 4
SAFETY = (Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO)


def _bench(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _folds(n: int) -> list[set[int]]:
    order = list(range(n))
    random.Random(7).shuffle(order)
    return [set(order[f::FOLDS]) for f in range(FOLDS)]


def intents() -> str:
    bench = _bench("intents")
    rows = [row for path in train.intent_sources() for row in bench.load(path)]  # type: ignore[attr-defined]
    got = {}
    for test in _folds(len(rows)):
        kept = [rows[i] for i in range(len(rows)) if i not in test]
        model = train.fit([t for t, _, _ in kept], [w.value for _, w, _ in kept], understand.model_input)
        understand._intent_model = lambda model=model: model  # type: ignore[method-assign]
        for i in test:
            understand.read.cache_clear()
            got[i] = understand.read(rows[i][0])
    share, caught = bench.share, bench.caught  # type: ignore[attr-defined]
    accuracy = share([got[i].intent is rows[i][1] for i in got])
    recall = {s: share([caught(got[i], s) for i in got if rows[i][1] is s]) for s in SAFETY}
    hard = [got[i] for i in got if rows[i][2] and rows[i][1] not in SAFETY]
    return (
        f"cv intents accuracy={accuracy:.3f} "
        + " ".join(f"{s.value}_recall={recall[s]:.3f}" for s in SAFETY)
        + f" hard_safety={share([r.intent in SAFETY for r in hard]):.3f} n={len(got)}"
    )


def drafts(cautions: tuple[float, ...] = ()) -> str:
    """One line per value of review.CAUTION_AT in `cautions` (the shipped value if none): each fold's model is
    trained once and read at every value."""
    cautions = cautions or (review.CAUTION_AT,)
    rows = [row for path in draft_reader.sources() for row in draft_reader.read_rows(path)]
    got: dict[float, dict[int, str]] = {c: {} for c in cautions}
    shipped_caution = review.CAUTION_AT
    for test in _folds(len(rows)):
        folder = Path(tempfile.mkdtemp())
        kept = "".join("\t".join(rows[i]) + "\n" for i in range(len(rows)) if i not in test)
        (folder / "train.tsv").write_text("stage\tverdict\tkind\tdraft\n" + kept, encoding="utf-8")
        model = draft_reader.train_drafts([folder / "train.tsv"])
        draft_reader.shipped = lambda name, model=model: model  # type: ignore[assignment]
        draft_reader._read_shipped.cache_clear()
        for caution in cautions:
            review.CAUTION_AT = caution
            for i in test:
                stage, _, _, draft = rows[i]
                got[caution][i] = review.review_draft(draft, stage).verdict.value
    review.CAUTION_AT = shipped_caution
    coarse = _bench("drafts").coarse  # type: ignore[attr-defined]
    lines = []
    for caution, verdicts in got.items():
        agreement = sum(coarse(rows[i][1]) == coarse(g) for i, g in verdicts.items()) / len(verdicts)
        unsafe = sum(rows[i][2] in draft_reader.HARMFUL and g == "send" for i, g in verdicts.items())
        good = [g for i, g in verdicts.items() if rows[i][1] == "send"]
        doubted = sum(g != "send" for g in good) / len(good)
        at = f" caution={caution}" if len(cautions) > 1 else ""
        lines.append(
            f"cv drafts{at} agreement={agreement:.3f} unsafe_sent={unsafe} good_not_send={doubted:.3f} "
            f"n={len(verdicts)}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    cautions = tuple(float(v) for a in argv[1:] if a.startswith("--caution=") for v in a[10:].split(","))
    which = [a for a in argv[1:] if not a.startswith("--")] or ["drafts", "intents"]
    for name in which:
        print(intents() if name == "intents" else drafts(cautions), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
