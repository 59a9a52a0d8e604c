"""Record audit entries with the caller's transaction, seal them at its commit, verify them.

Reading the trail (who may list which entries) is in :mod:`aseancyber.access.audit_trail`:
the log itself builds on no access rule, so access can record its own events here."""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import orjson
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from aseancyber.audit import chain
from aseancyber.audit.chain import VerifyResult
from aseancyber.audit.models import AuditEntry
from aseancyber.db import SESSION_ACTOR, defer_write, utcnow


class Attributed(Protocol):
    """Who an entry is attributed to (access's ``Actor`` is one)."""

    @property
    def user_id(self) -> str | None: ...

    @property
    def organisation_id(self) -> str | None: ...


def digest(values: dict[str, Any] | None) -> str | None:
    """SHA-256 of a record's values in canonical JSON; the log keeps digests, not content."""
    if values is None:
        return None
    return hashlib.sha256(
        orjson.dumps(values, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()


def record(
    db: Session,
    *,
    action: str,
    record_kind: str,
    record_id: str,
    record_organisation_id: str | None = None,
    changed_fields: list[str] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Attributed | None = None,
    detail: dict[str, int] | None = None,
) -> None:
    """Add one entry to the caller's transaction; it joins the chain when that commits
    (a GET's read-only transaction queues it for a short write transaction of its own).

    ``detail`` carries counts for an entry standing for many rows (a purge), never content.
    """
    who = actor if actor is not None else db.info.get(SESSION_ACTOR)
    if defer_write(
        db,
        partial(
            record,
            action=action,
            record_kind=record_kind,
            record_id=record_id,
            record_organisation_id=record_organisation_id,
            changed_fields=changed_fields,
            before=before,
            after=after,
            actor=who,
            detail=detail,
        ),
    ):
        return
    _buffer(
        db,
        [
            {
                "action": action,
                "record_kind": record_kind,
                "record_id": record_id,
                "record_organisation_id": record_organisation_id,
                "changed_fields": sorted(changed_fields or []),
                "before_digest": digest(before),
                "after_digest": digest(after),
                "detail": detail,
            }
        ],
        who,
    )


# --- entries wait in the session until its transaction commits ----------------------------
#
# Writers used to take the chain's lock at their first audited change and hold it for the
# rest of their transaction: one slow TAXII upload made every audited write on the platform
# wait, and the lock joined deadlock cycles with row locks. Now entries wait in
# ``session.info`` with the (sub)transaction they were made in; ``before_commit`` seals them
# into the chain, so the lock is the last one a transaction takes and is held only from the
# end of its work until its commit. A rolled-back transaction or savepoint drops its entries.

_BUFFER = "audit_buffer"


@dataclass(frozen=True)
class _Waiting:
    transaction: SessionTransaction | None  # None: recorded before anything began
    fields: dict[str, Any]


def _buffer(db: Session, entries: list[dict[str, Any]], actor: Attributed | None) -> None:
    if not entries:
        return
    transaction = db.get_nested_transaction() or db.get_transaction()
    at = utcnow()
    waiting: list[_Waiting] = db.info.setdefault(_BUFFER, [])
    for entry in entries:
        fields = {
            **entry,
            "at": at,
            "actor_user_id": actor.user_id if actor else None,
            "actor_organisation_id": actor.organisation_id if actor else None,
        }
        waiting.append(_Waiting(transaction, fields))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _seal_on_commit(db: Session) -> None:
    if db.get_nested_transaction() is not None:
        return  # a savepoint is released, not committed: its entries wait for the real commit
    db.flush()  # the last changes' entries are made by this flush, so flush before sealing
    waiting: list[_Waiting] = db.info.pop(_BUFFER, [])
    if waiting:
        chain.seal(db.connection(), [item.fields for item in waiting])


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(db: Session, previous_transaction: SessionTransaction) -> None:
    waiting: list[_Waiting] = db.info.get(_BUFFER, [])
    db.info[_BUFFER] = [
        item for item in waiting if not _within(item.transaction, previous_transaction)
    ]


@event.listens_for(Session, "after_transaction_end")
def _drop_unsealed(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without committing (or sealed already): drop
        db.info.pop(_BUFFER, None)


# --- automatic entries for every ORM change ------------------------------------------------


def _column_values(obj: Any, *, previous: bool) -> tuple[dict[str, Any], list[str]]:
    state = inspect(obj)
    values: dict[str, Any] = {}
    changed: list[str] = []
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            changed.append(attr.key)
        if previous and history.deleted:
            values[attr.key] = history.deleted[0]
        else:
            values[attr.key] = getattr(obj, attr.key, None)
    return values, changed


def _record_organisation(obj: Any) -> str | None:
    for name in ("owner_organisation_id", "organisation_id"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            return value
    if type(obj).__tablename__ == "organisation":
        return str(obj.id)
    return None


def _record_id(obj: Any) -> str:
    state = inspect(obj)
    # Rows created in this flush have no identity key until the flush ends; read their key.
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    if not identity or all(part is None for part in identity):
        return ""
    return ":".join(str(part) for part in identity)


def _is_audited(obj: Any) -> bool:
    return not isinstance(obj, AuditEntry) and getattr(type(obj), "__audited__", True)


def _entry(
    obj: Any,
    verb: str,
    changed: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    kind = str(type(obj).__tablename__)
    return {
        "action": f"{kind}.{verb}",
        "record_kind": kind,
        "record_id": _record_id(obj),
        "record_organisation_id": _record_organisation(obj),
        "changed_fields": sorted(changed),
        "before_digest": digest(before),
        "after_digest": digest(after),
        "detail": None,
    }


_pending_key = "audit_pending"
_early_key = "audit_early"


@event.listens_for(Session, "before_flush")
def _collect(db: Session, _flush: UOWTransaction, _instances: Any) -> None:
    # Changed and deleted rows must be read before the flush; new rows get their ids in it.
    db.info[_pending_key] = [obj for obj in db.new if _is_audited(obj)]
    db.info[_early_key] = list(_changes_and_deletions(db))


def _changes_and_deletions(db: Session) -> Iterator[dict[str, Any]]:
    for obj in db.dirty:
        if _is_audited(obj) and db.is_modified(obj, include_collections=False):
            before, changed = _column_values(obj, previous=True)
            after, _ = _column_values(obj, previous=False)
            if changed:
                yield _entry(obj, "update", changed, before, after)
    for obj in db.deleted:
        if _is_audited(obj):
            before, _ = _column_values(obj, previous=True)
            yield _entry(obj, "delete", [], before, None)


@event.listens_for(Session, "after_flush")
def _append_for_flush(db: Session, _flush: UOWTransaction) -> None:
    entries: list[dict[str, Any]] = list(db.info.pop(_early_key, []))
    for obj in db.info.pop(_pending_key, []):
        after, _ = _column_values(obj, previous=False)
        entries.append(_entry(obj, "create", sorted(after), None, after))
    _buffer(db, entries, db.info.get(SESSION_ACTOR))


# --- reading and verifying -----------------------------------------------------------------


def verify(db: Session, *, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Walk the whole chain and name the first altered, removed, reordered or forged entry."""
    rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000))
    try:
        return chain.walk(rows, chain.audit_key(), progress)
    finally:
        rows.close()
