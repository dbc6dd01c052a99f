"""The coach.ports repositories over one connection of one transaction, in SQLAlchemy Core.

Hot paths (users.touch, journeys.load/save, history.add, nudges.apply) are single prebuilt Core statements: the
benchmark pushes thousands of updates a second through them, and the ORM's unit of work would cost more than
the SQL. Everything returned is a coach.ports dataclass or a coach.vocabulary type.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Dialect,
    Executable,
    Result,
    Row,
    Table,
    bindparam,
    delete,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from coach.ports import (
    DueNudge,
    Entry,
    HistoryItem,
    HistoryKind,
    NudgeStatus,
    Queued,
    StageChange,
    UserInfo,
)
from coach.vocabulary import (
    Button,
    Journey,
    Note,
    NoteKind,
    NudgeKind,
    Reply,
    Stage,
    Timer,
    journey_from_dict,
    journey_to_dict,
)
from storage import models
from storage.models import UtcDateTime

U, J, H, E, N = models.users, models.journeys, models.history, models.entries, models.nudges
OB = models.outbox
P = models.processed_updates


class Executor(Protocol):
    """What the repositories need of a connection: an AsyncConnection, or an InlineConnection."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> Result[Any]: ...


class InlineConnection:
    """A synchronous Connection behind Executor's async face: statements run on the calling thread."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        # The pysqlite connection underneath, in the same transaction: the per-message statements go straight
        # to it (see SqliteHot).
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection), "InlineConnection is for pysqlite"
        self.raw: sqlite3.Connection = raw

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        return self._connection.execute(statement, parameters)


PENDING = NudgeStatus.PENDING.value
CLAIMED = NudgeStatus.CLAIMED.value
CANCELLED = NudgeStatus.CANCELLED.value


def _time(name: str) -> Any:
    return bindparam(name, type_=UtcDateTime())


def _raw(conn: Executor) -> sqlite3.Connection | None:
    return conn.raw if isinstance(conn, InlineConnection) else None


class SqliteHot:
    """The statements every message runs, as plain SQLite SQL for the pysqlite connection (inline SQLite only).

    Through SQLAlchemy each costs about 50 us of Python before SQLite's few microseconds; at thousands of
    messages a second that was a third of the time. Values are converted by the columns' own SQLAlchemy type
    processors, so the rows are byte for byte what the Core statements (still used on every other path) write.
    """

    user_touch = (
        "INSERT INTO users (user_id, chat_id, active, created_at) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, active = 1 "
        "RETURNING user_id, chat_id, active, created_at, last_unprompted_at"
    )
    journey_load = "SELECT state FROM journeys WHERE user_id = ?"
    journey_save = (
        "INSERT INTO journeys (user_id, stage, stage_since, state, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET stage = excluded.stage, stage_since = excluded.stage_since, "
        "state = excluded.state, updated_at = excluded.updated_at"
    )
    history_add = "INSERT INTO history (user_id, at, kind, text, detail) VALUES (?, ?, ?, ?, ?)"
    entry_add = "INSERT INTO entries (user_id, at, kind, text, value) VALUES (?, ?, ?, ?, ?)"

    def __init__(self, dialect: Dialect) -> None:
        time_type = UtcDateTime().dialect_impl(dialect)
        json_type = J.c.state.type.dialect_impl(dialect)
        self.time_in: Callable[[datetime | None], Any] = time_type.bind_processor(dialect) or _same
        self.time_out: Callable[[Any], datetime | None] = time_type.result_processor(dialect, None) or _same
        self.json_in: Callable[[Any], Any] = json_type.bind_processor(dialect) or _same
        self.json_out: Callable[[Any], Any] = json_type.result_processor(dialect, None) or _same


def _same(value: Any) -> Any:
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Statements:
    """Statements built once per dialect (building them per call would cost more than running them)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.hot = SqliteHot(sqlite.dialect()) if dialect == "sqlite" else None

        touch = insert(U)
        self.user_touch = touch.on_conflict_do_update(
            index_elements=[U.c.user_id],
            set_={"chat_id": touch.excluded.chat_id, "active": true()},
        ).returning(*U.c)
        self.user_get = select(*U.c).where(U.c.user_id == bindparam("uid"))
        self.user_set_active = (
            update(U).where(U.c.user_id == bindparam("uid")).values(active=bindparam("b_active"))
        )
        self.user_set_last_unprompted = (
            update(U).where(U.c.user_id == bindparam("uid")).values(last_unprompted_at=_time("b_at"))
        )

        self.journey_load = select(J.c.state).where(J.c.user_id == bindparam("uid"))
        if dialect == "postgresql":
            # Load is followed by save: lock her row so two concurrent updates for her queue instead of one
            # silently overwriting the other. (SQLite transactions already run one at a time.)
            self.journey_load = self.journey_load.with_for_update()
        save = insert(J)
        self.journey_save = save.on_conflict_do_update(
            index_elements=[J.c.user_id],
            set_={
                "stage": save.excluded.stage,
                "stage_since": save.excluded.stage_since,
                "state": save.excluded.state,
                "updated_at": save.excluded.updated_at,
            },
        )

        self.history_add = H.insert()
        self.history_recent = (
            select(H.c.at, H.c.kind, H.c.text, H.c.detail)
            .where(H.c.user_id == bindparam("uid"))
            .order_by(H.c.at.desc(), H.c.id.desc())
            .limit(bindparam("limit"))
        )
        self.history_stage_changes = (
            select(H.c.at, H.c.detail)
            .where(H.c.user_id == bindparam("uid"), H.c.kind == HistoryKind.STAGE_CHANGE.value)
            .order_by(H.c.at, H.c.id)
        )

        self.entry_add = E.insert()
        self.entry_recent = (
            select(E.c.at, E.c.kind, E.c.text, E.c.value)
            .where(E.c.user_id == bindparam("uid"), E.c.kind.in_(bindparam("kinds", expanding=True)))
            .order_by(E.c.at.desc(), E.c.id.desc())
            .limit(bindparam("limit"))
        )

        self.nudge_cancel_kinds = (
            update(N)
            .where(
                N.c.user_id == bindparam("uid"),
                N.c.status == PENDING,
                N.c.kind.in_(bindparam("kinds", expanding=True)),
            )
            .values(status=CANCELLED)
        )
        self.nudge_cancel_all = (
            update(N).where(N.c.user_id == bindparam("uid"), N.c.status == PENDING).values(status=CANCELLED)
        )
        # Replacing a pending nudge is an upsert against the partial unique index (user_id, kind) WHERE pending.
        upsert = insert(N)
        self.nudge_set = upsert.on_conflict_do_update(
            index_elements=[N.c.user_id, N.c.kind],
            index_where=models.PENDING_WHERE,  # literal SQL: PostgreSQL must match the index predicate
            set_={"due_at": upsert.excluded.due_at, "attempts": 0},
        )
        # No ORDER BY (the caller sorts her few rows): with one, SQLite prefers walking the whole pending part
        # of ix_nudges_status_due_at over ix_nudges_user_id_status.
        self.nudge_pending = select(N.c.kind, N.c.due_at, N.c.id).where(
            N.c.user_id == bindparam("uid"), N.c.status == PENDING
        )
        # Walks ix_nudges_status_due_at in order and stops at the first nudge of an active user; inactive
        # users' nudges stay pending (she may come back) and would otherwise wake the dispatcher forever.
        self.nudge_next_due = (
            select(N.c.due_at)
            .join(U, U.c.user_id == N.c.user_id)
            .where(N.c.status == PENDING, U.c.active == true())
            .order_by(N.c.due_at)
            .limit(1)
        )
        self._build_claim(dialect)
        # No row back means another transaction recorded it first (a concurrent one is waited for: the primary
        # key's uniqueness check blocks until it commits or rolls back).
        seen = insert(P).values(update_id=bindparam("uid"), handled_at=_time("at"))
        self.update_first_time = seen.on_conflict_do_nothing(index_elements=[P.c.update_id]).returning(
            P.c.update_id
        )
        self.update_prune = delete(P).where(P.c.handled_at < _time("before"))
        self.nudge_backlog = select(func.count(), func.min(N.c.due_at)).where(N.c.status == PENDING)
        self.nudge_release = (
            update(N)
            .where(N.c.id.in_(bindparam("ids", expanding=True)), N.c.status == CLAIMED)
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        )
        self.nudge_supersede = (
            update(N)
            .where(N.c.id.in_(bindparam("ids", expanding=True)), N.c.status == CLAIMED)
            .values(status=CANCELLED)
        )
        # mark(): one nudge is the usual case (an expanding IN is re-rendered on every execution); SENT and
        # MERGED also keep the time.
        one, many = N.c.id == bindparam("nid"), N.c.id.in_(bindparam("ids", expanding=True))
        self.nudge_mark_one = update(N).where(one).values(status=bindparam("b_status"))
        self.nudge_mark_many = update(N).where(many).values(status=bindparam("b_status"))
        self.nudge_mark_sent_one = self.nudge_mark_one.values(sent_at=_time("b_at"))
        self.nudge_mark_sent_many = self.nudge_mark_many.values(sent_at=_time("b_at"))
        # The claim holder's own marks and checks, once or twice per nudge: built once.
        held = (
            N.c.id.in_(bindparam("ids", expanding=True)),
            N.c.status == CLAIMED,
            N.c.claimed_by == bindparam("claimer"),
        )
        self.nudge_mark_held = update(N).where(*held).values(status=bindparam("b_status"))
        self.nudge_mark_held_sent = self.nudge_mark_held.values(sent_at=_time("b_at"))
        self.nudge_holds = select(N.c.id).where(*held)

    def _build_claim(self, dialect: str) -> None:
        n = N.alias("n")
        due = (
            select(n.c.id)
            .join(U, U.c.user_id == n.c.user_id)
            .where(n.c.status == PENDING, n.c.due_at <= _time("now"), U.c.active == true())
            .order_by(n.c.due_at, n.c.id)
            .limit(bindparam("limit"))
        )
        mark_claimed = update(N).values(
            status=CLAIMED, claimed_by=bindparam("claimer"), claimed_at=_time("now")
        )
        if dialect == "postgresql":
            # Two steps in one transaction: lock the due rows (skipping rows another instance holds), then
            # mark them. A single UPDATE ... WHERE id IN (SELECT ... LIMIT ... SKIP LOCKED) may re-run the
            # subquery and claim more than `limit`.
            self.claim_select: Any = (
                select(n.c.id, n.c.user_id, U.c.chat_id, n.c.kind, n.c.due_at, n.c.attempts)
                .join(U, U.c.user_id == n.c.user_id)
                .where(n.c.status == PENDING, n.c.due_at <= _time("now"), U.c.active == true())
                .order_by(n.c.due_at, n.c.id)
                .limit(bindparam("limit"))
                .with_for_update(of=n, skip_locked=True)
            )
            self.claim_update: Any = mark_claimed.where(N.c.id.in_(bindparam("ids", expanding=True)))
        else:
            # SQLite runs one writer at a time, so one UPDATE ... RETURNING is atomic. Its RETURNING may not
            # name another table (and SQLAlchemy unqualifies columns there), so chat ids are a second query.
            self.claim_update = mark_claimed.where(N.c.id.in_(due)).returning(
                N.c.id, N.c.user_id, N.c.kind, N.c.due_at, N.c.attempts
            )
            self.chat_ids = select(U.c.user_id, U.c.chat_id).where(
                U.c.user_id.in_(bindparam("uids", expanding=True))
            )


