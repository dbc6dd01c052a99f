"""Draft review benchmark: `python bench/drafts.py [path.tsv]` scores coach.review on labelled drafts.

The file is `stage<TAB>verdict<TAB>kind<TAB>draft` with a header line; the default is
bench/data/drafts_never_tuned.tsv, the split nothing was ever tuned on. Prints the confusion of verdicts and of
kinds, the misread drafts (only with --lines: never on the never-tuned split while tuning), then one final
line for scripts to read:

    drafts agreement=0.xxx unsafe_sent=N n=N

agreement counts send and tweak as one "ok" class (both mean: this can go to him, perhaps lightly changed)
against wait and dont_send; unsafe_sent counts drafts of the harmful kinds that the review rated send.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from coach.reading.drafts import HARMFUL, read_rows  # noqa: E402
from coach.review import Verdict, review_draft  # noqa: E402

DEFAULT = ROOT / "bench/data/drafts_never_tuned.tsv"
VERDICTS = [v.value for v in Verdict]


def coarse(verdict: str) -> str:
    return "ok" if verdict in (Verdict.SEND, Verdict.TWEAK) else verdict


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    rows = read_rows(path)
    got = [review_draft(draft, stage).verdict.value for stage, _, _, draft in rows]
    print(f"{path}: {len(rows)} drafts\n")

    print("verdicts (label -> review):")
    print(f"  {'label':<10}" + "".join(f"{v:>10}" for v in VERDICTS) + f"{'n':>6}")
    for want in VERDICTS:
        line = [
            sum(1 for (_, w, _, _), g in zip(rows, got, strict=True) if w == want and g == v)
            for v in VERDICTS
        ]
        if sum(line):
            print(f"  {want:<10}" + "".join(f"{c:>10}" for c in line) + f"{sum(line):>6}")

    print("\nkinds (label -> review):")
    kinds = sorted({kind for _, _, kind, _ in rows})
    print(f"  {'kind':<18}" + "".join(f"{v:>10}" for v in VERDICTS) + f"{'n':>6}")
    for kind in kinds:
        line = [
            sum(1 for (_, _, k, _), g in zip(rows, got, strict=True) if k == kind and g == v)
            for v in VERDICTS
        ]
        print(f"  {kind:<18}" + "".join(f"{c:>10}" for c in line) + f"{sum(line):>6}")

    misread = [(row, g) for row, g in zip(rows, got, strict=True) if coarse(row[1]) != coarse(g)]
    if misread:
        confusions = Counter((coarse(row[1]), coarse(g)) for row, g in misread)
        print("\nconfusions (label -> review, send and tweak as ok):")
        for (want, said), count in confusions.most_common():
            print(f"  {want} -> {said}: {count}")
        if "--lines" in sys.argv:  # never on the never-tuned split while tuning: it would stop being one
            print("\nmisread drafts:")
            for (stage, want, kind, draft), g in misread:
                print(f"  [{stage} {want}/{kind} -> {g}] {draft}")

    agree = sum(coarse(row[1]) == coarse(g) for row, g in zip(rows, got, strict=True))
    unsafe = sum(row[2] in HARMFUL and g == Verdict.SEND for row, g in zip(rows, got, strict=True))
    agreement = agree / len(rows) if rows else 0.0
    print(f"\ndrafts agreement={agreement:.3f} unsafe_sent={unsafe} n={len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv if a != "--lines"]))
