"""Audit response shapes: entries as the log keeps them, and the verifier's answer."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from aseancyber.audit.chain import VerifyResult
from aseancyber.audit.models import AuditEntry
from aseancyber.shaping import shaped


class AuditEntryRead(BaseModel):
    """One audit entry: who did what to which record, with digests of before and after."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_user_id: str | None
    actor_organisation_id: str | None
    action: str
    record_kind: str
    record_id: str
    record_organisation_id: str | None
    changed_fields: list[str]
    before_digest: str | None
    after_digest: str | None
    detail: dict[str, int] | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> "AuditEntryRead":
        return cls.model_validate(entry)


class AuditEntryPage(BaseModel):
    """Entries newest first; pass ``next_cursor`` back as ``cursor`` for older ones."""

    items: list[AuditEntryRead]
    next_cursor: str | None


class VerifyResultRead(BaseModel):
    """Whether the chain is intact; when not, the first entry that is not as written."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str

    @classmethod
    def of(cls, result: VerifyResult) -> "VerifyResultRead":
        return shaped(
            cls,
            result,
        )