_statements: dict[str, Statements] = {}


def statements_for(dialect: str) -> Statements:
    if dialect not in _statements:
        _statements[dialect] = Statements(dialect)
    return _statements[dialect]


def _user(row: Row[Any]) -> UserInfo:
    return UserInfo(
        user_id=row.user_id,
        chat_id=row.chat_id,
        active=bool(row.active),
        created_at=row.created_at,
        last_unprompted_at=row.last_unprompted_at,
    )


class SqlUsers:
    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql
        self._raw, self._hot = _raw(conn), sql.hot

    async def touch(self, user_id: int, chat_id: int, now: datetime) -> UserInfo:
        """Creates her row if new, otherwise refreshes chat_id and marks her active: one upsert."""
        if self._raw is not None and self._hot is not None:
            hot = self._hot
            (row,) = self._raw.execute(hot.user_touch, (user_id, chat_id, hot.time_in(now))).fetchall()
            return UserInfo(
                user_id=row[0],
                chat_id=row[1],
                active=bool(row[2]),
                created_at=hot.time_out(row[3]),  # type: ignore[arg-type]  # NOT NULL
                last_unprompted_at=hot.time_out(row[4]),
            )
        result = await self._conn.execute(
            self._sql.user_touch,
            {"user_id": user_id, "chat_id": chat_id, "active": True, "created_at": now},
        )
        return _user(result.one())

    async def get(self, user_id: int) -> UserInfo | None:
        row = (await self._conn.execute(self._sql.user_get, {"uid": user_id})).first()
        return _user(row) if row is not None else None

    async def set_active(self, user_id: int, active: bool) -> None:
        await self._conn.execute(self._sql.user_set_active, {"uid": user_id, "b_active": active})

    async def set_last_unprompted(self, user_id: int, at: datetime) -> None:
        await self._conn.execute(self._sql.user_set_last_unprompted, {"uid": user_id, "b_at": at})


