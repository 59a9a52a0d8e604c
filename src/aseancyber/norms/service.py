"""Assessments: each state's record of how it implements each practical action.

Every read starts from ``visible_to(reader, NormAssessment)``: an assessment the reader
may not see is NotFound on every path and is never counted. Only the government
organisations of the assessed state write it; each save appends a version, from which the
"as of" view and the diff between two dates are built.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from aseancyber.access.models import GOVERNMENT_KINDS, MemberState, Organisation, OrganisationKind
from aseancyber.access.policy import (
    Actor,
    Reader,
    Tlp,
    audience_of,
    can_see,
    set_audience,
    visible_with_hint,
)
from aseancyber.access.rules import Action, Proposed, may
from aseancyber.access.shareable import count_rows
from aseancyber.community.service import contains_text, has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from aseancyber.norms.models import (
    AssessmentStatus,
    Norm,
    NormAction,
    NormAssessment,
    NormAssessmentVersion,
    Visibility,
    level_deltas,
)
from aseancyber.norms.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentUpdate,
    VersionRead,
)
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate


@dataclass(frozen=True)
class AssessmentFilters:
    state: str | None = None  # ISO alpha-2
    norm: str | None = None  # letter
    status: AssessmentStatus | None = None
    q: str | None = None


def parse_filters(
    *,
    state: str | None = None,
    norm: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> AssessmentFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, value in (("state", state), ("norm", norm), ("status", status), ("q", q))
        if has_nul(value)
    ]
    if problems:
        raise Invalid(problems)
    parsed_status = None
    if status:
        try:
            parsed_status = AssessmentStatus(status.strip())
        except ValueError:
            statuses = ", ".join(s.value for s in AssessmentStatus)
            problems.append(FieldProblem("status", f"must be one of {statuses}"))
    letter = (norm or "").strip().lower() or None
    if letter is not None and (len(letter) != 1 or not "a" <= letter <= "k"):
        problems.append(FieldProblem("norm", "must be a norm letter from a to k"))
    if problems:
        raise Invalid(problems)
    return AssessmentFilters(
        state=(state or "").strip().upper() or None,
        norm=letter,
        status=parsed_status,
        q=(q or "").strip()[:200] or None,
    )


def state_by_iso2(db: Session, iso2: str, field: str = "state") -> MemberState:
    """The member state with this ISO code; Invalid naming ``field`` otherwise."""
    state = None
    if not has_nul(iso2):
        state = db.scalar(select(MemberState).where(MemberState.iso2 == iso2.strip().upper()))
    if state is None:
        raise Invalid("is not a known member state (ISO 3166 alpha-2 code)", field)
    return state


def visible_condition(reader: Reader) -> ColumnElement[bool]:
    """``visible_to(reader, NormAssessment)`` with a cheap necessary condition first (see
    :mod:`aseancyber.contacts.visibility`): the same rows, fewer per-row subqueries."""
    return visible_with_hint(reader, NormAssessment)


def visible_assessments(reader: Reader) -> Select[tuple[NormAssessment]]:
    """The assessments ``reader`` may see (the one starting point of every read)."""
    return select(NormAssessment).where(visible_condition(reader))


def _filtered(
    db: Session, reader: Reader, filters: AssessmentFilters
) -> Select[tuple[NormAssessment]]:
    statement = visible_assessments(reader)
    if filters.state:
        state = state_by_iso2(db, filters.state)
        statement = statement.where(NormAssessment.member_state_id == state.id)
    if filters.norm or filters.q:
        statement = statement.join(NormAction, NormAction.id == NormAssessment.action_id)
    if filters.norm:
        statement = statement.join(Norm, Norm.id == NormAction.norm_id).where(
            Norm.letter == filters.norm
        )
    if filters.status is not None:
        statement = statement.where(NormAssessment.status == filters.status)
    if filters.q:
        statement = statement.where(
            contains_text(
                filters.q,
                NormAssessment.evidence,
                NormAssessment.responsible_agency,
                NormAction.title,
            )
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: AssessmentFilters = AssessmentFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[NormAssessment]:
    """One page of the assessments ``reader`` may see, most recently changed first."""
    return paginate(
        db,
        _filtered(db, reader, filters),
        keys=[NormAssessment.updated_at, NormAssessment.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def count(db: Session, *, reader: Reader, filters: AssessmentFilters = AssessmentFilters()) -> int:
    """How many assessments ``reader`` may see that match ``filters``."""
    return count_rows(db, _filtered(db, reader, filters))


def all_visible(
    db: Session, *, reader: Reader, filters: AssessmentFilters = AssessmentFilters()
) -> list[NormAssessment]:
    """Every visible assessment matching ``filters``, by state and action code."""
    statement = _filtered(db, reader, filters).order_by(
        NormAssessment.member_state_id, NormAssessment.action_id
    )
    return list(db.scalars(statement))


def get_or_404(db: Session, *, reader: Reader, assessment_id: str) -> NormAssessment:
    """The assessment, if ``reader`` may see it; NotFound otherwise (never told apart)."""
    assessment = None
    if not has_nul(assessment_id):
        assessment = db.scalar(
            visible_assessments(reader).where(NormAssessment.id == assessment_id)
        )
    if assessment is None:
        raise NotFound("assessment")
    return assessment


# --- writing -----------------------------------------------------------------------------------


def sharing_for(
    db: Session, *, visibility: Visibility, member_state_id: str
) -> tuple[Tlp, set[str]]:
    """The TLP label and named organisations that carry out a state's visibility choice."""
    if visibility is Visibility.PUBLIC:
        return Tlp.CLEAR, set()
    if visibility is Visibility.MEMBER_STATES:
        return Tlp.GREEN, set()
    if visibility is Visibility.CUSTOM:
        raise Invalid("must be state, secretariat, member_states or public", "visibility")
    state_organisations = set(
        db.scalars(
            select(Organisation.id).where(
                Organisation.member_state_id == member_state_id,
                Organisation.kind.in_(GOVERNMENT_KINDS),
            )
        )
    )
    if visibility is Visibility.SECRETARIAT:
        state_organisations |= set(
            db.scalars(
                select(Organisation.id).where(Organisation.kind == OrganisationKind.SECRETARIAT)
            )
        )
    return Tlp.AMBER, state_organisations


