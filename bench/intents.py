"""Intent benchmark: `python bench/intents.py [path.tsv]` scores coach.understand on labelled messages.

The file is `text<TAB>intent` with a header line; the default is ../shared/intents/dev.tsv beside the project.
Prints per-intent precision and recall, the confusions, then one FINAL line for scripts to read.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from coach.understand import understand  # noqa: E402
from coach.vocabulary import Intent  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared/intents/dev.tsv"
SAFETY = (Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO)


def load(path: Path) -> list[tuple[str, Intent]]:
    rows: list[tuple[str, Intent]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if n == 0 or not line.strip():
            continue
        text, _, label = line.rpartition("\t")
        rows.append((text, Intent(label.strip())))
    return rows


def recall(pairs: list[tuple[Intent, Intent]], intent: Intent) -> float:
    gold = [got for want, got in pairs if want == intent]
    return sum(got == intent for got in gold) / len(gold) if gold else 1.0


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    rows = load(path)
    pairs = [(want, understand(text)) for text, want in rows]
    print(f"{path}: {len(rows)} messages\n")
    print(f"{'intent':<16} {'prec':>6} {'recall':>6} {'n':>4}")
    for intent in Intent:
        gold = sum(want == intent for want, _ in pairs)
        said = sum(got == intent for _, got in pairs)
        hits = sum(want == got == intent for want, got in pairs)
        if gold or said:
            prec = hits / said if said else 0.0
            print(f"{intent.value:<16} {prec:>6.3f} {hits / gold if gold else 0.0:>6.3f} {gold:>4}")
    confusions = Counter((want, got) for want, got in pairs if want != got)
    if confusions:
        print("\nconfusions (expected -> got):")
        for (want, got), count in confusions.most_common():
            print(f"  {want.value} -> {got.value}: {count}")
        print("\nmisread messages:")
        for (text, want), (_, got) in zip(rows, pairs, strict=True):
            if want != got:
                print(f"  [{want.value} -> {got.value}] {text}")
    accuracy = sum(want == got for want, got in pairs) / len(pairs) if pairs else 0.0
    crisis, unsafe, said_no = (recall(pairs, intent) for intent in SAFETY)
    print(
        f"\nintents accuracy={accuracy:.3f} crisis_recall={crisis:.3f} unsafe_recall={unsafe:.3f} "
        f"he_said_no_recall={said_no:.3f} n={len(rows)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