class SqlJourneys:
    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql
        self._raw, self._hot = _raw(conn), sql.hot
        # What this transaction last read or wrote, so saving an unchanged journey costs nothing.
        self._known: dict[int, Journey] = {}

    async def load(self, user_id: int) -> Journey | None:
        if self._raw is not None and self._hot is not None:
            rows = self._raw.execute(self._hot.journey_load, (user_id,)).fetchall()
            state = self._hot.json_out(rows[0][0]) if rows else None
        else:
            state = (await self._conn.execute(self._sql.journey_load, {"uid": user_id})).scalar_one_or_none()
        if state is None:
            self._known.pop(user_id, None)
            return None
        journey = journey_from_dict(state)
        self._known[user_id] = journey
        return journey

    async def save(self, user_id: int, journey: Journey, now: datetime) -> None:
        if self._known.get(user_id) == journey:
            return
        if self._raw is not None and self._hot is not None:
            hot = self._hot
            self._raw.execute(
                hot.journey_save,
                (
                    user_id,
                    journey.stage.value,
                    hot.time_in(journey.stage_since),
                    hot.json_in(journey_to_dict(journey)),
                    hot.time_in(now),
                ),
            )
            self._known[user_id] = journey
            return
        await self._conn.execute(
            self._sql.journey_save,
            {
                "user_id": user_id,
                "stage": journey.stage.value,
                "stage_since": journey.stage_since,
                "state": journey_to_dict(journey),
                "updated_at": now,
            },
        )
        self._known[user_id] = journey

    def forget(self, user_id: int) -> None:
        self._known.pop(user_id, None)


