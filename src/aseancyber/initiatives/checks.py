"""Checks on initiative input that need the database: codes of states, bodies and pillars,
dates and budget, the named audience, norms of the catalogue."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Tlp
from aseancyber.access.shareable import require_named, resolve_audience
from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.initiatives.norm_links import service as norm_links
from aseancyber.initiatives.schemas import InitiativeCreate


def resolve_codes(db: Session, data: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0912
    """Check states, pillar and body codes; returns the ids to store."""
    problems: list[FieldProblem] = []
    resolved: dict[str, Any] = {}
    states = data.get("beneficiary_states")
    if states:
        known = set(db.scalars(select(MemberState.iso2).where(MemberState.iso2.in_(states))))
        unknown = sorted(set(states) - known)
        if unknown:
            problems.append(
                FieldProblem("beneficiary_states", f"unknown member state {', '.join(unknown)}")
            )
    body_id = None
    if "sectoral_body" in data:
        code = data["sectoral_body"]
        if code:
            body = db.scalar(
                select(SectoralBody).where(func.upper(SectoralBody.code) == code.upper())
            )
            if body is None:
                problems.append(
                    FieldProblem("sectoral_body", f"no sectoral body has the code {code}")
                )
            else:
                body_id = body.id
                resolved["sectoral_body_id"] = body.id
                if body.pillar_id and not data.get("pillar"):
                    resolved["pillar_id"] = body.pillar_id
        else:
            resolved["sectoral_body_id"] = None
    if "pillar" in data:
        code = data["pillar"]
        if code:
            pillar = db.scalar(select(Pillar).where(Pillar.code == code.upper()))
            if pillar is None:
                problems.append(FieldProblem("pillar", "must be APSC, AEC or ASCC"))
            else:
                resolved["pillar_id"] = pillar.id
        elif body_id is None:
            resolved["pillar_id"] = None
    if problems:
        raise Invalid(problems)
    return resolved


def check_consistency(
    start: date | None, end: date | None, amount: Decimal | None, currency: str
) -> None:
    """The end is not before the start; a budget amount comes with its currency."""
    problems = []
    if start is not None and end is not None and end < start:
        problems.append(FieldProblem("end_on", "must not be before the start date"))
    if amount is not None and not currency:
        problems.append(
            FieldProblem("budget_currency", "is needed with a budget amount (e.g. USD)")
        )
    if problems:
        raise Invalid(problems)


def check_audience(
    db: Session, organisation_ids: list[str], user_ids: list[str], label: Tlp
) -> None:
    """Named organisations and users exist; TLP:RED names at least one recipient (the
    toolkit's checks, for rows checked before anything is written)."""
    audience = resolve_audience(db, organisation_ids=organisation_ids, user_ids=user_ids)
    require_named(label, audience)


def check_row(db: Session, data: InitiativeCreate) -> list[FieldProblem]:
    """Every problem :func:`create` would find in ``data``, without writing anything."""
    problems: list[FieldProblem] = []
    checks = (
        lambda: check_consistency(
            data.start_on, data.end_on, data.budget_amount, data.budget_currency
        ),
        lambda: resolve_codes(db, data.model_dump()),
        lambda: check_audience(
            db, data.audience_organisation_ids, data.audience_user_ids, data.tlp
        ),
        lambda: norm_links.resolve(db, data.norms),
    )
    for check in checks:
        try:
            check()
        except Invalid as error:
            problems.extend(error.problems)
    return problems
