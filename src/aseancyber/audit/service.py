"""Append to the audit log in the same transaction as the change, and verify its chain."""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import orjson
from sqlalchemy import ColumnElement, event, insert, inspect, select, text
from sqlalchemy.orm import Session, UOWTransaction

from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor
from aseancyber.audit.models import AuditEntry
from aseancyber.community.models import Organisation, User
from aseancyber.db import defer_write, utcnow
from aseancyber.errors import Invalid
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_240_318  # PostgreSQL advisory lock that orders writers of the chain
SESSION_ACTOR = "actor"


def digest(values: dict[str, Any] | None) -> str | None:
    """SHA-256 of a record's values in canonical JSON; the log keeps digests, not content."""
    if values is None:
        return None
    return hashlib.sha256(
        orjson.dumps(values, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()


def entry_hash(fields: dict[str, Any]) -> str:
    payload = {key: fields[key] for key in _HASHED_FIELDS}
    payload["at"] = fields["at"].isoformat()
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


_HASHED_FIELDS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_organisation_id",
    "action",
    "record_kind",
    "record_id",
    "record_organisation_id",
    "changed_fields",
    "before_digest",
    "after_digest",
    "prev_hash",
)


def _chain_head(db: Session) -> tuple[int, str]:
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    row = connection.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (row[0], row[1])


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
    actor: Actor | None = None,
) -> None:
    """Append one entry, chained to the previous one, inside the caller's transaction
    (a GET's read-only transaction queues it for a short write transaction of its own)."""
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
        ),
    ):
        return
    _append(
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
            }
        ],
        who,
    )


def _append(db: Session, entries: list[dict[str, Any]], actor: Actor | None) -> None:
    if not entries:
        return
    seq, prev_hash = _chain_head(db)
    at = utcnow()
    rows = []
    for entry in entries:
        seq += 1
        fields = {
            **entry,
            "seq": seq,
            "at": at,
            "actor_user_id": actor.user_id if actor else None,
            "actor_organisation_id": actor.organisation_id if actor else None,
            "prev_hash": prev_hash,
        }
        fields["hash"] = prev_hash = entry_hash(fields)
        rows.append(fields)
    db.connection().execute(insert(AuditEntry), rows)


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
    _append(db, entries, db.info.get(SESSION_ACTOR))


# --- reading and verifying -----------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(db: Session, *, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Walk the whole chain and name the first altered, removed or reordered entry."""
    rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000))
    try:
        return _walk(rows, progress)
    finally:
        rows.close()


def _walk(rows: Iterable[AuditEntry], progress: Callable[[int], None] | None) -> VerifyResult:
    prev_hash = GENESIS
    expected_seq = 1
    for entry in rows:
        fields = {name: getattr(entry, name) for name in _HASHED_FIELDS}
        if entry.seq != expected_seq:
            problem = f"entry {expected_seq} was removed (the log resumes at entry {entry.seq})"
            return VerifyResult(False, expected_seq - 1, expected_seq, problem)
        if entry_hash(fields) != entry.hash:
            problem = f"entry {entry.seq} was altered: its content no longer matches its hash"
            return VerifyResult(False, expected_seq - 1, entry.seq, problem)
        if entry.prev_hash != prev_hash:
            problem = (
                f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                "entries were reordered, removed or rewritten"
            )
            return VerifyResult(False, expected_seq - 1, entry.seq, problem)
        prev_hash = entry.hash
        expected_seq += 1
        if progress is not None:
            progress(1)
    return VerifyResult(True, expected_seq - 1)


def visible_entries_filter(actor: Actor, *, all_organisations: bool) -> ColumnElement[bool]:
    """Organisation admins see their organisation's trail; platform admins see all of it."""
    if all_organisations:
        return AuditEntry.seq.is_not(None)
    return (AuditEntry.actor_organisation_id == actor.organisation_id) | (
        AuditEntry.record_organisation_id == actor.organisation_id
    )


# --- reading the trail ---------------------------------------------------------------------


def reads_all_organisations(actor: Actor) -> bool:
    """Whether ``actor`` reads the whole trail (platform admins) or only their organisation's."""
    return Permission.AUDIT_READ_ALL in permissions_of(actor.roles)


def list_entries(
    db: Session,
    *,
    actor: Actor,
    action: str | None = None,
    record_kind: str | None = None,
    actor_user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AuditEntry]:
    """One page of the entries ``actor`` may read, newest first, narrowed by the filters.

    ``action`` matches exactly, or as a prefix when it ends with ``*``; ``actor_user`` is a
    user id or an e-mail address; ``since`` is inclusive and ``until`` exclusive.
    """
    for field, value in (("action", action), ("record_kind", record_kind), ("actor", actor_user)):
        if value and "\x00" in value:  # PostgreSQL refuses NUL in text; say so, do not fail
            raise Invalid("must not contain NUL characters", field)
    if since is not None and until is not None and since >= until:
        raise Invalid("must be later than the start of the range", "until")
    statement = select(AuditEntry).where(
        visible_entries_filter(actor, all_organisations=reads_all_organisations(actor))
    )
    if action:
        action = action.strip()
        if action.endswith("*"):
            statement = statement.where(
                AuditEntry.action.startswith(action.rstrip("*"), autoescape=True)
            )
        else:
            statement = statement.where(AuditEntry.action == action)
    if record_kind:
        statement = statement.where(AuditEntry.record_kind == record_kind.strip())
    if actor_user:
        who = actor_user.strip()
        statement = statement.where(
            AuditEntry.actor_user_id.in_(select(User.id).where(User.email == who.lower()))
            if "@" in who
            else AuditEntry.actor_user_id == who
        )
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if until is not None:
        statement = statement.where(AuditEntry.at < until)
    return paginate(
        db, statement, keys=[AuditEntry.seq], cursor=cursor, limit=limit, descending=True
    )


@dataclass(frozen=True)
class EntryNames:
    """Display names for the users and organisations a page of entries mentions."""

    users: dict[str, str]
    organisations: dict[str, str]


def names_for(db: Session, entries: Iterable[AuditEntry]) -> EntryNames:
    """Look up, in two queries, who and which organisations a page of entries names."""
    entries = list(entries)
    user_ids = {e.actor_user_id for e in entries if e.actor_user_id}
    organisation_ids = {
        value
        for e in entries
        for value in (e.actor_organisation_id, e.record_organisation_id)
        if value
    }
    users = dict(
        db.execute(select(User.id, User.email).where(User.id.in_(user_ids))).tuples().all()
    )
    organisations = dict(
        db.execute(
            select(Organisation.id, Organisation.short_name).where(
                Organisation.id.in_(organisation_ids)
            )
        )
        .tuples()
        .all()
    )
    return EntryNames(users, organisations)
