"""Database engine, sessions, the declarative base and the column types every domain shares."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import DateTime, Engine, Enum, MetaData, String, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from aseancyber.settings import Settings, get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    """The project's Alembic configuration (the migrations the schema is built from)."""
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def db_enum(kind: type[StrEnum], name: str) -> "Enum":
    """A portable enum column type: stored as its string value, checked on every database."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
    )


def new_id() -> str:
    """A new random record id (UUID4 text): unguessable, portable across databases."""
    return str(uuid.uuid4())


def id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - replaced by tests


def utcnow() -> datetime:
    """The current time in UTC; tests replace the clock with :func:`set_clock`."""
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests only); ``None`` restores the real one."""
    global _clock  # noqa: PLW0603 - one process-wide clock, swapped only by tests
    _clock = clock or (lambda: datetime.now(UTC))


WAL_CHECKPOINT_PAGES = 16384


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the write-ahead log every 64 MiB rather than every 4 MiB: with the
        # default, every 1,000-object TAXII envelope paid for a checkpoint (and its fsync)
        # of index pages the next envelope dirtied again. The file is cut back to the same
        # size after a checkpoint.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get(_WRITER, False):
            # A reader: deferred, it takes no lock and (WAL) never waits for a writer.
            connection.exec_driver_sql("BEGIN")
            return
        # A writer waits for the lock up to the busy timeout, or not at all when it only
        # does bookkeeping that may be skipped (see :func:`write_apart`).
        wait = 0 if options.get(_NO_WAIT, False) else busy_timeout_ms
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_WRITER = "aseancyber_writer"
_NO_WAIT = "aseancyber_no_wait"
AFTER_READ = "aseancyber_writes_after_read"
# Session.info key for the actor of the request: the audit log attributes row changes to it.
SESSION_ACTOR = "actor"


def begin_writing(session: Session) -> None:
    """Open the session's transaction as a writer.

    On SQLite this is ``BEGIN IMMEDIATE``: the write lock is taken (waiting up to the busy
    timeout) before anything is read, so a read-then-write unit never fails halfway when
    another writer committed in between. Other databases need nothing special.
    """
    if not session.in_transaction():
        session.connection(execution_options={_WRITER: True})


def defer_write(session: Session, work: Callable[[Session], None]) -> bool:
    """Queue ``work`` when ``session`` is a read-only request's (GET): it runs after the read,
    in a short write transaction of its own (:func:`write_apart`), so the read never turns
    into a writer that a concurrent commit makes fail. Returns whether it was queued."""
    queue: list[Callable[[Session], None]] | None = session.info.get(AFTER_READ)
    if queue is None:
        return False
    queue.append(work)
    return True


def write_here(session: Session) -> None:
    """Turn a read-only request's session (see :func:`defer_write`) into a writer, for the
    rare question that must change data after all (matching that records sightings), or for
    the short write at the end of a POST that reads first (a large upload, checked). What
    it read so far is dropped (it changed nothing) and the transaction starts again as a
    writer, so its reads and writes, audit entries included, form one unit."""
    if session.info.pop(AFTER_READ, None) is None:
        return
    if session.in_transaction():
        session.rollback()
    begin_writing(session)


def write_apart(
    factory: sessionmaker[Session],
    works: list[Callable[[Session], None]],
    *,
    wait: bool = True,
) -> None:
    """Run ``works`` in one short write transaction of their own and commit it.

    With ``wait=False`` the transaction does not wait for another writer (SQLite: no busy
    wait; PostgreSQL: a 200 ms lock timeout) and raises at once; for bookkeeping the caller
    may skip (:func:`is_contention` tells that failure apart)."""
    with factory() as session:
        options: dict[str, Any] = {_WRITER: True, _NO_WAIT: not wait}
        connection = session.connection(execution_options=options)
        if not wait and connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
        for work in works:
            work(session)
        session.commit()


def make_engine(url: str, *, settings: Settings | None = None) -> Engine:
    """Create an engine for ``url`` with the platform's connection settings."""
    settings = settings or get_settings()
    if url.startswith("sqlite"):
        busy = settings.sqlite_busy_timeout_seconds
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy},
            # As many as the requests admitted can hold at once (``Settings.sqlite_pool_size``):
            # a request never waits for a pooled connection, only (briefly) for the write lock.
            pool_size=settings.sqlite_pool_size(),
            max_overflow=0,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
        _configure_sqlite(engine, int(busy * 1000))
        return engine
    pool_size, max_overflow = settings.pool_shape()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
    )


# SQLSTATEs of PostgreSQL contention a retry can cure: serialization failure, deadlock
# detected, lock not available, and a statement or lock timeout.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014"})


def is_contention(error: BaseException) -> bool:
    """Whether ``error`` means "the database is busy, try again shortly": SQLite's lock
    wait ran out, PostgreSQL gave up on a lock or a deadlock, or the pool had no connection
    free in time. Anything else is a real failure."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database is busy" in text


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    settings = get_settings()
    return make_engine(settings.database_url, settings=settings)


@lru_cache
def get_session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(*, writing: bool = True) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any error."""
    session = get_session_factory()()
    if writing:
        begin_writing(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_missing(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table, skipping those whose key is already there
    (``ON CONFLICT DO NOTHING``): for derived rows that two processes may store at once."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values(rows).on_conflict_do_nothing())
