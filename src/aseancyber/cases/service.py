"""Coordination cases: list, read, open, edit, and the Vultron state actions, always through
the policy.

A case's audience is the organisations (and individual people) taking part, kept in step
by :func:`sync_audience`; every query starts from ``visible_to(reader, Case)``, so a vendor
invited to one case sees nothing of another. What a reader may do inside a visible case
depends on their seat (:class:`Seat`): coordinators run the case, each vendor records only
its own V/F/D and product status.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import (
    Actor,
    Reader,
    Tlp,
    set_audience,
    visible_to,
)
from aseancyber.access.rules import Action, Scope, may
from aseancyber.access.shareable import check_relabel, count_rows, get_visible, require_version
from aseancyber.cases.measures.service import evidence_for_state
from aseancyber.cases.models import (
    Case,
    CaseKind,
    EmbargoState,
    Involvement,
    Participant,
    ParticipantRole,
    Sector,
)
from aseancyber.cases.schemas import CaseCreate, CaseUpdate
from aseancyber.community.service import has_nul, like_pattern
from aseancyber.errors import FieldProblem, Forbidden, Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import Digest, notify
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

__all__ = ["evidence_for_state"]  # norm (j) evidence, for the norms domain


@dataclass(frozen=True)
class CaseFilters:
    kind: CaseKind | None = None
    sector: Sector | None = None
    embargo: EmbargoState | None = None
    open_only: bool = False
    q: str | None = None


def parse_filters(
    *,
    kind: str | None = None,
    sector: str | None = None,
    embargo: str | None = None,
    open_only: bool = False,
    q: str | None = None,
) -> CaseFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems: list[FieldProblem] = []
    if has_nul(kind, sector, embargo, q):
        raise Invalid("may not contain NUL characters", "q")

    def pick(name: str, value: str | None, kind_: type[CaseKind | Sector | EmbargoState]) -> None:
        if value:
            try:
                kind_(value.strip())
            except ValueError:
                allowed = ", ".join(member.value for member in kind_)
                problems.append(FieldProblem(name, f"must be one of {allowed}"))

    pick("kind", kind, CaseKind)
    pick("sector", sector, Sector)
    pick("embargo", embargo, EmbargoState)
    if problems:
        raise Invalid(problems)
    return CaseFilters(
        kind=CaseKind(kind.strip()) if kind else None,
        sector=Sector(sector.strip()) if sector else None,
        embargo=EmbargoState(embargo.strip()) if embargo else None,
        open_only=open_only,
        q=(q or "").strip()[:200] or None,
    )


def _visible(reader: Reader, filters: CaseFilters) -> Select[tuple[Case]]:
    statement = select(Case).where(visible_to(reader, Case))
    if filters.kind is not None:
        statement = statement.where(Case.kind == filters.kind)
    if filters.embargo is not None:
        statement = statement.where(Case.embargo_state == filters.embargo)
    if filters.open_only:
        statement = statement.where(Case.closed_at.is_(None))
    if filters.sector is not None:
        # Sectors are a short JSON list of fixed words: a quoted-word match is exact.
        statement = statement.where(
            cast(Case.sectors, String).contains(f'"{filters.sector.value}"')
        )
    if filters.q:
        pattern = like_pattern(filters.q)
        statement = statement.where(
            or_(Case.title.ilike(pattern, escape="\\"), Case.summary.ilike(pattern, escape="\\"))
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: CaseFilters = CaseFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Case]:
    """One page of the cases ``reader`` may see, newest first."""
    return paginate(
        db,
        _visible(reader, filters),
        keys=[Case.created_at, Case.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def count(db: Session, *, reader: Reader, filters: CaseFilters = CaseFilters()) -> int:
    """How many cases ``reader`` may see that match ``filters``."""
    return count_rows(db, _visible(reader, filters))


def all_visible(db: Session, *, reader: Reader, filters: CaseFilters, limit: int) -> list[Case]:
    """Every visible case matching ``filters`` (for exports), newest first, up to ``limit``."""
    statement = _visible(reader, filters).order_by(Case.created_at.desc(), Case.id)
    return list(db.scalars(statement.limit(limit)))


def get_or_404(db: Session, *, reader: Reader, case_id: str) -> Case:
    """The case, if ``reader`` may see it; NotFound otherwise (the two are never told apart)."""
    return get_visible(db, reader, Case, case_id, what="case")


# --- seats: who the reader is inside a case ---------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """The reader's place in one visible case."""

    participants: tuple[Participant, ...] = ()
    coordinator: bool = False
    can_write: bool = False
    participant_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_participant(self) -> bool:
        return bool(self.participants)

    def owns(self, participant: Participant) -> bool:
        return participant.id in self.participant_ids


