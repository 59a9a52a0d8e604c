"""Pages for coordinators' decisions on pairs: flag a pair detection missed as a duplicate,
or mark a pair not a duplicate, and the decisions taken (on pairs the reader sees both of)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import login_redirect
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import decisions
from aseancyber.initiatives.overlaps.models import PairDecision, PairVerdict
from aseancyber.initiatives.overlaps.schemas import PairDecisionCreate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)

VERDICT_OPTIONS = [(verdict.value, verdict.label) for verdict in PairVerdict]


def _page(
    request: Request,
    db: Session,
    reader: Actor | None,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = decisions.list_(db, reader=reader)
    ids = {i for d in found for i in (d.first_id, d.second_id)}
    statement = select(Initiative.id, Initiative.title).where(Initiative.id.in_(ids))
    titles = dict(db.execute(statement).tuples().all())
    return templating.render(
        request,
        "initiatives/pair_decisions.html",
        {
            "decisions": found,
            "titles": titles,
            "can_decide": may(reader, Action.REVIEW, PairDecision),
            "verdict_options": VERDICT_OPTIONS,
            "values": values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/initiatives/pair-decisions")
def pair_decisions(
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    first: Annotated[str, Query(max_length=36)] = "",
) -> Response:
    """Decisions on pairs, and (for coordinators) the form to flag or reject a pair."""
    values = {"first_id": first, "second_id": "", "verdict": "duplicate", "reason": ""}
    return _page(request, db, reader, values=values)


@router.post("/initiatives/pair-decisions", dependencies=[CsrfChecked])
async def decide_pair(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Record a decision from the form; a duplicate opens its overlap page."""
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    values = {
        name: forms.text(form, name) for name in ("first_id", "second_id", "verdict", "reason")
    }
    parsed = forms.parse(PairDecisionCreate, values)
    if isinstance(parsed, dict):
        errors = {key if key != "form" else "verdict": value for key, value in parsed.items()}
        return _page(request, db, actor, values=values, errors=errors, status_code=422)
    decision = decisions.decide(db, actor=actor, data=parsed)
    read = decisions.read(db, decision)
    if parsed.verdict is PairVerdict.DUPLICATE and read.overlap_id:
        return templating.redirect(
            f"/initiatives/overlaps/{read.overlap_id}",
            "The pair is now an overlap to review.",
            "success",
        )
    return templating.redirect(
        "/initiatives/pair-decisions",
        "The pair is marked not a duplicate; it will not be proposed again.",
        "success",
    )
