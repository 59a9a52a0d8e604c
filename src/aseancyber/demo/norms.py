"""Demo norms assessments: every member state's self-assessment, with mixed visibility and
about two years of history.

:func:`load_demo_norms` is idempotent (a state that already has assessments is left alone)
and deterministic (a seeded generator per state). It adds one policy officer per state, in
the state's national cyber agency, who owns the state's assessments. States are data: a
state without a profile below gets a modest default one.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aseancyber.access.models import (
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)
from aseancyber.access.policy import Tlp, set_audience
from aseancyber.access.service import hash_password
from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.norms.catalogue import list_norms
from aseancyber.norms.models import (
    AssessmentStatus,
    NormAction,
    NormAssessment,
    NormAssessmentVersion,
    Visibility,
    level_deltas,
)
from aseancyber.norms.service import sharing_for


@dataclass(frozen=True)
class StateProfile:
    maturity: float  # 0..1, how far implementation has come
    sharing: tuple[float, float, float, float]  # weights: state, secretariat, members, public


PROFILES: dict[str, StateProfile] = {
    "SG": StateProfile(0.85, (0.1, 0.1, 0.3, 0.5)),
    "MY": StateProfile(0.75, (0.1, 0.2, 0.5, 0.2)),
    "TH": StateProfile(0.65, (0.2, 0.2, 0.4, 0.2)),
    "ID": StateProfile(0.6, (0.2, 0.4, 0.3, 0.1)),
    "PH": StateProfile(0.6, (0.1, 0.1, 0.4, 0.4)),
    "VN": StateProfile(0.55, (0.5, 0.3, 0.2, 0.0)),
    "BN": StateProfile(0.55, (0.2, 0.2, 0.5, 0.1)),
    "KH": StateProfile(0.4, (0.3, 0.4, 0.2, 0.1)),
    "LA": StateProfile(0.35, (0.5, 0.3, 0.2, 0.0)),
    "MM": StateProfile(0.3, (0.7, 0.2, 0.1, 0.0)),
    "TL": StateProfile(0.2, (0.2, 0.5, 0.2, 0.1)),
}
DEFAULT_PROFILE = StateProfile(0.3, (0.4, 0.3, 0.2, 0.1))
CHECKPOINTS = (date(2023, 11, 15), date(2024, 10, 21), date(2025, 9, 29))
PROGRESSION = (
    AssessmentStatus.NOT_STARTED,
    AssessmentStatus.PLANNED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.IMPLEMENTED,
)
VISIBILITIES = (
    Visibility.STATE,
    Visibility.SECRETARIAT,
    Visibility.MEMBER_STATES,
    Visibility.PUBLIC,
)

EVIDENCE = {
    AssessmentStatus.NOT_STARTED: "Not yet started; identified as a gap in the national review.",
    AssessmentStatus.PLANNED: "Planned in the national cybersecurity action plan; "
    "budget requested for the next fiscal year.",
    AssessmentStatus.IN_PROGRESS: "Work under way: an inter-agency working group meets "
    "quarterly and a draft has been circulated for consultation.",
    AssessmentStatus.IMPLEMENTED: "In place and reviewed: the measure is in force, "
    "responsibilities are assigned and it was exercised in the last twelve months.",
    AssessmentStatus.NOT_APPLICABLE: "Not applicable to the national context at present.",
}

# Which agency answers for each norm: the cyber agency unless named here.
AGENCY_BY_NORM = {
    "a": OrganisationKind.FOREIGN_MINISTRY,
    "b": OrganisationKind.NATIONAL_CYBER_AGENCY,
    "c": OrganisationKind.NATIONAL_CERT,
    "d": OrganisationKind.LAW_ENFORCEMENT,
    "f": OrganisationKind.FOREIGN_MINISTRY,
    "h": OrganisationKind.NATIONAL_CERT,
    "j": OrganisationKind.NATIONAL_CERT,
    "k": OrganisationKind.NATIONAL_CERT,
}


def _policy_officer(db: Session, state: MemberState, agency: Organisation) -> User:

    email = f"policy.{state.iso2.lower()}@example.org"
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            display_name=f"Demo Policy Officer ({state.name})",
            organisation_id=agency.id,
            password_hash=hash_password(DEMO_PASSWORD),
            time_zone=state.time_zone,
        )
        user.roles = [UserRole(role=Role.COORDINATOR)]
        db.add(user)
        db.flush()
    return user


def _history(rng: random.Random, maturity: float) -> list[tuple[date, AssessmentStatus]]:
    """The changes of status, by checkpoint: never going backwards, ending near ``maturity``."""
    first = rng.choice((0, 0, 0, 1, 1, 2))  # some actions were assessed only later
    if rng.random() < 0.04:
        return [(CHECKPOINTS[first], AssessmentStatus.NOT_APPLICABLE)]
    end = min(3, max(0, round(maturity * 3 + rng.uniform(-1.2, 1.0))))
    start = max(0, end - rng.choice((0, 1, 1, 2)))
    steps = [start]
    for _ in CHECKPOINTS[1:]:
        steps.append(min(end, steps[-1] + rng.choice((0, 1, 1))))
    steps[-1] = end
    changes: list[tuple[date, AssessmentStatus]] = []
    for index in range(first, len(CHECKPOINTS)):
        status = PROGRESSION[steps[index]]
        if not changes or changes[-1][1] != status:
            changes.append((CHECKPOINTS[index], status))
    return changes


def _agencies(db: Session, state: MemberState) -> dict[OrganisationKind, Organisation]:
    organisations = db.scalars(
        select(Organisation).where(Organisation.member_state_id == state.id)
    ).all()
    return {o.kind: o for o in organisations}


def load_demo_state(db: Session, state: MemberState, actions: list[NormAction]) -> int:
    """Assessments and history for one state; returns how many assessments were created."""
    exists = db.scalar(
        select(NormAssessment.id).where(NormAssessment.member_state_id == state.id).limit(1)
    )
    agencies = _agencies(db, state)
    agency = agencies.get(OrganisationKind.NATIONAL_CYBER_AGENCY)
    if exists is not None or agency is None:
        return 0
    officer = _policy_officer(db, state, agency)
    profile = PROFILES.get(state.iso2, DEFAULT_PROFILE)
    rng = random.Random(f"norms-demo-{state.iso2}")
    coverage = 0.5 + 0.45 * profile.maturity
    sharing_cache: dict[Visibility, tuple[Tlp, set[str]]] = {}
    created = 0
    for action in actions:
        if rng.random() > coverage:
            continue
        changes = _history(rng, profile.maturity)
        statuses = [status for _, status in changes]
        visibility = rng.choices(VISIBILITIES, weights=profile.sharing)[0]
        if visibility not in sharing_cache:
            sharing_cache[visibility] = sharing_for(
                db, visibility=visibility, member_state_id=state.id
            )
        tlp, organisations = sharing_cache[visibility]
        kind = AGENCY_BY_NORM.get(action.norm.letter, OrganisationKind.NATIONAL_CYBER_AGENCY)
        responsible = agencies.get(kind, agency)
        moments = [
            datetime.combine(day - timedelta(days=rng.randint(0, 40)), datetime.min.time(), UTC)
            + timedelta(hours=rng.randint(1, 9))
            for day, _ in changes
        ]
        final = statuses[-1]
        assessment = NormAssessment(
            member_state_id=state.id,
            action_id=action.id,
            status=final,
            evidence=EVIDENCE[final],
            links=[],
            responsible_agency=responsible.name,
            assessed_on=moments[-1].date(),
            visibility=visibility,
            tlp=tlp,
            owner_organisation_id=agency.id,
            created_by_id=officer.id,
            created_at=moments[0],
            updated_at=moments[-1],
        )
        db.add(assessment)
        db.flush()
        set_audience(db, assessment, organisation_ids=organisations)
        previous: AssessmentStatus | None = None
        for number, (status, moment) in enumerate(zip(statuses, moments, strict=True), 1):
            level_delta, counted_delta = level_deltas(previous, status)
            previous = status
            db.add(
                NormAssessmentVersion(
                    assessment_id=assessment.id,
                    version=number,
                    status=status,
                    evidence=EVIDENCE[status],
                    links=[],
                    responsible_agency=responsible.name,
                    assessed_on=moment.date(),
                    visibility=visibility,
                    tlp=tlp,
                    recorded_at=moment,
                    recorded_by_id=officer.id,
                    level_delta=level_delta,
                    counted_delta=counted_delta,
                )
            )
        # The history was written as it happened; the record carries its last version number.
        db.execute(
            update(NormAssessment)
            .where(NormAssessment.id == assessment.id)
            .values(version=len(statuses))
            .execution_options(synchronize_session=False)
        )
        db.expire(assessment)
        created += 1
    db.flush()
    return created


def load_demo_norms(db: Session) -> int:
    """Demo assessments for every member state; returns how many were created."""
    actions = [action for norm in list_norms(db) for action in norm.actions]
    states = db.scalars(select(MemberState).order_by(MemberState.iso2)).all()
    return sum(load_demo_state(db, state, actions) for state in states)
