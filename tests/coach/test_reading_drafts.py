"""The draft reader's shipped weights match its labelled data, and that data is what it claims to be."""

from __future__ import annotations

from pathlib import Path

from coach.reading import drafts as reader
from coach.reading.model import data_fingerprint, shipped


def test_the_shipped_draft_model_is_trained_on_the_current_data() -> None:
    model = shipped(reader.MODEL_NAME)
    assert model.fingerprint == data_fingerprint(reader.sources()), (
        "the labelled drafts changed: retrain with `.venv/bin/python -m coach.reading.train drafts`"
    )
    assert set(model.labels) <= reader.KINDS and reader.HARMFUL <= set(model.labels)


def test_training_files_are_well_formed_and_never_the_bench_split() -> None:
    paths = reader.sources()
    assert paths and all("bench" not in p.parts for p in paths)
    for path in paths:
        for stage, verdict, kind, draft in reader.read_rows(path):
            assert verdict in {"send", "tweak", "wait", "dont_send"}, (path.name, draft)
            assert kind in reader.KINDS | {"wordy", "wrong_time"}, (path.name, kind)
            assert stage and draft, path.name


def test_no_draft_of_a_never_tuned_split_is_training_data() -> None:
    bench = Path(__file__).resolve().parents[2] / "bench" / "data"
    splits = sorted(bench.glob("drafts_never_tuned*.tsv"))
    never = {draft.lower() for path in splits for *_, draft in reader.read_rows(path)}
    trained = {draft.lower() for path in reader.sources() for *_, draft in reader.read_rows(path)}
    assert len(splits) >= 3 and len(never) > 1000
    assert not never & trained


def test_the_reader_tells_a_kind_text_from_a_harmful_one() -> None:
    kind = reader.read("hey, how have you been?", "reconnect")
    harm = reader.read("answer me by tonight or i'm done with you", "reconnect")
    assert sum(kind[k] for k in reader.HARMFUL) < 0.5 < sum(harm[k] for k in reader.HARMFUL)


def test_the_coachs_own_texts_are_training_data_as_they_are_now() -> None:
    # After changing a template in coach/copy/drafts.py: `python -m coach.reading.train drafts`.
    assert reader.TEMPLATE_DATA.read_text(encoding="utf-8") == reader.template_rows()