def _mine(reader: Actor) -> ColumnElement[bool]:
    return or_(
        (Participant.organisation_id == reader.organisation_id) & Participant.user_id.is_(None),
        Participant.user_id == reader.user_id,
    )


def seat_of(db: Session, *, reader: Reader, case: Case) -> Seat:
    """The reader's participant rows in ``case`` and what they may do there."""
    if reader is None:
        return Seat()
    rows = tuple(
        db.scalars(select(Participant).where(Participant.case_id == case.id, _mine(reader)))
    )
    standing = frozenset({Scope.PARTICIPANT}) if rows else frozenset()
    return Seat(
        participants=rows,
        coordinator=any(p.role is ParticipantRole.COORDINATOR for p in rows),
        can_write=may(reader, Action.CONTRIBUTE, case, standing=standing),
        participant_ids=frozenset(p.id for p in rows),
    )


def require_coordinator(seat: Seat, action: str) -> None:
    """Refuse ``action`` unless the reader coordinates the case and may write."""
    if not (seat.coordinator and seat.can_write):
        raise Forbidden(f"only the case's coordinators may {action}")


def require_participant(seat: Seat, action: str) -> None:
    if not seat.can_write:
        raise Forbidden(f"only participants of the case with a contributor role may {action}")


def participants_of(db: Session, *, case_id: str) -> list[Participant]:
    """Every participant of a case, coordinators first, then by role and name."""
    rows = db.scalars(select(Participant).where(Participant.case_id == case_id)).all()
    order = list(ParticipantRole)
    return sorted(rows, key=lambda p: (order.index(p.role), p.name.lower()))


DETAIL_LIMIT = 10
"""How many participants and products a case's detail (page or REST) lists inline; the
rest are a paginated list away, so a 150-vendor case costs what a 5-vendor one does."""


def participants_page(
    db: Session, *, case_id: str, cursor: str | None = None, limit: int = DETAIL_LIMIT
) -> Page[Participant]:
    """One page of a case's participants (coordinators first: roles sort alphabetically)."""
    return paginate(
        db,
        select(Participant).where(Participant.case_id == case_id),
        keys=[Participant.role, Participant.id],
        cursor=cursor,
        limit=limit,
    )


def participant_summary(db: Session, *, case_id: str) -> dict[str, dict[str, int]]:
    """Counts by role and involvement, and how many vendors reached V, F and D."""
    rows = db.execute(
        select(
            Participant.role,
            Participant.involvement,
            func.count(),
            func.count(Participant.vendor_aware_at),
            func.count(Participant.fix_ready_at),
            func.count(Participant.fix_deployed_at),
        )
        .where(Participant.case_id == case_id)
        .group_by(Participant.role, Participant.involvement)
    ).all()
    roles: dict[str, int] = {}
    involvement: dict[str, int] = {}
    events = {"V": 0, "F": 0, "D": 0}
    for role, status, n, v, f, d in rows:
        roles[role.value] = roles.get(role.value, 0) + n
        involvement[status.value] = involvement.get(status.value, 0) + n
        events["V"] += v
        events["F"] += f
        events["D"] += d
    return {"roles": roles, "involvement": involvement, "vendor_events": events}


def vendors_for_forms(db: Session, *, case_id: str, seat: Seat) -> list[Participant]:
    """The vendors a reader may attach products to: all for coordinators, else their own."""
    if not seat.can_write:
        return []
    if not seat.coordinator:
        return [p for p in seat.participants if p.role is ParticipantRole.VENDOR]
    return list(
        db.scalars(
            select(Participant)
            .where(Participant.case_id == case_id, Participant.role == ParticipantRole.VENDOR)
            .order_by(Participant.id)
        )
    )


