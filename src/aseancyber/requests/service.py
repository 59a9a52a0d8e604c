"""Cross-border requests: create, edit drafts, list, read, the thread, and templates per kind.

Every query starts from ``visible_to(reader, CrossBorderRequest)``: a request the reader
may not see is NotFound everywhere and is never counted. The life of a request (sending,
acknowledging, answering ...) and its deadlines are in :mod:`aseancyber.requests.workflow`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import (
    Actor,
    Reader,
    audience_of,
    can_see,
    visible_to,
)
from aseancyber.access.rules import Action, may
from aseancyber.access.service import actor_for
from aseancyber.access.shareable import check_relabel, count_rows, get_visible, require_version
from aseancyber.community.service import contains_text, has_nul
from aseancyber.db import utcnow
from aseancyber.errors import FieldProblem, Forbidden, Invalid
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.requests.models import (
    CrossBorderRequest,
    RequestEscalation,
    RequestKind,
    RequestMessage,
    RequestStatus,
)
from aseancyber.requests.schemas import (
    RequestCreate,
    RequestUpdate,
)
from aseancyber.settings import get_settings
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

MAX_EXPORT = 10_000

# What each kind must carry before it may exist, in the order a form shows them.
REQUIRED_FIELDS: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.ASSISTANCE: ("body", "requesting_contact"),
    RequestKind.INFORMATION: ("body",),
    RequestKind.CONSULTATION: ("body",),
    RequestKind.PRESERVATION: (
        "requesting_contact",
        "case_reference",
        "offence",
        "facts_summary",
        "data_to_preserve",
        "identifiers",
        "custodian",
        "custodian_location",
        "urgency_reason",
        "mla_will_follow",
        "preservation_days",
        "confidentiality",
    ),
}

FIELD_LABELS = {
    "body": "the request itself",
    "requesting_contact": "the requesting authority's 24/7 contact",
    "case_reference": "the case reference",
    "offence": "the offence",
    "facts_summary": "a summary of the facts",
    "data_to_preserve": "the data to preserve",
    "identifiers": "identifiers (IP address with timestamp and time zone, account, URL)",
    "custodian": "the custodian or service provider",
    "custodian_location": "where the custodian is",
    "urgency_reason": "why preservation is urgent",
    "mla_will_follow": "the statement that a mutual legal assistance request will follow",
    "preservation_days": "the preservation period (at least 60 days)",
    "confidentiality": "the confidentiality requirement",
}

TEMPLATES: dict[RequestKind, str] = {
    RequestKind.ASSISTANCE: (
        "Under norm (h) of the voluntary norms of responsible State behaviour, we request "
        "assistance with a malicious ICT activity affecting our critical infrastructure "
        "that appears to originate from or transit your territory.\n\n"
        "What happened:\nSystems affected:\nIndicators (see attached or below):\n"
        "Assistance requested:\nBy when:\n"
    ),
    RequestKind.INFORMATION: (
        "We request the following information to support our incident handling:\n\n"
        "Information sought:\nWhy it is needed:\nHow it will be used and protected:\n"
    ),
    RequestKind.CONSULTATION: (
        "We request a consultation on the following matter, to reduce the risk of "
        "misperception and escalation:\n\nMatter:\nProposed format and participants:\n"
        "Proposed dates:\n"
    ),
    RequestKind.PRESERVATION: (
        "Request for the expedited preservation of stored computer data (Budapest "
        "Convention article 29, through the 24/7 network, article 35). A request for "
        "mutual legal assistance for the search, seizure or disclosure of the data will "
        "follow.\n"
    ),
}


def require_fields(kind: RequestKind, values: dict[str, Any]) -> None:
    """Refuse a request missing a field its kind requires, naming every such field."""
    problems = []
    for name in REQUIRED_FIELDS[kind]:
        value = values.get(name)
        if name == "mla_will_follow":
            missing = value is not True
        elif name == "preservation_days":
            missing = value is None
        else:
            missing = not (value or "").strip()
        if missing:
            problems.append(FieldProblem(name, f"is required for this kind: {FIELD_LABELS[name]}"))
    if problems:
        raise Invalid(problems)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilters:
    kind: RequestKind | None = None
    status: RequestStatus | None = None
    direction: str | None = None  # "sent" or "received", from the reader's organisation
    q: str | None = None


def parse_filters(
    *,
    kind: str | None = None,
    status: str | None = None,
    direction: str | None = None,
    q: str | None = None,
) -> RequestFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, value in (("kind", kind), ("status", status), ("direction", direction), ("q", q))
        if has_nul(value)
    ]
    if problems:
        raise Invalid(problems)
    parsed_kind = parsed_status = None
    if kind:
        try:
            parsed_kind = RequestKind(kind.strip())
        except ValueError:
            problems.append(
                FieldProblem("kind", "must be one of " + ", ".join(k.value for k in RequestKind))
            )
    if status:
        try:
            parsed_status = RequestStatus(status.strip())
        except ValueError:
            problems.append(
                FieldProblem(
                    "status", "must be one of " + ", ".join(s.value for s in RequestStatus)
                )
            )
    if direction and direction not in {"sent", "received"}:
        problems.append(FieldProblem("direction", "must be sent or received"))
    if problems:
        raise Invalid(problems)
    return RequestFilters(
        kind=parsed_kind,
        status=parsed_status,
        direction=direction or None,
        q=(q or "").strip()[:200] or None,
    )


def _visible(reader: Reader, filters: RequestFilters) -> Select[tuple[CrossBorderRequest]]:
    statement = select(CrossBorderRequest).where(visible_to(reader, CrossBorderRequest))
    if filters.kind is not None:
        statement = statement.where(CrossBorderRequest.kind == filters.kind)
    if filters.status is not None:
        statement = statement.where(CrossBorderRequest.status == filters.status)
    if filters.direction and reader is not None:
        column = (
            CrossBorderRequest.owner_organisation_id
            if filters.direction == "sent"
            else CrossBorderRequest.receiving_organisation_id
        )
        statement = statement.where(column == reader.organisation_id)
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, CrossBorderRequest.subject, CrossBorderRequest.case_reference)
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: RequestFilters = RequestFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[CrossBorderRequest]:
    """One page of the requests ``reader`` may see, newest first."""
    return paginate(
        db,
        _visible(reader, filters),
        keys=[CrossBorderRequest.created_at, CrossBorderRequest.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def count(db: Session, *, reader: Reader, filters: RequestFilters = RequestFilters()) -> int:
    """How many requests ``reader`` may see that match ``filters``."""
    return count_rows(db, _visible(reader, filters))


def all_visible(
    db: Session, *, reader: Reader, filters: RequestFilters
) -> list[CrossBorderRequest]:
    """Every visible request matching ``filters`` (bounded), newest first."""
    statement = _visible(reader, filters).order_by(
        CrossBorderRequest.created_at.desc(), CrossBorderRequest.id
    )
    return list(db.scalars(statement.limit(MAX_EXPORT)))


def get_or_404(db: Session, *, reader: Reader, request_id: str) -> CrossBorderRequest:
    """The request, if ``reader`` may see it; NotFound otherwise."""
    return get_visible(db, reader, CrossBorderRequest, request_id, what="request")


# --- writing ---------------------------------------------------------------------------------


def is_requester(actor: Reader, request: CrossBorderRequest) -> bool:
    """The requesting side of the workflow: who may edit the request."""
    return may(actor, Action.EDIT, request)


def is_receiver(actor: Reader, request: CrossBorderRequest) -> bool:
    """The receiving side of the workflow: a writer of the receiving organisation."""
    return (
        may(actor, Action.CONTRIBUTE, request)
        and actor is not None
        and (actor.organisation_id == request.receiving_organisation_id)
    )


def _named_users(db: Session, emails: list[str]) -> list[str]:
    wanted = {email.strip().lower() for email in emails}
    if not wanted:
        return []
    rows = dict(
        db.execute(select(User.email, User.id).where(User.email.in_(wanted))).tuples().all()
    )
    missing = sorted(wanted - set(rows))
    if missing:
        raise Invalid(f"no user has the e-mail {', '.join(missing)}", "audience_user_emails")
    return sorted(rows.values())


def create(db: Session, *, actor: Actor, data: RequestCreate) -> CrossBorderRequest:
    """Draft a request from the actor's organisation to an organisation of another state."""
    if not may(actor, Action.CREATE, CrossBorderRequest):
        raise Forbidden("sending requests needs the contributor or coordinator role")
    receiver = (
        None
        if has_nul(data.receiving_organisation_id)
        else db.get(Organisation, data.receiving_organisation_id)
    )
    if receiver is None:
        raise Invalid("is not a known organisation", "receiving_organisation_id")
    if actor.member_state_id is None:
        raise Forbidden("cross-border requests are sent by organisations of a member state")
    if receiver.member_state_id is None or not receiver.is_community:
        raise Invalid(
            "must be a government organisation of a member state", "receiving_organisation_id"
        )
    if receiver.member_state_id == actor.member_state_id:
        raise Invalid(
            "must be in another member state than yours (this is a cross-border request)",
            "receiving_organisation_id",
        )
    values = data.model_dump(exclude={"audience_user_emails", "send"})
    require_fields(data.kind, values)
    named = _named_users(db, [str(email) for email in data.audience_user_emails])
    request = CrossBorderRequest(
        **values,
        named_user_ids=",".join(named),
        requesting_state_id=actor.member_state_id,
        receiving_state_id=receiver.member_state_id,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
        green_includes_external=False,
        status=RequestStatus.DRAFT,
    )
    db.add(request)
    db.flush()
    return request


