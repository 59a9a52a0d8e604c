"""Dialogue-partner engagements: meetings, dialogues and drills, their participants, outcomes
and follow-up actions, always through the visibility policy.

An engagement's named audience is exactly its participating organisations, so with the
usual TLP:AMBER a dialogue partner sees the engagements it took part in and nothing else.
"""

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, inspect, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Actor, Audience, Reader, Tlp, set_audience, visible_to
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import (
    check_relabel,
    count_rows,
    get_visible,
    require_named,
    require_version,
)
from aseancyber.community.service import contains_text, has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.positions import readers
from aseancyber.positions.models import (
    ActionStatus,
    Engagement,
    EngagementKind,
    EngagementParticipant,
    FollowUpAction,
)
from aseancyber.positions.schemas import (
    ActionCreate,
    ActionRead,
    EngagementCreate,
    EngagementListItem,
    EngagementRead,
    EngagementUpdate,
    ParticipantIn,
    ParticipantRead,
)
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

ACTION_REMINDER_WINDOW = timedelta(days=3)
ACTION_REMINDER_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class EngagementFilters:
    kind: EngagementKind | None = None
    q: str | None = None


def parse_filters(*, kind: str | None = None, q: str | None = None) -> EngagementFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    if has_nul(kind, q):
        raise Invalid("may not contain NUL characters", "q")
    parsed = None
    if kind:
        try:
            parsed = EngagementKind(kind.strip())
        except ValueError as error:
            names = ", ".join(k.value for k in EngagementKind)
            raise Invalid(f"must be one of {names}", "kind") from error
    return EngagementFilters(kind=parsed, q=(q or "").strip()[:200] or None)