def sync_audience(db: Session, case: Case) -> None:
    """Make the case's audience exactly its participants (organisations or single people)."""
    rows = db.execute(
        select(Participant.organisation_id, Participant.user_id).where(
            Participant.case_id == case.id
        )
    ).all()
    set_audience(
        db,
        case,
        organisation_ids={org for org, user in rows if user is None},
        user_ids={user for _, user in rows if user is not None},
    )
    from aseancyber.cases.advisories import service as advisories  # noqa: PLC0415 - advisories import this module

    advisories.sync_audiences(db, case=case)


def user_ids_of(db: Session, participants: Iterable[Participant]) -> set[str]:
    """The active users behind participants (a whole organisation, or one person)."""
    people = {p.user_id for p in participants if p.user_id is not None}
    organisations = {p.organisation_id for p in participants if p.user_id is None}
    if organisations:
        people |= set(
            db.scalars(
                select(User.id).where(
                    User.organisation_id.in_(organisations), User.is_active.is_(True)
                )
            )
        )
    return people


def tell(
    db: Session,
    *,
    case: Case,
    participants: Iterable[Participant],
    kind: NotificationKind,
    title: str,
    body: str = "",
    link: str = "",
    digest: bool = False,
) -> None:
    """Notify the people behind ``participants`` about ``case``; the subject names the case.

    With ``digest``, each person's e-mail is their one pending digest for this case.
    """
    notify(
        db,
        user_ids=user_ids_of(db, participants),
        kind=kind,
        title=f"[{case.reference}] {title}",
        body=body,
        link=link or f"/cases/{case.id}",
        digest=Digest(f"case:{case.id}", f"[{case.reference}] New messages") if digest else None,
    )


def coordinators(participants: Iterable[Participant]) -> list[Participant]:
    return [p for p in participants if p.role is ParticipantRole.COORDINATOR]


# --- writing ---------------------------------------------------------------------------------


def create(db: Session, *, actor: Actor, data: CaseCreate) -> Case:
    """Open a case; the actor's organisation is its owner and first coordinator."""
    if not may(actor, Action.CREATE, Case):
        raise Forbidden("opening a case needs the contributor or coordinator role")
    case = Case(
        title=data.title,
        kind=data.kind,
        tlp=data.tlp,
        summary=data.summary,
        sectors=sorted({sector.value for sector in data.sectors}),
        green_includes_external=data.green_includes_external,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(case)
    db.flush()
    # TLP:RED names people: the one who opens a RED case takes part alone, not their
    # whole organisation (colleagues are added by name).
    db.add(
        Participant(
            case_id=case.id,
            organisation_id=actor.organisation_id,
            user_id=actor.user_id if data.tlp is Tlp.RED else None,
            role=ParticipantRole.COORDINATOR,
            involvement=Involvement.OPEN,
        )
    )
    db.flush()
    sync_audience(db, case)
    from aseancyber.cases.messages import service as messages  # noqa: PLC0415 - messages import this module

    messages.general_thread(db, case=case)
    return case


def update(db: Session, *, actor: Actor, case_id: str, data: CaseUpdate) -> Case:
    """Edit a case's title, kind, summary, sectors or label (coordinators only)."""
    case = get_or_404(db, reader=actor, case_id=case_id)
    require_coordinator(seat_of(db, reader=actor, case=case), "edit the case")
    require_version(case, data.version, what="case")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("title", "kind"):
        if name in changes and changes[name] is None:
            raise Invalid("may not be empty", name)
    if "tlp" in changes:
        check_relabel(actor, case, changes["tlp"])
    for name, value in changes.items():
        if name == "sectors":
            setattr(case, name, sorted({Sector(v).value for v in value or []}))
        else:
            setattr(case, name, "" if name == "summary" and value is None else value)
    db.flush()
    if {"tlp", "green_includes_external"} & set(changes):
        sync_audience(db, case)  # unpublished advisories follow the case's label
    return case


def get_participant_or_404(db: Session, *, case: Case, participant_id: str) -> Participant:
    """A participant of ``case`` (the case itself already checked as visible)."""
    participant = None
    if not has_nul(participant_id) and len(participant_id) <= 36:
        participant = db.scalar(
            select(Participant).where(
                Participant.id == participant_id, Participant.case_id == case.id
            )
        )
    if participant is None:
        raise NotFound("participant")
    return participant
