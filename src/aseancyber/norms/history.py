"""The history of assessments: every saved version, the "as of date" view and the diff
between two dates.

History is read through the assessment's present visibility: the state's current choice
of who may see an assessment governs its whole past.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, visible_to
from aseancyber.errors import Invalid
from aseancyber.norms.models import NormAction, NormAssessment, NormAssessmentVersion
from aseancyber.norms.schemas import AssessmentDiff, FieldChange, StateDiff
from aseancyber.norms.service import get_or_404, state_by_iso2


def end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC): versions recorded before it count "as of" ``day``."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def history(db: Session, *, reader: Reader, assessment_id: str) -> list[NormAssessmentVersion]:
    """Every saved version of a visible assessment, oldest first."""
    assessment = get_or_404(db, reader=reader, assessment_id=assessment_id)
    return list(
        db.scalars(
            select(NormAssessmentVersion)
            .where(NormAssessmentVersion.assessment_id == assessment.id)
            .order_by(NormAssessmentVersion.version)
        )
    )


def versions_as_of(
    db: Session, *, reader: Reader, as_of: date, member_state_id: str | None = None
) -> dict[str, NormAssessmentVersion]:
    """For each visible assessment, its latest version recorded by the end of ``as_of``."""
    latest = (
        select(
            NormAssessmentVersion.assessment_id,
            func.max(NormAssessmentVersion.version).label("version"),
        )
        .join(NormAssessment, NormAssessment.id == NormAssessmentVersion.assessment_id)
        .where(
            visible_to(reader, NormAssessment), NormAssessmentVersion.recorded_at < end_of(as_of)
        )
        .group_by(NormAssessmentVersion.assessment_id)
    )
    if member_state_id is not None:
        latest = latest.where(NormAssessment.member_state_id == member_state_id)
    chosen = latest.subquery()
    rows = db.scalars(
        select(NormAssessmentVersion).join(
            chosen,
            (chosen.c.assessment_id == NormAssessmentVersion.assessment_id)
            & (chosen.c.version == NormAssessmentVersion.version),
        )
    )
    return {row.assessment_id: row for row in rows}


def _text(value: Any) -> str | list[str] | None:
    if value is None or isinstance(value, list):
        return value
    return str(value)


def state_diff(
    db: Session, *, reader: Reader, iso2: str, from_date: date, to_date: date
) -> StateDiff:
    """What changed in a state's visible assessments between the ends of two dates."""
    if to_date < from_date:
        raise Invalid("must not be before the start date", "to")
    state = state_by_iso2(db, iso2)
    before = versions_as_of(db, reader=reader, as_of=from_date, member_state_id=state.id)
    after = versions_as_of(db, reader=reader, as_of=to_date, member_state_id=state.id)
    actions = dict(
        db.execute(
            select(NormAssessment.id, NormAction)
            .join(NormAction, NormAction.id == NormAssessment.action_id)
            .where(NormAssessment.id.in_(set(after)))
        )
        .tuples()
        .all()
    )
    items = []
    for assessment_id, new in after.items():
        old = before.get(assessment_id)
        if old is not None and old.version == new.version:
            continue
        old_content = old.content() if old else {}
        changes = [
            FieldChange(field=name, before=_text(old_content.get(name)), after=_text(value))
            for name, value in new.content().items()
            if old_content.get(name) != value
        ]
        action = actions[assessment_id]
        items.append(
            AssessmentDiff(
                assessment_id=assessment_id,
                action_code=action.code,
                action_title=action.title,
                before_version=old.version if old else None,
                after_version=new.version,
                changes=changes,
            )
        )
    items.sort(key=lambda item: code_key(item.action_code))
    return StateDiff(
        member_state_iso2=state.iso2, from_date=from_date, to_date=to_date, items=items
    )


def code_key(code: str) -> tuple[str, int]:
    letter, _, number = code.partition(".")
    return letter, int(number) if number.isdigit() else 0