def _snapshot(
    assessment: NormAssessment,
    *,
    by: str | None,
    at: datetime,
    previous: AssessmentStatus | None,
) -> NormAssessmentVersion:
    level_delta, counted_delta = level_deltas(previous, assessment.status)
    return NormAssessmentVersion(
        level_delta=level_delta,
        counted_delta=counted_delta,
        assessment_id=assessment.id,
        version=assessment.version,
        status=assessment.status,
        evidence=assessment.evidence,
        links=list(assessment.links),
        responsible_agency=assessment.responsible_agency,
        assessed_on=assessment.assessed_on,
        visibility=assessment.visibility,
        tlp=assessment.tlp,
        recorded_at=at,
        recorded_by_id=by,
    )


def record_version(
    db: Session,
    assessment: NormAssessment,
    *,
    by: str | None,
    previous: AssessmentStatus | None,
    at: datetime | None = None,
) -> None:
    """Append the assessment's current state (``previous``: the status before) to its history."""
    db.add(_snapshot(assessment, by=by, at=at or utcnow(), previous=previous))
    db.flush()


def _action_or_invalid(db: Session, action_id: str) -> NormAction:
    action = None if has_nul(action_id) else db.get(NormAction, action_id)
    if action is None:
        raise Invalid("is not a known practical action", "action_id")
    return action