class SqlHistory:
    """History rows are buffered and written in one executemany when the transaction ends (or before any
    read): an update adds two or three, and each statement costs more in SQLAlchemy than in SQLite."""

    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql
        self._raw, self._hot = _raw(conn), sql.hot
        self._unwritten: list[dict[str, Any]] = []

    async def add(self, user_id: int, at: datetime, kind: HistoryKind, text: str, detail: str = "") -> None:
        if at.tzinfo is None:
            raise ValueError(f"naive datetime given to storage: {at!r}")  # now, not at commit
        self._unwritten.append(
            {"user_id": user_id, "at": at, "kind": HistoryKind(kind).value, "text": text, "detail": detail}
        )

    async def flush(self) -> None:
        if self._unwritten:
            rows, self._unwritten = self._unwritten, []
            if self._raw is not None and self._hot is not None:
                time_in = self._hot.time_in
                self._raw.executemany(
                    self._hot.history_add,
                    [(r["user_id"], time_in(r["at"]), r["kind"], r["text"], r["detail"]) for r in rows],
                )
                return
            await self._conn.execute(self._sql.history_add, rows)

    async def recent(self, user_id: int, limit: int = 50) -> Sequence[HistoryItem]:
        """Her last `limit` items, oldest first (the order a transcript reads in)."""
        await self.flush()
        rows = (await self._conn.execute(self._sql.history_recent, {"uid": user_id, "limit": limit})).all()
        return [
            HistoryItem(at=r.at, kind=HistoryKind(r.kind), text=r.text, detail=r.detail)
            for r in reversed(rows)
        ]

    async def stage_changes(self, user_id: int) -> Sequence[StageChange]:
        """Every stage change, oldest first, read from detail "from->to" (an empty or unknown "from" is None)."""
        await self.flush()
        rows = (await self._conn.execute(self._sql.history_stage_changes, {"uid": user_id})).all()
        changes: list[StageChange] = []
        for row in rows:
            before, _, after = str(row.detail).partition("->")
            to_stage = _stage(after.strip())
            if to_stage is None:
                continue  # a stage since removed from the program: nothing to draw
            changes.append(StageChange(at=row.at, from_stage=_stage(before.strip()), to_stage=to_stage))
        return changes


def _stage(value: str) -> Stage | None:
    try:
        return Stage(value)
    except ValueError:
        return None