FIELDS_EDITABLE_AFTER_SENDING = frozenset({"mla_reference", "tlp"})


def update(
    db: Session, *, actor: Actor, request_id: str, data: RequestUpdate
) -> CrossBorderRequest:
    """Edit a draft; once sent, only the MLA reference and a raised label may change."""
    request = get_or_404(db, reader=actor, request_id=request_id)
    if not is_requester(actor, request):
        raise Forbidden("only the requesting organisation edits its request")
    require_version(request, data.version, what="request")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if request.status is not RequestStatus.DRAFT:
        locked = sorted(set(changes) - FIELDS_EDITABLE_AFTER_SENDING)
        if locked:
            raise Invalid(
                f"a {request.status.label} request can no longer change {', '.join(locked)}; "
                "add a message to the thread instead",
                locked[0],
            )
    if "tlp" in changes:
        check_relabel(actor, request, changes["tlp"])
    if changes.get("subject", "") is None:
        raise Invalid("may not be empty", "subject")
    merged = {name: getattr(request, name) for name in REQUIRED_FIELDS[request.kind]}
    merged.update({k: v for k, v in changes.items() if k in merged})
    require_fields(request.kind, merged)
    for field, value in changes.items():
        if value is None and field != "preservation_days":
            setattr(request, field, False if field in {"emergency", "mla_will_follow"} else "")
        else:
            setattr(request, field, value)
    db.flush()
    return request


