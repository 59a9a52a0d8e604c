"""Signed checkpoints of the audit chain, kept by the operator away from the database host.

A checkpoint names the newest entry (sequence number, seal, time) and the node, signed with
HMAC-SHA256 under the audit key. ``verify`` against it catches what the chain alone cannot:
the newest entries removed (the checkpoint's entry is gone) or the log rebuilt (its seal
differs).
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.audit import chain
from aseancyber.audit.models import AuditEntry
from aseancyber.errors import Invalid
from aseancyber.settings import get_settings

FORMAT = "aseancyber-audit-checkpoint/1"
_SIGNED = ("format", "node", "seq", "hash", "at")


def _signature(body: dict[str, Any], key: bytes) -> str:
    payload = orjson.dumps({name: body[name] for name in _SIGNED}, option=orjson.OPT_SORT_KEYS)
    return hmac.new(key, b"checkpoint\x00" + payload, hashlib.sha256).hexdigest()


def create(db: Session) -> dict[str, Any]:
    """A signed checkpoint of the chain's newest entry; refused while the chain is broken."""
    result = chain.walk(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)), chain.audit_key())
    if not result.ok:
        raise Invalid(f"the audit chain is broken at entry {result.first_bad_seq}", "chain")
    at = db.scalar(select(AuditEntry.at).where(AuditEntry.seq == result.head_seq))
    body: dict[str, Any] = {
        "format": FORMAT,
        "node": get_settings().node_name,
        "seq": result.head_seq,
        "hash": result.head_hash,
        "at": at.isoformat() if at is not None else None,
    }
    body["signature"] = _signature(body, chain.audit_key())
    return body


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str


def parse(raw: bytes, *, source: str) -> Checkpoint:
    """A checkpoint read from ``raw``, after checking its form, node and signature."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Invalid(f"{source} is not a JSON checkpoint", "checkpoint") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise Invalid(f"{source} is not an audit checkpoint ({FORMAT})", "checkpoint")
    seq, seal, signature = body.get("seq"), body.get("hash"), body.get("signature")
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or seq < 0
        or not isinstance(seal, str)
        or not isinstance(signature, str)
        or not all(name in body for name in _SIGNED)
    ):
        raise Invalid(f"{source} lacks a valid seq, hash, at, node or signature", "checkpoint")
    if body["node"] != get_settings().node_name:
        raise Invalid(
            f"{source} was made by node {body['node']!r}, not this node "
            f"({get_settings().node_name!r})",
            "checkpoint",
        )
    if not hmac.compare_digest(_signature(body, chain.audit_key()), signature):
        raise Invalid(
            f"{source} is not signed with this node's audit key: forged or altered",
            "checkpoint",
        )
    return Checkpoint(seq, seal)


def problem_with(db: Session, *, checkpoint: Checkpoint) -> str | None:
    """What the log lost or changed since ``checkpoint`` was made, or ``None`` if nothing."""
    if checkpoint.seq == 0:
        return None
    seal = db.scalar(select(AuditEntry.hash).where(AuditEntry.seq == checkpoint.seq))
    if seal is None:
        newest = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
        return (
            f"entry {checkpoint.seq}, named by the checkpoint, is missing: the log was "
            f"truncated (it now ends at entry {newest})"
        )
    if not hmac.compare_digest(seal, checkpoint.hash):
        return f"entry {checkpoint.seq} is not the one the checkpoint signed: the log was rewritten"
    return None
