"""Entries join the chain when their transaction commits, and writers never queue on it.

The first tests run on any database; the last two need two real PostgreSQL connections
(the advisory lock is PostgreSQL's) and commit for real, removing what they wrote after.
"""

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.audit.models import AuditEntry

TIMEOUT = 20.0  # seconds a step may take before the test calls it blocked


def _actions(db: Session, marker: str) -> list[str]:
    return list(
        db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.record_id.startswith(marker))
            .order_by(AuditEntry.seq)
        )
    )


def test_entries_join_the_chain_at_commit_and_verify(db: Session) -> None:
    audit.record(db, action="test.one", record_kind="test", record_id="seal-1")
    db.add(Organisation(name="Sealed later", short_name="SL", kind=OrganisationKind.VENDOR))
    db.flush()
    assert _actions(db, "seal-") == []  # not yet: nothing of the chain is touched before commit
    audit.record(db, action="test.two", record_kind="test", record_id="seal-2")
    db.commit()
    assert _actions(db, "seal-") == ["test.one", "test.two"]
    assert "organisation.create" in db.scalars(select(AuditEntry.action)).all()
    assert audit.verify(db).ok


def test_changes_left_unflushed_at_commit_are_still_recorded(db: Session) -> None:
    org = Organisation(name="Flushed by commit", short_name="FC", kind=OrganisationKind.VENDOR)
    db.add(org)
    db.commit()  # the commit's own flush makes the entry, and it is sealed with the rest
    assert db.scalar(
        select(func.count()).where(
            AuditEntry.action == "organisation.create", AuditEntry.record_id == org.id
        )
    )
    assert audit.verify(db).ok


def test_a_rolled_back_transaction_leaves_no_entry(db: Session) -> None:
    audit.record(db, action="test.kept", record_kind="test", record_id="keep-1")
    db.commit()
    audit.record(db, action="test.dropped", record_kind="test", record_id="keep-2")
    db.add(Organisation(name="Never made", short_name="NM", kind=OrganisationKind.VENDOR))
    db.flush()
    db.rollback()
    audit.record(db, action="test.after", record_kind="test", record_id="keep-3")
    db.commit()
    assert _actions(db, "keep-") == ["test.kept", "test.after"]
    assert not db.scalar(select(func.count()).where(AuditEntry.record_kind == "organisation"))
    assert audit.verify(db).ok


def test_a_rolled_back_savepoint_drops_only_its_own_entries(db: Session) -> None:
    audit.record(db, action="test.outer", record_kind="test", record_id="nest-1")
    with db.begin_nested():
        audit.record(db, action="test.released", record_kind="test", record_id="nest-2")
    savepoint = db.begin_nested()
    audit.record(db, action="test.inner", record_kind="test", record_id="nest-3")
    with db.begin_nested():
        audit.record(db, action="test.innermost", record_kind="test", record_id="nest-4")
    savepoint.rollback()
    audit.record(db, action="test.last", record_kind="test", record_id="nest-5")
    db.commit()
    assert _actions(db, "nest-") == ["test.outer", "test.released", "test.last"]
    assert audit.verify(db).ok


# --- two real connections (PostgreSQL) ------------------------------------------------------


@pytest.fixture
def committing(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit; what they wrote is removed afterwards, newest entries
    last-in first-out so the chain left behind is still whole."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the chain's advisory lock is PostgreSQL's; SQLite has one writer anyway")
    with engine.connect() as connection:
        head = connection.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    yield factory
    with engine.begin() as connection:
        connection.execute(delete(Organisation).where(Organisation.name.startswith("Lockless")))
        connection.execute(delete(AuditEntry).where(AuditEntry.seq > head))


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # handed to the test, which re-raises it
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def _bounded(session: Session) -> None:
    # Nothing waits for ever: a lock wait past the timeout is an error the test reports.
    session.execute(text(f"SET LOCAL lock_timeout = '{int(TIMEOUT * 1000)}ms'"))


def test_an_open_audited_transaction_does_not_hold_up_another(
    committing: sessionmaker[Session],
) -> None:
    first = committing()
    _bounded(first)
    first.add(Organisation(name="Lockless one", short_name="L1", kind=OrganisationKind.VENDOR))
    first.flush()  # audited, and left open: the old code held the chain's lock from here
    audit.record(first, action="test.first", record_kind="test", record_id="lockless-1")

    def second_writer() -> None:
        with committing() as second:
            _bounded(second)
            second.add(
                Organisation(name="Lockless two", short_name="L2", kind=OrganisationKind.VENDOR)
            )
            audit.record(second, action="test.second", record_kind="test", record_id="lockless-2")
            second.commit()

    thread, errors = _in_thread(second_writer)
    thread.join(TIMEOUT)
    blocked = thread.is_alive()
    first.commit()  # lets a blocked second writer go on, so the test ends either way
    first.close()
    thread.join(TIMEOUT)
    assert not blocked, "the second writer waited for the first transaction to end"
    assert not errors, errors

    with committing() as check:
        assert _actions(check, "lockless-") == ["test.second", "test.first"]
        assert audit.verify(check).ok


def test_a_row_lock_and_the_chain_cannot_deadlock(committing: sessionmaker[Session]) -> None:
    with committing() as setup:
        row = Organisation(name="Lockless row", short_name="LR", kind=OrganisationKind.VENDOR)
        setup.add(row)
        setup.commit()
        row_id = row.id

    holder = committing()
    _bounded(holder)
    holder.execute(select(Organisation.id).where(Organisation.id == row_id).with_for_update())
    holder.add(Organisation(name="Lockless held", short_name="LH", kind=OrganisationKind.VENDOR))
    holder.flush()

    first_audited = threading.Event()

    def waiter() -> None:
        with committing() as session:
            _bounded(session)
            audit.record(session, action="test.waiter", record_kind="test", record_id="lockless-w")
            session.add(
                Organisation(name="Lockless waiter", short_name="LW", kind=OrganisationKind.VENDOR)
            )
            session.flush()  # audited first: the old code took the chain's lock here
            first_audited.set()
            session.execute(
                select(Organisation.id).where(Organisation.id == row_id).with_for_update()
            )  # waits for the holder's row lock
            session.commit()

    thread, errors = _in_thread(waiter)
    try:
        assert first_audited.wait(TIMEOUT), errors
        # The holder makes another audited change and commits while the waiter waits on its
        # row: the old code made it wait for the chain's lock the waiter held (a deadlock).
        audit.record(holder, action="test.holder", record_kind="test", record_id="lockless-h")
        holder.commit()
    finally:
        holder.close()  # a failed test must not leave the row locked for the clean-up
        thread.join(TIMEOUT)
    assert not thread.is_alive(), "the waiter never got the row"
    assert not errors, errors
    with committing() as check:
        assert _actions(check, "lockless-") == ["test.holder", "test.waiter"]
        assert audit.verify(check).ok