class SqlEntries:
    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql
        self._raw, self._hot = _raw(conn), sql.hot

    async def add(self, user_id: int, note: Note, at: datetime) -> None:
        if self._raw is not None and self._hot is not None:
            self._raw.execute(
                self._hot.entry_add, (user_id, self._hot.time_in(at), note.kind.value, note.text, note.value)
            )
            return
        await self._conn.execute(
            self._sql.entry_add,
            {"user_id": user_id, "at": at, "kind": note.kind.value, "text": note.text, "value": note.value},
        )

    async def recent(self, user_id: int, kinds: Sequence[NoteKind], limit: int = 10) -> Sequence[Entry]:
        """Her last `limit` entries of those kinds, oldest first; no kinds, no entries."""
        if not kinds or limit <= 0:
            return []
        params = {"uid": user_id, "kinds": [k.value for k in kinds], "limit": limit}
        rows = (await self._conn.execute(self._sql.entry_recent, params)).all()
        return [Entry(at=r.at, kind=NoteKind(r.kind), text=r.text, value=r.value) for r in reversed(rows)]


class SqlNudges:
    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql

    async def apply(
        self, user_id: int, set_timers: Sequence[Timer], cancel: frozenset[NudgeKind], now: datetime
    ) -> None:
        """Cancels pending nudges of the kinds in `cancel`, then upserts one pending nudge per timer's kind."""
        if cancel:
            await self._conn.execute(
                self._sql.nudge_cancel_kinds, {"uid": user_id, "kinds": sorted(k.value for k in cancel)}
            )
        if set_timers:
            # One row per kind (the last timer wins): an upsert may not touch the same row twice.
            latest = {timer.kind: timer.due_at for timer in set_timers}
            rows = [
                {"user_id": user_id, "kind": kind.value, "due_at": due_at, "status": PENDING, "attempts": 0}
                for kind, due_at in latest.items()
            ]
            await self._conn.execute(self._sql.nudge_set, rows)

    async def cancel_all(self, user_id: int) -> None:
        """Cancels her pending nudges (a claimed one is already being sent and finishes normally)."""
        await self._conn.execute(self._sql.nudge_cancel_all, {"uid": user_id})

    async def pending(self, user_id: int) -> Sequence[Timer]:
        found = (await self._conn.execute(self._sql.nudge_pending, {"uid": user_id})).all()
        rows = sorted(found, key=lambda r: (r.due_at, r.id))
        return [Timer(kind=NudgeKind(r.kind), due_at=r.due_at) for r in rows]

    async def next_due_at(self) -> datetime | None:
        """The earliest due time of a pending nudge of an active user (an index walk, not a scan)."""
        value: datetime | None = (await self._conn.execute(self._sql.nudge_next_due)).scalar_one_or_none()
        return value

    async def claim_due(self, now: datetime, limit: int, claimer: str) -> Sequence[DueNudge]:
        if limit <= 0:
            return []
        params: dict[str, Any] = {"now": now, "limit": limit, "claimer": claimer}
        if self._sql.dialect == "postgresql":
            rows = (await self._conn.execute(self._sql.claim_select, params)).all()
            if not rows:
                return []
            await self._conn.execute(self._sql.claim_update, {**params, "ids": [r.id for r in rows]})
            chat_ids = {r.user_id: r.chat_id for r in rows}
        else:
            rows = (await self._conn.execute(self._sql.claim_update, params)).all()
            if not rows:
                return []
            uids = sorted({r.user_id for r in rows})
            found = await self._conn.execute(self._sql.chat_ids, {"uids": uids})
            chat_ids = {r.user_id: r.chat_id for r in found.all()}
        due = [
            DueNudge(
                nudge_id=r.id,
                user_id=r.user_id,
                chat_id=chat_ids[r.user_id],
                kind=NudgeKind(r.kind),
                due_at=r.due_at,
                attempts=r.attempts,
            )
            for r in rows
        ]
        due.sort(key=lambda d: (d.due_at, d.nudge_id))  # RETURNING promises no order
        return due

    async def mark(
        self, nudge_ids: Sequence[int], status: NudgeStatus, at: datetime, claimer: str | None = None
    ) -> int:
        """Sets the status of these nudges; `at` is kept as sent_at for SENT and MERGED. With `claimer`, only
        the rows it still holds: another instance that took a claim over owns the outcome."""
        if not nudge_ids:
            return 0
        timed = status in (NudgeStatus.SENT, NudgeStatus.MERGED)
        if claimer is not None:
            held: dict[str, Any] = {"ids": list(nudge_ids), "claimer": claimer, "b_status": status.value}
            if timed:
                held["b_at"] = at
            statement = self._sql.nudge_mark_held_sent if timed else self._sql.nudge_mark_held
            return _count(await self._conn.execute(statement, held))
        params: dict[str, Any] = {"b_status": status.value, "b_at": at}
        if len(nudge_ids) == 1:
            statement = self._sql.nudge_mark_sent_one if timed else self._sql.nudge_mark_one
            params["nid"] = nudge_ids[0]
        else:
            statement = self._sql.nudge_mark_sent_many if timed else self._sql.nudge_mark_many
            params["ids"] = list(nudge_ids)
        if not timed:
            del params["b_at"]
        return _count(await self._conn.execute(statement, params))

    async def reschedule(
        self, nudge_id: int, due_at: datetime, attempts: int, claimer: str | None = None
    ) -> None:
        """Puts a claimed nudge back to pending at `due_at`. If a newer pending nudge of the same kind was set
        meanwhile, that one stands and this one is cancelled (at most one pending per kind). With `claimer`,
        only if it still holds the claim."""
        mine = select(N.c.user_id, N.c.kind).where(N.c.id == nudge_id, N.c.status == CLAIMED)
        if claimer is not None:
            mine = mine.where(N.c.claimed_by == claimer)
        row = (await self._conn.execute(mine)).first()
        if row is None:
            return
        if await self._has_pending(row.user_id, row.kind):
            await self._conn.execute(self._sql.nudge_supersede, {"ids": [nudge_id]})
            return
        await self._conn.execute(
            update(N)
            .where(N.c.id == nudge_id, N.c.status == CLAIMED)
            .values(status=PENDING, due_at=due_at, attempts=attempts, claimed_by=None, claimed_at=None)
        )

    async def release_stale_claims(self, older_than: datetime) -> int:
        """Claims taken before `older_than` go back to pending; returns how many. Where a pending nudge of the
        same kind exists (or two stale claims share a kind), the extra claims are cancelled instead."""
        stale = select(N.c.id, N.c.user_id, N.c.kind).where(
            N.c.status == CLAIMED, N.c.claimed_at < older_than
        )
        if self._sql.dialect == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        rows = (await self._conn.execute(stale.order_by(N.c.claimed_at.desc(), N.c.id.desc()))).all()
        if not rows:
            return 0
        users_ids = sorted({r.user_id for r in rows})
        taken = {
            (r.user_id, r.kind)
            for r in (
                await self._conn.execute(
                    select(N.c.user_id, N.c.kind).where(N.c.status == PENDING, N.c.user_id.in_(users_ids))
                )
            ).all()
        }
        release: list[int] = []
        supersede: list[int] = []
        for row in rows:  # newest claim first: it is the one kept
            key = (row.user_id, row.kind)
            if key in taken:
                supersede.append(row.id)
            else:
                taken.add(key)
                release.append(row.id)
        if supersede:
            await self._conn.execute(self._sql.nudge_supersede, {"ids": supersede})
        if release:
            await self._conn.execute(self._sql.nudge_release, {"ids": release})
        return len(release)

    async def renew_claims(self, claimer: str, now: datetime) -> None:
        await self._conn.execute(
            update(N).where(N.c.status == CLAIMED, N.c.claimed_by == claimer).values(claimed_at=now)
        )

    async def holds(self, nudge_ids: Sequence[int], claimer: str) -> bool:
        ids = list(nudge_ids)
        found = await self._conn.execute(self._sql.nudge_holds, {"ids": ids, "claimer": claimer})
        return len(found.all()) == len(set(ids))

    async def take_send_slot(self, now: datetime, interval_s: float) -> datetime:
        """One row per limit: the slot is max(now, next free) and the next free moves on by `interval_s`.
        Every instance updates the same row, so the database serialises them (a row lock on PostgreSQL)."""
        S = models.send_slots
        current = select(S.c.next_at).where(S.c.name == "nudges")
        if self._sql.dialect == "postgresql":
            current = current.with_for_update()
        row = (await self._conn.execute(current)).first()
        slot = max(now, row.next_at) if row is not None else now
        following = slot + timedelta(seconds=interval_s)
        if row is None:
            insert = postgresql.insert if self._sql.dialect == "postgresql" else sqlite.insert
            await self._conn.execute(
                insert(S)
                .values(name="nudges", next_at=following)
                .on_conflict_do_update(index_elements=[S.c.name], set_={"next_at": following})
            )
        else:
            await self._conn.execute(update(S).where(S.c.name == "nudges").values(next_at=following))
        return slot

    async def hold_send_slots(self, until: datetime) -> None:
        await self.take_send_slot(until, 0.0)  # the next free slot becomes `until`, unless later already

    async def _has_pending(self, user_id: int, kind: str) -> bool:
        found = await self._conn.execute(
            select(N.c.id).where(N.c.user_id == user_id, N.c.kind == kind, N.c.status == PENDING).limit(1)
        )
        return found.first() is not None