def create(db: Session, *, actor: Actor, data: AssessmentCreate) -> NormAssessment:
    """Record the actor's state's first assessment of an action, shared as the state chooses."""
    if actor.member_state_id is None or not may(
        actor, Action.CREATE, Proposed(NormAssessment, member_state_id=actor.member_state_id)
    ):
        raise Forbidden(
            "only contributors and coordinators of a member state's government "
            "organisations assess that state's implementation"
        )
    action = _action_or_invalid(db, data.action_id)
    existing = db.scalar(
        select(NormAssessment.id).where(
            NormAssessment.member_state_id == actor.member_state_id,
            NormAssessment.action_id == action.id,
        )
    )
    if existing is not None:
        raise Conflict(
            f"your state has already assessed action {action.code}; update that assessment "
            "(PATCH with its version) instead"
        )
    tlp, organisations = sharing_for(
        db, visibility=data.visibility, member_state_id=actor.member_state_id
    )
    assessment = NormAssessment(
        member_state_id=actor.member_state_id,
        action_id=action.id,
        status=data.status,
        evidence=data.evidence,
        links=list(data.links),
        responsible_agency=data.responsible_agency,
        assessed_on=data.assessed_on,
        visibility=data.visibility,
        tlp=tlp,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(assessment)
    db.flush()
    set_audience(db, assessment, organisation_ids=organisations)
    record_version(db, assessment, by=actor.user_id, previous=None)
    return assessment


def share_with_label(
    db: Session,
    *,
    actor: Actor,
    action_id: str,
    status: AssessmentStatus,
    evidence: str,
    assessed_on: date,
    tlp: Tlp,
    organisation_ids: set[str],
    user_ids: set[str],
    green_includes_external: bool = False,
) -> NormAssessment:
    """Record an assessment under an explicit label and audience (a custom visibility)."""
    if actor.member_state_id is None or not may(
        actor, Action.CREATE, Proposed(NormAssessment, member_state_id=actor.member_state_id)
    ):
        raise Forbidden("only the state's own government organisations assess it")
    action = _action_or_invalid(db, action_id)
    assessment = NormAssessment(
        member_state_id=actor.member_state_id,
        action_id=action.id,
        status=status,
        evidence=evidence,
        links=[],
        assessed_on=assessed_on,
        visibility=Visibility.CUSTOM,
        tlp=tlp,
        green_includes_external=green_includes_external,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(assessment)
    db.flush()
    set_audience(db, assessment, organisation_ids=organisation_ids, user_ids=user_ids)
    record_version(db, assessment, by=actor.user_id, previous=None)
    return assessment


def _check_visibility_change(
    actor: Actor, assessment: NormAssessment, new_visibility: Visibility | None
) -> None:
    """Refuse a custom visibility, and sharing more widely by anyone but the recording org."""
    if new_visibility is Visibility.CUSTOM:
        raise Invalid("must be state, secretariat, member_states or public", "visibility")
    if (
        new_visibility is not None
        and new_visibility.breadth > assessment.visibility.breadth
        and actor.organisation_id != assessment.owner_organisation_id
    ):
        raise Invalid(
            "only the organisation that recorded this assessment may share it more widely",
            "visibility",
        )


def update(
    db: Session, *, actor: Actor, assessment_id: str, data: AssessmentUpdate
) -> NormAssessment:
    """Change an assessment of the actor's own state; the previous state stays in the history."""
    assessment = get_or_404(db, reader=actor, assessment_id=assessment_id)
    previous = assessment.status
    if not may(actor, Action.EDIT, assessment):
        raise Forbidden("only the assessed state's own government organisations may change it")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("status", "assessed_on", "visibility"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    if data.version != assessment.version:
        raise Conflict(
            f"someone else changed this assessment since you loaded it (you loaded version "
            f"{data.version}, it is now version {assessment.version}); reload and apply "
            "your change again"
        )
    new_visibility = changes.get("visibility")
    _check_visibility_change(actor, assessment, new_visibility)
    visibility = new_visibility or assessment.visibility
    sharing = None
    if visibility is not Visibility.CUSTOM:  # a custom label and audience stay as they are
        sharing = sharing_for(db, visibility=visibility, member_state_id=assessment.member_state_id)
    for field, value in changes.items():
        if field == "links":
            setattr(assessment, field, list(value or []))
        else:
            setattr(assessment, field, "" if value is None else value)
    if sharing is not None:
        assessment.tlp = sharing[0]
        assessment.green_includes_external = False
    loaded_version = assessment.version
    db.flush()
    if sharing is not None:
        set_audience(db, assessment, organisation_ids=sharing[1])
    if assessment.version != loaded_version:  # an edit that changed nothing adds no version
        record_version(db, assessment, by=actor.user_id, previous=previous)
    return assessment


def still_visible(db: Session, *, reader: Reader, assessment: NormAssessment) -> bool:
    """Whether ``reader`` still sees ``assessment`` after a change of visibility."""
    return can_see(reader, assessment, audience_of(db, assessment))


# --- reading shapes ----------------------------------------------------------------------------


def read(assessment: NormAssessment) -> AssessmentRead:
    """The REST view of one (visible) assessment."""
    return shaped(
        AssessmentRead,
        assessment,
        member_state_iso2=assessment.member_state.iso2,
        action_code=assessment.action.code,
        action_title=assessment.action.title,
        norm_letter=assessment.action.norm.letter,
        links=list(assessment.links),
    )


def read_version(version: NormAssessmentVersion) -> VersionRead:
    """The REST view of one saved version."""
    return shaped(VersionRead, version, links=list(version.links))