def _visible(reader: Reader, filters: EngagementFilters) -> Select[tuple[Engagement]]:
    statement = select(Engagement).where(visible_to(reader, Engagement))
    if filters.kind is not None:
        statement = statement.where(Engagement.kind == filters.kind)
    if filters.q:
        statement = statement.where(
            contains_text(filters.q, Engagement.title, Engagement.summary, Engagement.location)
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: EngagementFilters = EngagementFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Engagement]:
    """One page of the engagements ``reader`` may see, newest first."""
    return paginate(
        db,
        _visible(reader, filters),
        keys=[Engagement.created_at, Engagement.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def all_visible(
    db: Session, *, reader: Reader, filters: EngagementFilters, limit: int
) -> list[Engagement]:
    """Every visible engagement matching ``filters`` (for exports), newest first."""
    statement = _visible(reader, filters).order_by(Engagement.created_at.desc(), Engagement.id)
    return list(db.scalars(statement.limit(limit)))


def count(db: Session, *, reader: Reader, filters: EngagementFilters = EngagementFilters()) -> int:
    return count_rows(db, _visible(reader, filters))


def get_or_404(db: Session, *, reader: Reader, engagement_id: str) -> Engagement:
    """The engagement, if ``reader`` may see it; NotFound otherwise."""
    return get_visible(db, reader, Engagement, engagement_id, what="engagement")


def may_update_action(actor: Reader, engagement: Engagement, action: FollowUpAction) -> bool:
    """The engagement's editors, and the action's owner organisation, mark it done."""
    return may(actor, Action.EDIT, engagement) or may(actor, Action.EDIT, action)


# --- initiatives, linked loosely ---------------------------------------------------------------


def _initiative_model() -> Any:
    try:
        module = importlib.import_module("aseancyber.initiatives.models")
    except ImportError:
        return None
    return getattr(module, "Initiative", None)


def check_initiative_ref(db: Session, *, reader: Reader, ref: str) -> str:
    """An initiative id or path: checked against the initiatives registry when it exists."""
    ref = ref.strip()
    if not ref:
        return ""
    if ref.startswith(("https://", "http://")):
        return ref
    model = _initiative_model()
    initiative_id = ref.rstrip("/").rsplit("/", 1)[-1]
    if model is None:
        return ref
    statement = select(model).where(inspect(model).primary_key[0] == initiative_id)
    if hasattr(model, "__shareable_kind__"):
        statement = statement.where(visible_to(reader, model))
    if db.scalars(statement).first() is None:
        raise Invalid("is not an initiative you can see", "initiative_ref")
    return ref


# --- writing -----------------------------------------------------------------------------------


def _check_participants(db: Session, participants: list[ParticipantIn]) -> dict[str, str]:
    roles = {p.organisation_id: p.role for p in participants}
    if roles:
        found = set(db.scalars(select(Organisation.id).where(Organisation.id.in_(roles))))
        if found != set(roles):
            raise Invalid("names an unknown organisation", "participants")
    return roles


def _set_participants(db: Session, engagement: Engagement, roles: dict[str, str]) -> None:
    engagement.participants = [
        EngagementParticipant(organisation_id=org_id, role=role) for org_id, role in roles.items()
    ]
    db.flush()
    set_audience(db, engagement, organisation_ids=roles)


def _require_participants(label: Tlp, organisation_ids: Iterable[str]) -> None:
    """The policy's rule for TLP:RED, where an engagement's participants are its audience."""
    require_named(
        label,
        Audience(organisation_ids=frozenset(organisation_ids)),
        field="participants",
        recipients="at least one participating organisation",
    )


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise Invalid("may not be before the start date", "ends_on")


def create(db: Session, *, actor: Actor, data: EngagementCreate) -> Engagement:
    """Record an engagement owned by the actor's organisation; participants are its audience."""
    if not may(actor, Action.CREATE, Engagement):
        raise Forbidden("recording an engagement needs the contributor or coordinator role")
    _check_dates(data.starts_on, data.ends_on)
    roles = _check_participants(db, data.participants)
    _require_participants(data.tlp, roles)
    engagement = Engagement(
        title=data.title,
        kind=data.kind,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        location=data.location,
        summary=data.summary,
        outcomes=data.outcomes,
        initiative_ref=check_initiative_ref(db, reader=actor, ref=data.initiative_ref),
        tlp=data.tlp,
        green_includes_external=data.green_includes_external,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(engagement)
    db.flush()
    _set_participants(db, engagement, roles)
    return engagement


def update(db: Session, *, actor: Actor, engagement_id: str, data: EngagementUpdate) -> Engagement:
    """Change an engagement (its recording organisation); send the ``version`` you loaded."""
    engagement = get_or_404(db, reader=actor, engagement_id=engagement_id)
    if not may(actor, Action.EDIT, engagement):
        raise Forbidden("only the organisation that recorded this engagement may change it")
    require_version(engagement, data.version, what="engagement")
    changes = data.model_dump(exclude_unset=True, exclude={"version", "participants"})
    for field in ("title", "kind", "starts_on"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    if "tlp" in changes:
        check_relabel(actor, engagement, changes["tlp"])
    _check_dates(
        changes.get("starts_on") or engagement.starts_on, changes.get("ends_on", engagement.ends_on)
    )
    if "initiative_ref" in changes:
        changes["initiative_ref"] = check_initiative_ref(
            db, reader=actor, ref=changes["initiative_ref"] or ""
        )
    roles = None
    if data.participants is not None:
        roles = _check_participants(db, data.participants)
    _require_participants(
        changes.get("tlp") or engagement.tlp,
        roles if roles is not None else [p.organisation_id for p in engagement.participants],
    )
    for field, value in changes.items():
        text_field = field in {"location", "summary", "outcomes", "initiative_ref"}
        setattr(engagement, field, "" if value is None and text_field else value)
    db.flush()
    if roles is not None:
        _set_participants(db, engagement, roles)
    return engagement


def delete(db: Session, *, actor: Actor, engagement_id: str) -> None:
    """Remove an engagement with its participants and actions (its recording organisation)."""
    engagement = get_or_404(db, reader=actor, engagement_id=engagement_id)
    if not may(actor, Action.DELETE, engagement):
        raise Forbidden("only the organisation that recorded this engagement may delete it")
    set_audience(db, engagement)
    db.delete(engagement)
    db.flush()


def add_action(
    db: Session, *, actor: Actor, engagement_id: str, data: ActionCreate
) -> FollowUpAction:
    """Add a follow-up action owned by a participant (or the recording organisation)."""
    engagement = get_or_404(db, reader=actor, engagement_id=engagement_id)
    if not may(actor, Action.EDIT, engagement):
        raise Forbidden("only the organisation that recorded this engagement may add actions")
    allowed = {p.organisation_id for p in engagement.participants} | {
        engagement.owner_organisation_id
    }
    if data.owner_organisation_id not in allowed:
        raise Invalid(
            "must be a participating organisation (or the one that recorded the engagement)",
            "owner_organisation_id",
        )
    if data.owner_user_id is not None:
        user = db.get(User, data.owner_user_id) if not has_nul(data.owner_user_id) else None
        if user is None or user.organisation_id != data.owner_organisation_id:
            raise Invalid("must be a person of the owner organisation", "owner_user_id")
    action = FollowUpAction(
        engagement_id=engagement.id,
        description=data.description,
        owner_organisation_id=data.owner_organisation_id,
        owner_user_id=data.owner_user_id,
        due_on=data.due_on,
        created_at=utcnow(),
    )
    engagement.actions.append(action)
    db.flush()
    owners = (
        [data.owner_user_id]
        if data.owner_user_id
        else readers.organisation_user_ids(db, organisation_id=data.owner_organisation_id)
    )
    readers.tell(
        db,
        record=engagement,
        user_ids=owners,
        kind=NotificationKind.ENGAGEMENT_ACTION,
        title=f"Follow-up action for you, due {data.due_on:%d %B %Y}: {engagement.title}",
        body=data.description[:500],
        link=f"/engagements/{engagement.id}#actions",
        skip=actor.user_id,
    )
    return action


def set_action_status(
    db: Session, *, actor: Actor, engagement_id: str, action_id: str, status: ActionStatus
) -> FollowUpAction:
    """Mark a follow-up action done, cancelled or open again."""
    engagement = get_or_404(db, reader=actor, engagement_id=engagement_id)
    action = next((a for a in engagement.actions if a.id == action_id), None)
    if action is None:
        raise NotFound("action")
    if not may_update_action(actor, engagement, action):
        raise Forbidden("only the action's owner or the recording organisation may update it")
    action.status = status
    action.completed_at = utcnow() if status is ActionStatus.DONE else None
    db.flush()
    return action


# --- reminders ---------------------------------------------------------------------------------


def _due_actions(today: date) -> Select[tuple[FollowUpAction]]:
    now = utcnow()
    return select(FollowUpAction).where(
        FollowUpAction.status == ActionStatus.OPEN,
        FollowUpAction.due_on <= today + ACTION_REMINDER_WINDOW,
        or_(
            FollowUpAction.reminded_at.is_(None),
            FollowUpAction.reminded_at <= now - ACTION_REMINDER_INTERVAL,
        ),
    )


def has_due_action_reminders(db: Session) -> bool:
    """Whether an open action is due or overdue and not reminded about today (a cheap read)."""
    return db.scalars(_due_actions(utcnow().date()).limit(1)).first() is not None


def send_action_reminders(db: Session, payload: dict[str, Any] | None = None) -> None:
    """Job handler: remind the owners of open actions that are due soon or overdue."""
    remind_actions(db)


def remind_actions(db: Session) -> int:
    """Remind owners of due or overdue open actions; returns how many people were told."""
    today = utcnow().date()
    told = 0
    for action in db.scalars(_due_actions(today).order_by(FollowUpAction.due_on)).all():
        engagement = db.get(Engagement, action.engagement_id)
        if engagement is None:
            continue
        owners = (
            [action.owner_user_id]
            if action.owner_user_id
            else readers.organisation_user_ids(db, organisation_id=action.owner_organisation_id)
        )
        overdue = action.due_on < today
        told += len(
            readers.tell(
                db,
                record=engagement,
                user_ids=owners,
                kind=NotificationKind.ENGAGEMENT_ACTION,
                title=(
                    f"{'Overdue' if overdue else 'Due soon'} ({action.due_on:%d %B %Y}): "
                    f"follow-up of {engagement.title}"
                ),
                body=action.description[:500],
                link=f"/engagements/{engagement.id}#actions",
            )
        )
        action.reminded_at = utcnow()
    db.flush()
    return told


# --- reading shapes ----------------------------------------------------------------------------


def list_item(engagement: Engagement) -> EngagementListItem:
    return shaped(
        EngagementListItem, engagement, owner_organisation_name=engagement.owner_organisation.name
    )


def read(engagement: Engagement) -> EngagementRead:
    return EngagementRead(
        **list_item(engagement).model_dump(),
        outcomes=engagement.outcomes,
        created_by_id=engagement.created_by_id,
        participants=[
            ParticipantRead(
                organisation_id=p.organisation_id,
                organisation_name=p.organisation.name,
                kind=p.organisation.kind.value,
                role=p.role,
            )
            for p in engagement.participants
        ],
        actions=[
            shaped(
                ActionRead,
                a,
                owner_organisation_name=a.owner_organisation.name,
                owner_user_name=a.owner_user.display_name if a.owner_user else None,
            )
            for a in engagement.actions
        ],
    )
