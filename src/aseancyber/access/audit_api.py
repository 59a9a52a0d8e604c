"""Audit REST routes: read the trail you may see, and (platform admins) verify the chain."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from aseancyber.access import audit_trail
from aseancyber.access.audit_schemas import AuditEntryPage, AuditEntryRead, VerifyResultRead
from aseancyber.access.dependencies import DbSession, require
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.audit import service
from aseancyber.errors import Invalid
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AuditReader = Annotated[Actor, Depends(require(Permission.AUDIT_READ_ORGANISATION))]
PlatformAuditor = Annotated[Actor, Depends(require(Permission.AUDIT_READ_ALL))]


def as_utc(value: datetime | None, field: str) -> datetime | None:
    """A time from a query string in UTC; one without a zone is taken as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as error:
        raise Invalid("is out of the range of dates this server keeps", field) from error


@router.get("")
def list_audit_entries(
    *,
    db: DbSession,
    actor: AuditReader,
    action: Annotated[str | None, Query(max_length=80)] = None,
    record_kind: Annotated[str | None, Query(max_length=40)] = None,
    actor_user: Annotated[
        str | None, Query(alias="actor", max_length=254, description="user id or e-mail")
    ] = None,
    since: Annotated[datetime | None, Query(description="inclusive; UTC if no zone")] = None,
    until: Annotated[datetime | None, Query(description="exclusive; UTC if no zone")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AuditEntryPage:
    """Audit entries newest first: your organisation's trail, or all of it for platform admins,
    less entries about records you may not see (roles never widen what you see).

    ``action`` matches exactly, or as a prefix when it ends with ``*`` (``organisation.*``).
    """
    page = audit_trail.list_entries(
        db,
        actor=actor,
        action=action,
        record_kind=record_kind,
        actor_user=actor_user,
        since=as_utc(since, "since"),
        until=as_utc(until, "until"),
        cursor=cursor,
        limit=limit,
    )
    return AuditEntryPage(
        items=[AuditEntryRead.of(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.post("/verify")
def verify_audit_chain(db: DbSession, actor: PlatformAuditor) -> VerifyResultRead:
    """Check the whole hash chain and name the first altered, removed or reordered entry."""
    return VerifyResultRead.of(service.verify(db))
