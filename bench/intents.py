"""Intent benchmark: `python bench/intents.py [path.tsv ...]` scores coach.understand.read on labelled messages.

Each file is `text<TAB>intent[<TAB>hard]` with a header line; `hard` names the safety intent a hard negative
resembles. The default is bench/data/intents_never_tuned.tsv: written blind by someone who never saw the
readers, and never trained or tuned on (the only figure worth reporting). Prints per-intent precision and recall,
the confusions, how often the coach would ask, the time a reading takes, then one final line for scripts:

    accuracy            the likeliest reading is the label (an unsure reading still counts by its likeliest)
    *_recall            a safety message acted on at once, or asked about: a direct safety check, or offered
                        as a reading to choose (issue 9: a direct check counts as caught)
    *_exact             a safety message acted on at once
    hard_safety         hard negatives given a care reply at once
    hard_asked          hard negatives given a care reply or a safety question
    asked               messages the coach asks about instead of acting
    p99_ms              of one reading (after a warm-up), on this machine

`--whole-only` reads each message as a whole only, not also sentence by sentence (see coach.understand).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from coach import understand  # noqa: E402
from coach.understand import Reading, read  # noqa: E402
from coach.vocabulary import Intent  # noqa: E402

DEFAULT = ROOT / "bench" / "data" / "intents_never_tuned.tsv"
SAFETY = (Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO)


def load(path: Path) -> list[tuple[str, Intent, str]]:
    rows: list[tuple[str, Intent, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if n == 0 or not line.strip():
            continue
        cells = line.split("\t")
        rows.append((cells[0], Intent(cells[1].strip()), cells[2].strip() if len(cells) > 2 else ""))
    return rows


def caught(reading: Reading, intent: Intent) -> bool:
    return reading.intent is intent or reading.check is intent or intent in reading.alternatives


def share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv[1:] if not a.startswith("--")] or [DEFAULT]
    if "--whole-only" in argv:  # what reading each sentence of a long message too costs and brings
        understand.POOL_FLOOR = float("inf")
    rows = [row for path in paths for row in load(path)]
    read("warm up")  # loads the model once
    readings, times = [], []
    for text, _, _ in rows:
        start = time.perf_counter()
        readings.append(read(text))
        times.append(time.perf_counter() - start)
    pairs = [(want, got.intent) for (_, want, _), got in zip(rows, readings, strict=True)]
    print(f"{', '.join(str(p) for p in paths)}: {len(rows)} messages\n")
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
        for (want, got), count in confusions.most_common(25):
            print(f"  {want.value} -> {got.value}: {count}")
    if "--lines" in sys.argv:  # never on the never-tuned split while tuning: it would stop being one
        for (text, want, _), got in zip(rows, readings, strict=True):
            if got.intent != want:
                print(f"  [{want.value} -> {got.intent.value}] {text}")
    accuracy = share([want == got for want, got in pairs])
    recall = {
        s: share([caught(r, s) for (_, w, _), r in zip(rows, readings, strict=True) if w == s])
        for s in SAFETY
    }
    exact = {
        s: share([r.intent is s for (_, w, _), r in zip(rows, readings, strict=True) if w == s])
        for s in SAFETY
    }
    hard = [r for (_, w, h), r in zip(rows, readings, strict=True) if h and w not in SAFETY]
    hard_safety = share([r.intent in SAFETY for r in hard])
    hard_asked = share(
        [r.intent in SAFETY or r.check is not None or any(a in SAFETY for a in r.alternatives) for r in hard]
    )
    asked = share([not r.sure for r in readings])
    times.sort()
    p50, p99 = (times[int(q * (len(times) - 1))] * 1000 for q in (0.5, 0.99))
    print(f"\nreading time p50={p50:.3f} ms p99={p99:.3f} ms; hard negatives: {len(hard)}")
    print(
        f"intents accuracy={accuracy:.3f} crisis_recall={recall[Intent.CRISIS]:.3f} "
        f"unsafe_recall={recall[Intent.UNSAFE]:.3f} he_said_no_recall={recall[Intent.HE_SAID_NO]:.3f} "
        f"crisis_exact={exact[Intent.CRISIS]:.3f} unsafe_exact={exact[Intent.UNSAFE]:.3f} "
        f"he_said_no_exact={exact[Intent.HE_SAID_NO]:.3f} hard_safety={hard_safety:.3f} "
        f"hard_asked={hard_asked:.3f} asked={asked:.3f} p99_ms={p99:.3f} n={len(rows)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv if a != "--lines"]))
