"""The schema, as SQLAlchemy 2 declarative models.

Alembic owns the real schema (storage/migrations); these models describe it for the repositories' Core
statements and for autogenerate. ORM rows never leave storage/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit keys (Telegram ids exceed 32 bits). On SQLite, INTEGER PRIMARY KEY makes the column the table's own
# 64-bit rowid: no separate key index, and the only way to autoincrement there.
RowId = BigInteger().with_variant(Integer(), "sqlite")

# Short codes (enum values) are plain strings, not database enums, so adding a kind needs no migration.
CODE_LENGTH = 32


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime: timestamptz on PostgreSQL, naive UTC text on SQLite; always aware UTC out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous (local? UTC?): refuse it rather than store the wrong instant.
            raise ValueError(f"naive datetime given to storage: {value!r}")
        value = value.astimezone(UTC)
        # SQLite has no time zones: keep naive UTC so the text sorts and compares in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UserRow(Base):
    __tablename__ = "users"

    user_id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_unprompted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class JourneyRow(Base):
    __tablename__ = "journeys"

    user_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    stage: Mapped[str] = mapped_column(String(CODE_LENGTH), index=True)
    stage_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)  # coach.vocabulary.journey_to_dict's output
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryRow(Base):
    __tablename__ = "history"
    __table_args__ = (Index("ix_history_user_id_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, server_default="")


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_user_id_kind_at", "user_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)


# The partial unique index below is what makes "at most one pending nudge per kind" hold even under
# concurrent writers, and what Nudges.apply's INSERT ... ON CONFLICT targets.
PENDING = "pending"
PENDING_WHERE = text("status = 'pending'")


class NudgeRow(Base):
    __tablename__ = "nudges"
    __table_args__ = (
        Index("ix_nudges_status_due_at", "status", "due_at"),
        # Her nudges by status: pending(), apply's cancels and the unique check; (status, due_at) serves the
        # dispatcher.
        Index("ix_nudges_user_id_status", "user_id", "status"),
        Index(
            "uq_nudges_pending_user_id_kind",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=PENDING_WHERE,
            postgresql_where=PENDING_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutboxRow(Base):
    """A reply written in the same transaction as the step that produced it, then sent from here: what is
    saved and what she is told cannot disagree. `next_at` is when a background sender may take it (the
    handler sends it first, at once); `claimed_by` names the instance sending it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_at", "status", "next_at"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.user_id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON)  # [[[label, data], ...], ...]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class SendSlotRow(Base):
    """One row per limit shared by every instance on the database: the next free send time (NUDGE_RATE)."""

    __tablename__ = "send_slots"

    name: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdateRow(Base):
    """An update_id already handled, written in the transaction that handled it; kept about two days
    (Telegram gives up redelivering long before that)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


metadata = Base.metadata
# The Core tables the repositories write through (statements on tables skip the ORM's unit of work).
users = metadata.tables["users"]
journeys = metadata.tables["journeys"]
history = metadata.tables["history"]
entries = metadata.tables["entries"]
nudges = metadata.tables["nudges"]
outbox = metadata.tables["outbox"]
send_slots = metadata.tables["send_slots"]
processed_updates = metadata.tables["processed_updates"]