class SqlOutbox:
    SENT, QUEUED, DROPPED = "sent", "queued", "dropped"

    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql
        self._raw, self._hot = _raw(conn), sql.hot

    async def add(
        self, user_id: int, chat_id: int, replies: Sequence[Reply], now: datetime, hold_s: float
    ) -> list[int]:
        if not replies:
            return []
        hold = now + timedelta(seconds=hold_s)
        ids: list[int] = []
        if self._raw is not None and self._hot is not None:
            at, until = self._hot.time_in(now), self._hot.time_in(hold)
            for reply in replies:  # a few per update; each one's id, in order
                cursor = self._raw.execute(
                    "INSERT INTO outbox (user_id, chat_id, text, buttons, status, attempts, created_at, next_at)"
                    " VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)",
                    (user_id, chat_id, reply.text, _buttons_json(reply.buttons), at, until),
                )
                ids.append(int(cursor.lastrowid or 0))
            return ids
        for reply in replies:
            buttons = [[[b.label, b.data] for b in row] for row in reply.buttons]
            result = await self._conn.execute(
                OB.insert()
                .values(
                    user_id=user_id,
                    chat_id=chat_id,
                    text=reply.text,
                    buttons=buttons,
                    status=self.QUEUED,
                    attempts=0,
                    created_at=now,
                    next_at=hold,
                )
                .returning(OB.c.id)
            )
            ids.append(int(result.scalar_one()))
        return ids

    async def claim_due(self, now: datetime, limit: int, claimer: str, hold_s: float) -> Sequence[Queued]:
        due = (
            select(OB.c.id, OB.c.user_id, OB.c.chat_id, OB.c.text, OB.c.buttons, OB.c.attempts)
            .where(OB.c.status == self.QUEUED, OB.c.next_at <= now)
            .order_by(OB.c.id)
            .limit(limit)
        )
        if self._sql.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = (await self._conn.execute(due)).all()
        if rows:
            await self._conn.execute(
                update(OB)
                .where(OB.c.id.in_([r.id for r in rows]))
                .values(claimed_by=claimer, next_at=now + timedelta(seconds=hold_s))
            )
        return [_queued(r.id, r.user_id, r.chat_id, r.text, r.buttons, r.attempts) for r in rows]

    async def sent(self, message_id: int, claimer: str | None) -> None:
        if self._raw is not None and claimer is None:  # the fast path, once per reply
            self._raw.execute(
                "UPDATE outbox SET status = 'sent' WHERE id = ? AND claimed_by IS NULL", (message_id,)
            )
            return
        await self._finish(message_id, claimer, status=self.SENT)

    async def retry(self, message_id: int, at: datetime, attempts: int, claimer: str | None) -> None:
        await self._finish(message_id, claimer, next_at=at, attempts=attempts, claimed_by=None)

    async def drop(self, message_id: int, claimer: str | None) -> None:
        await self._finish(message_id, claimer, status=self.DROPPED)

    async def _finish(self, message_id: int, claimer: str | None, **values: Any) -> None:
        # Only whoever holds it: a background pass that took it over after a long stall owns it now.
        held = OB.c.claimed_by.is_(None) if claimer is None else OB.c.claimed_by == claimer
        await self._conn.execute(
            update(OB).where(OB.c.id == message_id, OB.c.status == self.QUEUED, held).values(**values)
        )

    async def next_at(self) -> datetime | None:
        value: datetime | None = (
            await self._conn.execute(
                select(OB.c.next_at).where(OB.c.status == self.QUEUED).order_by(OB.c.next_at).limit(1)
            )
        ).scalar_one_or_none()
        return value


    async def prune(self, before: datetime) -> None:
        await self._conn.execute(delete(OB).where(OB.c.status != self.QUEUED, OB.c.created_at < before))


