"""SqlStore against real databases: SQLite (inline and aiosqlite) and, when configured, PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, pool, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from coach.ports import HistoryKind, NudgeStatus, StageChange, Store, Transaction
from coach.vocabulary import (
    Facts,
    Journey,
    Note,
    NoteKind,
    NudgeKind,
    Prefs,
    Pronoun,
    Question,
    Reply,
    Stage,
    Timer,
)
from storage.db import INLINE_BUSY_TIMEOUT_MS
from storage.migrate import alembic_config, upgrade_to_head
from storage.models import metadata
from storage.store import SqlStore, open_store

from .conftest import Backend

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALICE = 7_000_000_001  # beyond 32 bits, like real Telegram ids
BOB = 7_000_000_002


async def _on_connection(url: str, fn: Any) -> Any:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


async def _all_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    def read(conn: Connection) -> dict[str, list[dict[str, Any]]]:
        return {
            name: [dict(row._mapping) for row in conn.execute(select(table))]
            for name, table in metadata.tables.items()
        }

    result: dict[str, list[dict[str, Any]]] = await _on_connection(url, read)
    return result


async def _new_user(store: SqlStore, user_id: int = ALICE, chat_id: int | None = None) -> None:
    async with store.transaction() as tx:
        await tx.users.touch(user_id, chat_id if chat_id is not None else user_id + 1, NOW)


# --- migrations ---------------------------------------------------------------------------------------------


async def test_upgrade_is_idempotent_and_schema_matches_models(backend: Backend) -> None:
    await upgrade_to_head(backend.url)
    await upgrade_to_head(backend.url)  # every startup calls it

    def inspect(conn: Connection) -> tuple[list[Any], str | None]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata), context.get_current_revision()

    diff, revision = await _on_connection(backend.url, inspect)
    assert diff == []
    assert revision == ScriptDirectory.from_config(alembic_config(backend.url)).get_current_head()


async def test_sqlite_folder_is_created(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'a' / 'b' / 'coach.db'}"
    store = await open_store(url)
    try:
        async with store.transaction() as tx:
            assert await tx.users.get(ALICE) is None
    finally:
        await store.close()
    assert (tmp_path / "a" / "b" / "coach.db").exists()


async def test_sql_store_implements_the_ports(store: SqlStore) -> None:
    as_port: Store = store  # checked by mypy: SqlStore and SqlTransaction satisfy coach.ports
    async with as_port.transaction() as tx:
        tx_port: Transaction = tx
        assert await tx_port.users.get(ALICE) is None


# --- users --------------------------------------------------------------------------------------------------


async def test_touch_creates_then_reactivates_and_keeps_created_at(store: SqlStore) -> None:
    async with store.transaction() as tx:
        first = await tx.users.touch(ALICE, 42, NOW)
    assert (first.user_id, first.chat_id, first.active, first.created_at) == (ALICE, 42, True, NOW)
    assert first.last_unprompted_at is None

    async with store.transaction() as tx:
        await tx.users.set_active(ALICE, False)
        assert (await tx.users.get(ALICE)).active is False  # type: ignore[union-attr]
        await tx.users.set_last_unprompted(ALICE, NOW + timedelta(hours=1))

    async with store.transaction() as tx:
        again = await tx.users.touch(ALICE, 43, NOW + timedelta(days=2))
    assert again.active is True
    assert again.chat_id == 43
    assert again.created_at == NOW
    assert again.last_unprompted_at == NOW + timedelta(hours=1)


async def test_get_unknown_user_is_none(store: SqlStore) -> None:
    async with store.transaction() as tx:
        assert await tx.users.get(BOB) is None


async def test_datetimes_come_back_aware_utc(store: SqlStore) -> None:
    plus_five = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2025, 3, 1, 17, 30, tzinfo=plus_five)  # 12:00 UTC
    async with store.transaction() as tx:
        user = await tx.users.touch(ALICE, 1, local)
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.REACH_OUT, local)], frozenset(), local)
        await tx.history.add(ALICE, local, HistoryKind.MESSAGE_IN, "hi")
    async with store.transaction() as tx:
        fetched = await tx.users.get(ALICE)
        timers = await tx.nudges.pending(ALICE)
        items = await tx.history.recent(ALICE)
    for value in (user.created_at, fetched.created_at, timers[0].due_at, items[0].at):  # type: ignore[union-attr]
        assert value == NOW
        assert value.tzinfo is UTC


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with store.transaction() as tx:
            await tx.users.touch(ALICE, 1, datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="naive datetime"):
        async with store.transaction() as tx:
            await tx.history.add(ALICE, datetime(2025, 1, 1), HistoryKind.MESSAGE_IN, "x")


# --- journeys -----------------------------------------------------------------------------------------------


def _full_journey() -> Journey:
    elsewhere = timezone(timedelta(hours=-4))
    return Journey(
        stage=Stage.RECONNECT,
        stage_since=NOW - timedelta(days=3),
        started_at=datetime(2025, 1, 1, 8, 15, 30, 123456, tzinfo=elsewhere),
        facts=Facts(
            his_name="Sam",
            pronoun=Pronoun.THEY,
            ended="months",
            who_ended="mutual",
            his_reason="distance",
            still_talk="no_contact",
            ready="yes",
            reason_named="we stopped making time",
            now_into="climbing",
            memories=("the lake", "Lisbon, 2019", "ünïcødé ✨"),
        ),
        prefs=Prefs(timezone="Europe/Lisbon", quiet_start=23, quiet_end=7, nudge_hour=18, paused=True),
        awaiting=Question.DRAFT,
        last_contact_at=NOW - timedelta(days=30),
        best_streak_days=21,
        slips=2,
        unanswered=1,
        last_text_at=NOW - timedelta(hours=5),
        last_met_at=None,
        he_said_no=False,
        unsafe=False,
        quiet_until=NOW + timedelta(hours=20),
        suggestion_round=4,
    )


async def test_journey_round_trip_keeps_every_field(store: SqlStore) -> None:
    await _new_user(store)
    journey = _full_journey()
    async with store.transaction() as tx:
        assert await tx.journeys.load(ALICE) is None
        await tx.journeys.save(ALICE, journey, NOW)
    async with store.transaction() as tx:
        loaded = await tx.journeys.load(ALICE)
    assert loaded == journey
    assert loaded is not None
    assert isinstance(loaded.stage, Stage) and isinstance(loaded.facts.pronoun, Pronoun)
    assert isinstance(loaded.awaiting, Question)
    assert loaded.facts.memories == ("the lake", "Lisbon, 2019", "ünïcødé ✨")
    assert isinstance(loaded.facts.memories, tuple)
    assert loaded.started_at is not None and loaded.started_at.tzinfo is not None

    changed = journey.evolve(stage=Stage.DISCUSS, stage_since=NOW, awaiting=None)
    async with store.transaction() as tx:
        await tx.journeys.save(ALICE, changed, NOW + timedelta(minutes=1))
    async with store.transaction() as tx:
        assert await tx.journeys.load(ALICE) == changed
    rows = (await _all_rows(store.url))["journeys"]
    assert [(r["stage"], r["user_id"]) for r in rows] == [("discuss", ALICE)]


async def test_saving_an_unchanged_journey_writes_nothing(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        await tx.journeys.save(ALICE, Journey(), NOW)
    async with store.transaction() as tx:
        loaded = await tx.journeys.load(ALICE)
        assert loaded is not None
        await tx.journeys.save(ALICE, loaded, NOW + timedelta(days=1))
    (row,) = (await _all_rows(store.url))["journeys"]
    assert row["updated_at"] in (NOW, NOW.replace(tzinfo=None))  # the raw column, through plain select


# --- history and entries -------------------------------------------------------------------------------------


async def test_history_recent_is_the_latest_oldest_first(store: SqlStore) -> None:
    await _new_user(store)
    await _new_user(store, BOB)
    async with store.transaction() as tx:
        # Added out of order; two share a time and keep the order they were added in.
        await tx.history.add(ALICE, NOW + timedelta(minutes=2), HistoryKind.MESSAGE_OUT, "c")
        await tx.history.add(ALICE, NOW, HistoryKind.MESSAGE_IN, "a")
        await tx.history.add(ALICE, NOW + timedelta(minutes=1), HistoryKind.MESSAGE_IN, "b1")
        await tx.history.add(ALICE, NOW + timedelta(minutes=1), HistoryKind.MESSAGE_OUT, "b2", "detail")
        await tx.history.add(BOB, NOW, HistoryKind.MESSAGE_IN, "bob's")
        # Reads inside the same transaction see what was added.
        assert [i.text for i in await tx.history.recent(ALICE)] == ["a", "b1", "b2", "c"]
    async with store.transaction() as tx:
        items = await tx.history.recent(ALICE)
        last_two = await tx.history.recent(ALICE, limit=2)
    assert [i.text for i in items] == ["a", "b1", "b2", "c"]
    assert [i.text for i in last_two] == ["b2", "c"]
    assert items[2].detail == "detail" and items[2].kind is HistoryKind.MESSAGE_OUT
    assert isinstance(items[0].kind, HistoryKind)


async def test_stage_changes(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        await tx.history.add(ALICE, NOW, HistoryKind.STAGE_CHANGE, "", "->intake")
        await tx.history.add(ALICE, NOW + timedelta(days=1), HistoryKind.MESSAGE_IN, "ready")
        await tx.history.add(
            ALICE, NOW + timedelta(days=1), HistoryKind.STAGE_CHANGE, "", "intake->understand"
        )
        await tx.history.add(ALICE, NOW + timedelta(days=2), HistoryKind.STAGE_CHANGE, "", "understand->gone")
    async with store.transaction() as tx:
        changes = await tx.history.stage_changes(ALICE)
    assert changes == [
        StageChange(at=NOW, from_stage=None, to_stage=Stage.INTAKE),
        StageChange(at=NOW + timedelta(days=1), from_stage=Stage.INTAKE, to_stage=Stage.UNDERSTAND),
    ]


async def test_entries_by_kind(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        for i in range(5):
            await tx.entries.add(ALICE, Note(NoteKind.JOURNAL, f"j{i}"), NOW + timedelta(hours=i))
        await tx.entries.add(ALICE, Note(NoteKind.MOOD, "", 3), NOW + timedelta(minutes=30))
        await tx.entries.add(ALICE, Note(NoteKind.UNSENT, "dear Sam"), NOW + timedelta(minutes=90))
    async with store.transaction() as tx:
        journal = await tx.entries.recent(ALICE, [NoteKind.JOURNAL], limit=3)
        moods = await tx.entries.recent(ALICE, [NoteKind.MOOD])
        mixed = await tx.entries.recent(ALICE, [NoteKind.JOURNAL, NoteKind.UNSENT], limit=10)
        none = await tx.entries.recent(ALICE, [])
    assert [e.text for e in journal] == ["j2", "j3", "j4"]
    assert [(e.kind, e.value) for e in moods] == [(NoteKind.MOOD, 3)]
    assert [e.text for e in mixed] == ["j0", "j1", "dear Sam", "j2", "j3", "j4"]
    assert none == []


# --- nudges -------------------------------------------------------------------------------------------------


async def test_apply_sets_replaces_and_cancels(store: SqlStore) -> None:
    await _new_user(store)
    day = timedelta(days=1)
    async with store.transaction() as tx:
        await tx.nudges.apply(
            ALICE,
            [Timer(NudgeKind.SELF_WORK, NOW + day), Timer(NudgeKind.REACH_OUT, NOW + 21 * day)],
            frozenset(),
            NOW,
        )
    async with store.transaction() as tx:
        # Replaces self_work (twice in one call: the last wins), cancels reach_out, nothing else.
        await tx.nudges.apply(
            ALICE,
            [Timer(NudgeKind.SELF_WORK, NOW + 3 * day), Timer(NudgeKind.SELF_WORK, NOW + 2 * day)],
            frozenset({NudgeKind.REACH_OUT, NudgeKind.QUIET_WEEK}),
            NOW,
        )
        assert await tx.nudges.pending(ALICE) == [Timer(NudgeKind.SELF_WORK, NOW + 2 * day)]
    async with store.transaction() as tx:
        # Cancel and set the same kind: the new timer stands.
        await tx.nudges.apply(
            ALICE, [Timer(NudgeKind.REACH_OUT, NOW + day)], frozenset({NudgeKind.REACH_OUT}), NOW
        )
        await tx.nudges.apply(ALICE, [], frozenset(), NOW)  # nothing to do
        assert await tx.nudges.pending(ALICE) == [
            Timer(NudgeKind.REACH_OUT, NOW + day),
            Timer(NudgeKind.SELF_WORK, NOW + 2 * day),
        ]
    rows = (await _all_rows(store.url))["nudges"]
    assert sorted((r["kind"], r["status"]) for r in rows) == [
        ("reach_out", "cancelled"),
        ("reach_out", "pending"),
        ("self_work", "pending"),
    ]
    async with store.transaction() as tx:
        await tx.nudges.cancel_all(ALICE)
        assert await tx.nudges.pending(ALICE) == []


async def test_claim_due_marks_and_next_due_skips_inactive(store: SqlStore) -> None:
    for uid in (ALICE, BOB):
        await _new_user(store, uid, chat_id=uid + 10)
    async with store.transaction() as tx:
        assert await tx.nudges.next_due_at() is None
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW - timedelta(hours=1))], frozenset(), NOW)
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.REACH_OUT, NOW + timedelta(hours=1))], frozenset(), NOW)
        await tx.nudges.apply(BOB, [Timer(NudgeKind.SELF_WORK, NOW - timedelta(hours=2))], frozenset(), NOW)
        await tx.users.set_active(BOB, False)  # he blocked the bot: his nudges wait
        assert await tx.nudges.next_due_at() == NOW - timedelta(hours=1)

    async with store.transaction() as tx:
        due = await tx.nudges.claim_due(NOW, 10, "worker-1")
    assert [(d.user_id, d.chat_id, d.kind, d.due_at, d.attempts) for d in due] == [
        (ALICE, ALICE + 10, NudgeKind.SELF_WORK, NOW - timedelta(hours=1), 0)
    ]
    async with store.transaction() as tx:
        assert await tx.nudges.claim_due(NOW, 10, "worker-2") == []  # claimed rows are not pending
        assert await tx.nudges.next_due_at() == NOW + timedelta(hours=1)
        await tx.nudges.mark([due[0].nudge_id], NudgeStatus.SENT, NOW)
        await tx.nudges.mark([], NudgeStatus.SENT, NOW)
    rows = {r["id"]: r for r in (await _all_rows(store.url))["nudges"]}
    sent = rows[due[0].nudge_id]
    assert sent["status"] == "sent" and sent["claimed_by"] == "worker-1"

    async with store.transaction() as tx:
        await tx.users.touch(BOB, BOB + 10, NOW)  # back: his overdue nudge is sent now
        again = await tx.nudges.claim_due(NOW, 10, "worker-1")
    assert [(d.user_id, d.kind) for d in again] == [(BOB, NudgeKind.SELF_WORK)]


async def test_claim_due_is_oldest_first_and_limited(store: SqlStore) -> None:
    kinds = list(NudgeKind)
    users = [ALICE + i for i in range(6)]
    for uid in users:
        await _new_user(store, uid)
    async with store.transaction() as tx:
        for i, uid in enumerate(users):
            await tx.nudges.apply(uid, [Timer(kinds[i % 3], NOW - timedelta(minutes=i))], frozenset(), NOW)
    async with store.transaction() as tx:
        first = await tx.nudges.claim_due(NOW, 4, "w")
        rest = await tx.nudges.claim_due(NOW, 4, "w")
    assert [d.user_id for d in first] == users[::-1][:4]
    assert [d.user_id for d in rest] == users[::-1][4:]


async def test_reschedule_and_release_stale_claims(store: SqlStore) -> None:
    await _new_user(store)
    await _new_user(store, BOB)
    async with store.transaction() as tx:
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.REACH_OUT, NOW)], frozenset(), NOW)
        await tx.nudges.apply(BOB, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
        claimed = {(d.user_id, d.kind): d for d in await tx.nudges.claim_due(NOW, 10, "crashed")}
    assert len(claimed) == 3

    later = NOW + timedelta(hours=9)
    async with store.transaction() as tx:
        # Quiet hours: back to pending at a later time.
        await tx.nudges.reschedule(claimed[(ALICE, NudgeKind.SELF_WORK)].nudge_id, later, 1)
        # While Bob's claim was out, a new self_work timer was set: it stands, the stale claim is dropped.
        await tx.nudges.apply(BOB, [Timer(NudgeKind.SELF_WORK, later)], frozenset(), NOW)
        assert await tx.nudges.release_stale_claims(NOW + timedelta(minutes=5)) == 1
        assert await tx.nudges.release_stale_claims(NOW + timedelta(minutes=5)) == 0
        assert await tx.nudges.pending(ALICE) == [
            Timer(NudgeKind.REACH_OUT, NOW),
            Timer(NudgeKind.SELF_WORK, later),
        ]
        assert await tx.nudges.pending(BOB) == [Timer(NudgeKind.SELF_WORK, later)]
        again = await tx.nudges.claim_due(later, 10, "w")
    by_kind = {(d.user_id, d.kind): d.attempts for d in again}
    assert by_kind == {
        (ALICE, NudgeKind.REACH_OUT): 0,
        (ALICE, NudgeKind.SELF_WORK): 1,
        (BOB, NudgeKind.SELF_WORK): 0,
    }
    statuses = sorted(r["status"] for r in (await _all_rows(store.url))["nudges"])
    assert statuses == ["cancelled", "claimed", "claimed", "claimed"]


async def test_fresh_claims_are_not_released(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
        await tx.nudges.claim_due(NOW, 10, "alive")
        assert await tx.nudges.release_stale_claims(NOW - timedelta(minutes=5)) == 0
        assert await tx.nudges.pending(ALICE) == []


async def _fill_due(store: SqlStore, users: int) -> set[int]:
    async with store.transaction() as tx:
        for i in range(users):
            uid = ALICE + i
            await tx.users.touch(uid, uid, NOW)
            await tx.nudges.apply(
                uid,
                [Timer(NudgeKind.SELF_WORK, NOW - timedelta(seconds=i)), Timer(NudgeKind.REACH_OUT, NOW)],
                frozenset(),
                NOW,
            )
    rows = (await _all_rows(store.url))["nudges"]
    return {r["id"] for r in rows}


async def _claim_until_empty(store: SqlStore, claimer: str) -> list[int]:
    got: list[int] = []
    while True:
        async with store.transaction() as tx:
            batch = await tx.nudges.claim_due(NOW, 7, claimer)
            await asyncio.sleep(0)  # hold the claim open a moment so claimers overlap
        if not batch:
            return got
        got.extend(d.nudge_id for d in batch)


async def test_concurrent_claimers_never_share_a_row(store: SqlStore, backend: Backend) -> None:
    everything = await _fill_due(store, 150)
    second = backend.store()  # another instance on the same database
    try:
        results = await asyncio.gather(
            _claim_until_empty(store, "a"),
            _claim_until_empty(second, "b"),
            _claim_until_empty(store, "c"),
            _claim_until_empty(second, "d"),
        )
    finally:
        await second.close()
    claimed = [nudge_id for result in results for nudge_id in result]
    assert len(claimed) == len(set(claimed))  # nobody got a row twice
    assert set(claimed) == everything
    for a, result_a in enumerate(results):
        for result_b in results[a + 1 :]:
            assert not set(result_a) & set(result_b)
    if backend.is_postgres:
        assert sum(1 for r in results if r) >= 2  # the work really was shared


# --- export, delete, transactions ---------------------------------------------------------------------------


async def _fill_everything(store: SqlStore, user_id: int) -> None:
    async with store.transaction() as tx:
        await tx.users.touch(user_id, user_id + 1000, NOW)
        await tx.users.set_last_unprompted(user_id, NOW)
        await tx.journeys.save(user_id, _full_journey(), NOW)
        await tx.history.add(user_id, NOW, HistoryKind.MESSAGE_IN, "hello")
        await tx.history.add(user_id, NOW, HistoryKind.STAGE_CHANGE, "", "intake->understand")
        await tx.entries.add(user_id, Note(NoteKind.MEMORY, "the lake"), NOW)
        await tx.entries.add(user_id, Note(NoteKind.MOOD, "", 4), NOW)
        await tx.nudges.apply(user_id, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
        await tx.nudges.apply(
            user_id, [Timer(NudgeKind.REACH_OUT, NOW + timedelta(days=1))], frozenset(), NOW
        )
        await tx.outbox.add(user_id, user_id + 1000, [Reply("hi")], NOW, 30)
    async with store.transaction() as tx:
        due = await tx.nudges.claim_due(NOW, 10, "w")
        await tx.nudges.mark([d.nudge_id for d in due if d.user_id == user_id], NudgeStatus.SENT, NOW)


async def test_export_has_everything_and_is_json(store: SqlStore) -> None:
    await _fill_everything(store, ALICE)
    await _fill_everything(store, BOB)
    async with store.transaction() as tx:
        data = await tx.export(ALICE)
    decoded = json.loads(json.dumps(data))
    assert decoded == data
    assert data["user"] == {
        "user_id": ALICE,
        "chat_id": ALICE + 1000,
        "active": True,
        "created_at": NOW.isoformat(),
        "last_unprompted_at": NOW.isoformat(),
    }
    assert data["journey"]["stage"] == "reconnect"
    assert data["journey"]["facts"]["memories"] == ["the lake", "Lisbon, 2019", "ünïcødé ✨"]
    assert [h["text"] for h in data["history"]] == ["hello", ""]
    assert data["history"][1]["detail"] == "intake->understand"
    assert [(e["kind"], e["text"], e["value"]) for e in data["entries"]] == [
        ("memory", "the lake", None),
        ("mood", "", 4),
    ]
    assert sorted((n["kind"], n["status"]) for n in data["nudges"]) == [
        ("reach_out", "pending"),
        ("self_work", "sent"),
    ]
    sent = next(n for n in data["nudges"] if n["status"] == "sent")
    assert sent["sent_at"] == NOW.isoformat()


async def test_export_of_a_stranger_is_empty(store: SqlStore) -> None:
    async with store.transaction() as tx:
        data = await tx.export(BOB)
    assert data["user"] is None and data["journey"] is None
    assert data["history"] == data["entries"] == data["nudges"] == []


def _mentions(rows: dict[str, list[dict[str, Any]]], user_id: int) -> list[tuple[str, str]]:
    return [
        (table, column)
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        if value == user_id
    ]


# processed_updates holds Telegram update ids only, nothing about anyone.
ABOUT_PEOPLE = set(metadata.tables) - {"processed_updates", "send_slots"}  # send_slots: one row for the bot


async def test_delete_everything_leaves_no_row_about_her(store: SqlStore) -> None:
    await _fill_everything(store, ALICE)
    await _fill_everything(store, BOB)
    before = await _all_rows(store.url)
    assert {table for table, _ in _mentions(before, ALICE)} == ABOUT_PEOPLE

    async with store.transaction() as tx:
        await tx.history.add(ALICE, NOW, HistoryKind.MESSAGE_IN, "/delete")  # still buffered when deleting
        await tx.delete_everything(ALICE)
        assert await tx.journeys.load(ALICE) is None

    after = await _all_rows(store.url)
    assert _mentions(after, ALICE) == []
    assert {table for table, _ in _mentions(after, BOB)} == ABOUT_PEOPLE  # his rows are untouched
    for table in metadata.tables:
        bobs = [r for r in before[table] if BOB in r.values()]
        assert len([r for r in after[table] if BOB in r.values()]) == len(bobs)


async def test_an_exception_rolls_everything_back(store: SqlStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with store.transaction() as tx:
            await tx.users.touch(ALICE, 1, NOW)
            await tx.journeys.save(ALICE, _full_journey(), NOW)
            await tx.history.add(ALICE, NOW, HistoryKind.MESSAGE_IN, "hello")
            await tx.entries.add(ALICE, Note(NoteKind.JOURNAL, "x"), NOW)
            await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
            raise RuntimeError("boom")
    rows = await _all_rows(store.url)
    assert all(not table_rows for table_rows in rows.values())
    async with store.transaction() as tx:  # the store is still usable
        assert await tx.users.get(ALICE) is None


async def test_a_failed_statement_rolls_back_and_the_store_recovers(store: SqlStore) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError, whichever driver it is
        async with store.transaction() as tx:
            await tx.users.touch(ALICE, 1, NOW)
            await tx.journeys.save(BOB, Journey(), NOW)  # no such user: foreign key
    async with store.transaction() as tx:
        assert await tx.users.get(ALICE) is None
        await tx.users.touch(ALICE, 1, NOW)
    async with store.transaction() as tx:
        assert await tx.users.get(ALICE) is not None


async def test_nested_transaction_on_sqlite_is_refused(store: SqlStore, backend: Backend) -> None:
    if backend.is_postgres:
        pytest.skip("PostgreSQL transactions are independent")
    async with store.transaction():
        with pytest.raises(RuntimeError, match="nested"):
            async with store.transaction():
                pass


async def test_concurrent_updates_from_many_tasks(store: SqlStore) -> None:
    async def update(i: int) -> None:
        uid = ALICE + i % 5
        async with store.transaction() as tx:
            await tx.users.touch(uid, uid, NOW)
            journey = await tx.journeys.load(uid) or Journey()
            await asyncio.sleep(0)
            await tx.journeys.save(uid, journey.evolve(suggestion_round=journey.suggestion_round + 1), NOW)
            await tx.history.add(uid, NOW, HistoryKind.MESSAGE_IN, str(i))

    await asyncio.gather(*(update(i) for i in range(50)))
    async with store.transaction() as tx:
        rounds = [(await tx.journeys.load(ALICE + i)).suggestion_round for i in range(5)]  # type: ignore[union-attr]
    assert rounds == [10] * 5  # no lost update: serialised on SQLite, her row locked on PostgreSQL
    assert len((await _all_rows(store.url))["history"]) == 50


async def test_sqlite_dispatcher_query_uses_the_status_due_index(store: SqlStore, backend: Backend) -> None:
    if backend.is_postgres:
        pytest.skip("SQLite query plan")
    from sqlalchemy.dialects import sqlite

    from storage.repositories import statements_for

    compiled = str(statements_for("sqlite").nudge_next_due.compile(dialect=sqlite.dialect()))

    def plan(conn: Connection) -> str:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled, ("pending", 1, 0)).all()
        return " | ".join(str(r[3]) for r in rows)

    assert "ix_nudges_status_due_at" in await _on_connection(store.url, plan)


async def test_one_pending_nudge_per_kind_is_enforced_by_the_schema(store: SqlStore) -> None:
    await _new_user(store)
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from the driver
        async with store.transaction() as tx:
            await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
            await tx._conn.execute(  # bypassing apply, as a buggy writer would
                text(
                    "INSERT INTO nudges (user_id, kind, due_at, status, attempts) "
                    "VALUES (:u, 'self_work', :d, 'pending', 0)"
                ),
                {"u": ALICE, "d": NOW.replace(tzinfo=None) if store.url.startswith("sqlite") else NOW},
            )


async def test_sqlite_connections_are_tuned(store: SqlStore, backend: Backend) -> None:
    if backend.is_postgres:
        pytest.skip("SQLite pragmas")
    # Inline, SQLite itself waits only briefly: the store waits for the lock (see the test below).
    busy = INLINE_BUSY_TIMEOUT_MS if backend.inline_sqlite else 5000
    expected = {"journal_mode": "wal", "busy_timeout": busy, "foreign_keys": 1, "synchronous": 1}
    async with store.transaction() as tx:
        found = {name: (await tx._conn.execute(text(f"PRAGMA {name}"))).scalar_one() for name in expected}
    assert found == expected


async def test_a_database_locked_by_another_process_does_not_stall_the_loop(
    store: SqlStore, backend: Backend
) -> None:
    if not backend.inline_sqlite:
        pytest.skip("the inline SQLite engine runs on the loop's own thread")
    await _new_user(store)
    database = store.url.split("///", 1)[1]
    other = sqlite3.connect(database, isolation_level=None)  # another process, as far as SQLite can tell
    other.execute("BEGIN IMMEDIATE")
    waiting = asyncio.Event()
    ticks = 0

    async def write() -> None:
        waiting.set()
        async with store.transaction() as tx:
            await tx.users.set_active(ALICE, False)

    async def meanwhile() -> None:
        # Runs only if the loop is free while `write` waits for the lock; then lets the other writer go.
        nonlocal ticks
        await waiting.wait()
        for _ in range(20):
            await asyncio.sleep(0)
            ticks += 1
        other.execute("COMMIT")

    await asyncio.gather(write(), meanwhile())
    other.close()
    assert ticks == 20
    async with store.transaction() as tx:
        user = await tx.users.get(ALICE)
    assert user is not None and not user.active


# --- claims, the outbox and the shared send rate (issue 12) ---------------------------------------------


async def test_only_the_claim_holder_may_mark_or_reschedule(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
    async with store.transaction() as tx:
        (due,) = await tx.nudges.claim_due(NOW, 10, "a")
    async with store.transaction() as tx:
        assert await tx.nudges.holds([due.nudge_id], "a")
        assert not await tx.nudges.holds([due.nudge_id], "b")
        assert await tx.nudges.mark([due.nudge_id], NudgeStatus.SENT, NOW, "b") == 0
        await tx.nudges.reschedule(due.nudge_id, NOW + timedelta(hours=1), 1, "b")
    async with store.transaction() as tx:
        assert await tx.nudges.pending(ALICE) == []  # b's reschedule did nothing
        assert await tx.nudges.mark([due.nudge_id], NudgeStatus.SENT, NOW, "a") == 1


async def test_a_renewed_claim_is_not_stale(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        await tx.nudges.apply(ALICE, [Timer(NudgeKind.SELF_WORK, NOW)], frozenset(), NOW)
    async with store.transaction() as tx:
        (due,) = await tx.nudges.claim_due(NOW, 10, "a")
    later = NOW + timedelta(minutes=10)
    async with store.transaction() as tx:
        await tx.nudges.renew_claims("a", later)
    async with store.transaction() as tx:
        assert await tx.nudges.release_stale_claims(later - timedelta(minutes=5)) == 0
        assert await tx.nudges.holds([due.nudge_id], "a")


async def test_send_slots_are_shared_and_spaced(store: SqlStore) -> None:
    slots = []
    for _ in range(3):
        async with store.transaction() as tx:
            slots.append(await tx.nudges.take_send_slot(NOW, 0.5))
    assert slots == [NOW, NOW + timedelta(seconds=0.5), NOW + timedelta(seconds=1)]
    async with store.transaction() as tx:
        await tx.nudges.hold_send_slots(NOW + timedelta(seconds=30))
        assert await tx.nudges.take_send_slot(NOW, 0.5) == NOW + timedelta(seconds=30)


async def test_the_outbox_keeps_order_and_only_the_holder_finishes(store: SqlStore) -> None:
    await _new_user(store)
    async with store.transaction() as tx:
        ids = await tx.outbox.add(ALICE, 5, [Reply("one"), Reply("two")], NOW, 30)
    assert ids == sorted(ids)
    async with store.transaction() as tx:
        assert await tx.outbox.claim_due(NOW, 10, "bg", 30) == []  # the handler's, for now
        assert await tx.outbox.next_at() == NOW + timedelta(seconds=30)
    async with store.transaction() as tx:
        due = await tx.outbox.claim_due(NOW + timedelta(seconds=31), 10, "bg", 30)
    assert [q.reply.text for q in due] == ["one", "two"]
    async with store.transaction() as tx:
        await tx.outbox.sent(ids[0], None)  # the handler lost it to the background pass
        await tx.outbox.sent(ids[0], "bg")
        await tx.outbox.retry(ids[1], NOW + timedelta(minutes=1), 1, "bg")
    async with store.transaction() as tx:
        assert await tx.outbox.next_at() == NOW + timedelta(minutes=1)
