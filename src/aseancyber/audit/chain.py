"""The audit chain itself: its key, each entry's seal, appending in order, and verifying it.

Each entry's ``hash`` is HMAC-SHA256, under a key kept outside the database, of the entry's
canonical JSON (which includes the previous entry's hash). Without the key nobody can
rewrite an entry and recompute the rest, nor append an entry of their own; removing the
newest entries is caught against a signed checkpoint the operator keeps elsewhere
(:mod:`aseancyber.audit.checkpoints`).

Entries written before the chain was keyed were sealed with plain SHA-256; migration 0018
re-sealed them with the key after checking their plain chain, so one rule verifies the
whole log and there is no "plain" entry an attacker could pass off as old.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, insert, select, text

from aseancyber.audit.models import AuditEntry
from aseancyber.settings import Settings, get_settings

GENESIS = "0" * 64
CHAIN_LOCK_KEY = 7_240_318  # PostgreSQL advisory lock taken only while sealing, at commit

PLAIN_HASHED_FIELDS = (
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
HASHED_FIELDS = (*PLAIN_HASHED_FIELDS, "detail")  # keyed seals also cover the counts


def audit_key(settings: Settings | None = None) -> bytes:
    """The chain's HMAC key: ``ASEANCYBER_AUDIT_KEY``, or one derived from the secret key."""
    settings = settings or get_settings()
    if settings.audit_key:
        return settings.audit_key.encode()
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"aseancyber-audit",
        info=b"audit-chain",
    ).derive(settings.secret_key.encode())


def canonical_payload(fields: dict[str, Any], names: Sequence[str] = HASHED_FIELDS) -> bytes:
    """The bytes an entry's seal covers: its hashed fields as sorted, compact JSON."""
    payload = {key: fields.get(key) for key in names}
    payload["at"] = fields["at"].isoformat()
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def plain_hash(fields: dict[str, Any]) -> str:
    """The unkeyed SHA-256 seal entries had before migration 0018 (read by that migration)."""
    return hashlib.sha256(canonical_payload(fields, PLAIN_HASHED_FIELDS)).hexdigest()


def entry_hash(fields: dict[str, Any], key: bytes) -> str:
    """An entry's seal: HMAC-SHA256 under the audit key of its canonical payload."""
    return hmac.new(key, canonical_payload(fields), hashlib.sha256).hexdigest()


def lock_chain(connection: Connection) -> None:
    """Take the chain's lock until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def chain_head(connection: Connection) -> tuple[int, str]:
    """The newest entry's sequence number and hash (0 and the genesis hash when empty)."""
    row = connection.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (row[0], row[1])


def seal(
    connection: Connection, entries: Sequence[dict[str, Any]], *, key: bytes | None = None
) -> None:
    """Append ``entries`` (all fields but seq, prev_hash and hash) to the chain, in order.

    The lock is held from here until the transaction commits, so callers seal last, at
    commit, when they wait on nothing else.
    """
    if not entries:
        return
    key = key if key is not None else audit_key()
    lock_chain(connection)
    seq, prev_hash = chain_head(connection)
    rows = []
    for entry in entries:
        seq += 1
        fields = {**entry, "seq": seq, "prev_hash": prev_hash}
        fields["hash"] = prev_hash = entry_hash(fields, key)
        rows.append(fields)
    connection.execute(insert(AuditEntry), rows)


def record_migration(
    connection: Connection,
    *,
    revision: str,
    action: str,
    record_kind: str,
    counts: dict[str, int],
    key: bytes | None = None,
) -> None:
    """Seal one entry for a data migration that changed rows: which revision, how many."""
    seal(
        connection,
        [
            {
                "at": datetime.now(UTC),
                "actor_user_id": None,
                "actor_organisation_id": None,
                "action": action,
                "record_kind": record_kind,
                "record_id": f"migration:{revision}",
                "record_organisation_id": None,
                "changed_fields": [],
                "before_digest": None,
                "after_digest": None,
                "detail": counts,
            }
        ],
        key=key,
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def walk(
    rows: Iterable[AuditEntry], key: bytes, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    """Check each entry's seal and link in order; name the first that is not as written."""
    prev_hash = GENESIS
    expected_seq = 1
    for entry in rows:
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        checked = expected_seq - 1
        if entry.seq != expected_seq:
            problem = f"entry {expected_seq} was removed (the log resumes at entry {entry.seq})"
            return VerifyResult(False, checked, expected_seq, problem)
        if not hmac.compare_digest(entry_hash(fields, key), entry.hash):
            problem = (
                f"entry {entry.seq} was altered or fabricated: its content does not match "
                "its keyed seal"
            )
            return VerifyResult(False, checked, entry.seq, problem)
        if entry.prev_hash != prev_hash:
            problem = (
                f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                "entries were reordered, removed or rewritten"
            )
            return VerifyResult(False, checked, entry.seq, problem)
        prev_hash = entry.hash
        expected_seq += 1
        if progress is not None:
            progress(1)
    return VerifyResult(True, expected_seq - 1, head_seq=expected_seq - 1, head_hash=prev_hash)