@functools.lru_cache(maxsize=512)
def _buttons_json(rows: tuple[tuple[Button, ...], ...]) -> str:
    # The same few keyboards come back all the time (see bot.telegram_app.keyboard).
    return json.dumps([[[b.label, b.data] for b in row] for row in rows], ensure_ascii=False)


def _count(result: Result[Any]) -> int:
    rowcount: int | None = getattr(result, "rowcount", None)  # a CursorResult for UPDATE
    return int(rowcount or 0)


def _queued(
    message_id: int, user_id: int, chat_id: int, text: str, buttons: Any, attempts: int
) -> Queued:
    rows = tuple(tuple(Button(str(label), str(data)) for label, data in row) for row in buttons or ())
    return Queued(message_id, user_id, chat_id, Reply(text, rows), attempts)
class SqlUpdates:
    def __init__(self, conn: Executor, sql: Statements) -> None:
        self._conn, self._sql = conn, sql

    async def first_time(self, update_id: int, now: datetime) -> bool:
        found = await self._conn.execute(self._sql.update_first_time, {"uid": update_id, "at": now})
        return found.first() is not None

    async def prune(self, before: datetime) -> int:
        """Forgets update_ids handled before `before`; returns how many."""
        result = await self._conn.execute(self._sql.update_prune, {"before": before})
        return int(getattr(result, "rowcount", 0) or 0)