def delete_draft(db: Session, *, actor: Actor, request_id: str) -> None:
    """Delete a draft (a sent request is withdrawn, never deleted)."""
    request = get_or_404(db, reader=actor, request_id=request_id)
    if not is_requester(actor, request):
        raise Forbidden("only the requesting organisation deletes its draft")
    if request.status is not RequestStatus.DRAFT:
        raise Invalid("only a draft may be deleted; withdraw a sent request instead", "status")
    db.delete(request)
    db.flush()


def parties_who_see(
    db: Session, request: CrossBorderRequest, *, organisation_ids: set[str]
) -> list[str]:
    """Active users of these organisations (and named people) who may see the request."""
    audience = audience_of(db, request)
    candidates = set(
        db.scalars(
            select(User.id).where(
                or_(
                    User.organisation_id.in_(organisation_ids),
                    User.id.in_(audience.user_ids),
                ),
                User.is_active.is_(True),
            )
        )
    )
    users = db.scalars(select(User).where(User.id.in_(candidates))).all()
    return sorted(u.id for u in users if can_see(actor_for(u), request, audience))


def add_message(db: Session, *, actor: Actor, request_id: str, body: str) -> RequestMessage:
    """Add a message to the thread and tell the other side."""
    request = get_or_404(db, reader=actor, request_id=request_id)
    if not may(actor, Action.CONTRIBUTE, request):
        raise Forbidden("writing in a request's thread needs the contributor or coordinator role")
    if request.status in {RequestStatus.CLOSED, RequestStatus.WITHDRAWN}:
        raise Invalid(f"the request is {request.status.label}: its thread is closed", "body")
    message = RequestMessage(
        request_id=request.id,
        position=next_position(db, request.id),
        author_id=actor.user_id,
        organisation_id=actor.organisation_id,
        event="message",
        body=body,
        created_at=utcnow(),
    )
    db.add(message)
    db.flush()
    if request.status is not RequestStatus.DRAFT:
        others = {request.owner_organisation_id, request.receiving_organisation_id}
        told = [
            u for u in parties_who_see(db, request, organisation_ids=others) if u != actor.user_id
        ]
        notify(
            db,
            user_ids=told,
            kind=NotificationKind.REQUEST,
            title=f"New message on request: {request.subject}",
            link=f"/requests/{request.id}",
        )
    return message


def next_position(db: Session, request_id: str) -> int:
    """The place of the next message in a request's thread (events and messages alike)."""
    last = db.scalar(
        select(func.max(RequestMessage.position)).where(RequestMessage.request_id == request_id)
    )
    return int(last or 0) + 1


def thread(db: Session, *, request: CrossBorderRequest) -> list[RequestMessage]:
    """The messages and events of a (visible) request, oldest first."""
    return list(
        db.scalars(
            select(RequestMessage)
            .where(RequestMessage.request_id == request.id)
            .order_by(RequestMessage.position)
        )
    )


def is_overdue(request: CrossBorderRequest) -> bool:
    """Sent and not acknowledged by its deadline."""
    return (
        request.status is RequestStatus.SENT
        and request.ack_due_at is not None
        and request.ack_due_at <= utcnow()
    )


def escalations(db: Session, *, request: CrossBorderRequest) -> list[RequestEscalation]:
    """The escalations of a (visible) request, oldest first."""
    return list(
        db.scalars(
            select(RequestEscalation)
            .where(RequestEscalation.request_id == request.id)
            .order_by(RequestEscalation.at, RequestEscalation.id)
        )
    )


def renewal_due(request: CrossBorderRequest, *, now: datetime | None = None) -> bool:
    """Whether the preservation lapses within the configured notice (or has lapsed)."""
    if request.preserved_until is None or request.status is RequestStatus.WITHDRAWN:
        return False
    notice = timedelta(days=get_settings().preservation_renewal_notice_days)
    return request.preserved_until - notice <= (now or utcnow())


def is_answer_overdue(request: CrossBorderRequest) -> bool:
    """Sent, not answered or refused, and past its answer deadline."""
    return (
        request.status
        in {RequestStatus.SENT, RequestStatus.ACKNOWLEDGED, RequestStatus.IN_PROGRESS}
        and request.answer_due_at is not None
        and request.answer_due_at <= utcnow()
    )