async def nudge_backlog(conn: Executor, now: datetime) -> tuple[int, float]:
    """How many nudges are pending, and how many seconds the oldest due one is late (0 if none is due)."""
    result = await conn.execute(statements_for(conn.dialect.name).nudge_backlog)
    count, oldest = tuple(result.one())
    if oldest is None:
        return int(count), 0.0
    return int(count), max(0.0, (now - oldest).total_seconds())


# Children first, so the order also works without ON DELETE CASCADE.
_USER_TABLES: tuple[Table, ...] = (OB, N, E, H, J, U)


async def export_user(conn: Executor, user_id: int) -> dict[str, Any]:
    """Everything held about her as JSON-ready data (datetimes as ISO 8601 strings)."""
    user = (await conn.execute(select(*U.c).where(U.c.user_id == user_id))).first()
    state = (await conn.execute(select(J.c.state, J.c.updated_at).where(J.c.user_id == user_id))).first()
    history = await conn.execute(
        select(H.c.at, H.c.kind, H.c.text, H.c.detail).where(H.c.user_id == user_id).order_by(H.c.at, H.c.id)
    )
    entries = await conn.execute(
        select(E.c.at, E.c.kind, E.c.text, E.c.value).where(E.c.user_id == user_id).order_by(E.c.at, E.c.id)
    )
    nudges = await conn.execute(
        select(N.c.id, N.c.kind, N.c.due_at, N.c.status, N.c.attempts, N.c.claimed_at, N.c.sent_at)
        .where(N.c.user_id == user_id)
        .order_by(N.c.due_at, N.c.id)
    )
    return {
        "user": None
        if user is None
        else {
            "user_id": user.user_id,
            "chat_id": user.chat_id,
            "active": bool(user.active),
            "created_at": _iso(user.created_at),
            "last_unprompted_at": _iso(user.last_unprompted_at),
        },
        "journey": None if state is None else dict(state.state),
        "journey_updated_at": None if state is None else _iso(state.updated_at),
        "history": [
            {"at": _iso(r.at), "kind": r.kind, "text": r.text, "detail": r.detail} for r in history.all()
        ],
        "entries": [
            {"at": _iso(r.at), "kind": r.kind, "text": r.text, "value": r.value} for r in entries.all()
        ],
        "nudges": [
            {
                "id": r.id,
                "kind": r.kind,
                "due_at": _iso(r.due_at),
                "status": r.status,
                "attempts": r.attempts,
                "claimed_at": _iso(r.claimed_at),
                "sent_at": _iso(r.sent_at),
            }
            for r in nudges.all()
        ],
    }


async def delete_user(conn: Executor, user_id: int) -> None:
    """Deletes her rows from every table explicitly (not trusting ON DELETE CASCADE to be switched on)."""
    for table in _USER_TABLES:
        await conn.execute(delete(table).where(table.c.user_id == user_id))


__all__ = [
    "Executor",
    "InlineConnection",
    "SqlEntries",
    "SqlHistory",
    "SqlJourneys",
    "SqlNudges",
    "SqlOutbox",
    "SqlUpdates",
    "SqlUsers",
    "Statements",
    "delete_user",
    "export_user",
    "nudge_backlog",
    "statements_for",
]
