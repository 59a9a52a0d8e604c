"""Pages for overlaps: the list of possible duplicates, one pair side by side with why it
was flagged, its review (confirm with a decision, or dismiss), and the regional view.
A reader sees an overlap only when they may see both initiatives; 404 otherwise."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import check_permission, login_redirect
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.errors import Conflict, Invalid
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from aseancyber.initiatives.overlaps.schemas import OverlapReview
from aseancyber.initiatives.page_options import (
    DECISION_OPTIONS,
)
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/initiatives/overlaps")
def list_overlaps(
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    status: Annotated[str, Query(max_length=20)] = "open",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Possible duplicates the reader may see, highest score first, with their reasons."""
    page = overlaps.list_(db, reader=reader, status=overlaps.parse_status(status), cursor=cursor)
    return templating.render(
        request,
        "initiatives/overlaps.html",
        {
            "page": page,
            "status": status,
            "reasons": {o.id: overlaps.sentences(o) for o in page.items},
            "can_review": may(reader, Action.REVIEW, Overlap),
        },
    )


@router.get("/initiatives/overlaps/regional")
def regional_overlaps(request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """Confirmed overlaps by pair of sectoral bodies."""
    return templating.render(
        request, "initiatives/regional.html", {"pairs": overlaps.regional_view(db, reader=reader)}
    )


def _overlap_page(
    request: Request,
    db: Session,
    reader: Actor | None,
    overlap_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    conflict: str | None = None,
    status_code: int = 200,
) -> Response:
    overlap = overlaps.get_or_404(db, reader=reader, overlap_id=overlap_id)
    reasons = overlaps.reasons_of(overlap)
    return templating.render(
        request,
        "initiatives/overlap.html",
        {
            "overlap": overlap,
            "reasons": reasons,
            "sentences": overlaps.sentences(overlap),
            "can_review": may(reader, Action.REVIEW, Overlap),
            "decision_options": DECISION_OPTIONS,
            "errors": errors or {},
            "values": values
            or {
                "decision": overlap.decision.value if overlap.decision else "",
                "reason": overlap.decision_reason,
                "keep_id": "",
            },
            "conflict": conflict,
        },
        status_code=status_code,
    )


@router.get("/initiatives/overlaps/{overlap_id}")
def show_overlap(
    overlap_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One overlap: the two initiatives side by side, why they were flagged, the review."""
    return _overlap_page(request, db, reader, overlap_id)


@router.post("/initiatives/overlaps/{overlap_id}/review", dependencies=[CsrfChecked])
async def review_overlap(
    overlap_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Confirm (with a decision) or dismiss an overlap from the form."""
    if actor is None:
        return login_redirect(request)
    overlaps.get_or_404(db, reader=actor, overlap_id=overlap_id)
    check_permission(actor, Permission.RECORD_COORDINATE)
    form = await request.form()
    action = forms.text(form, "action")
    values = {
        "version": forms.text(form, "version"),
        "status": "dismissed" if action == "dismiss" else "confirmed",
        "decision": (forms.text(form, "decision") or None) if action != "dismiss" else None,
        "reason": forms.text(form, "reason"),
        "keep_id": (forms.text(form, "keep_id") or None) if action != "dismiss" else None,
    }
    parsed = forms.parse(OverlapReview, values)
    if isinstance(parsed, dict):
        errors = {key if key != "form" else "decision": value for key, value in parsed.items()}
        return _overlap_page(
            request, db, actor, overlap_id, errors=errors, values=values, status_code=422
        )
    try:
        overlaps.review(db, actor=actor, overlap_id=overlap_id, data=parsed)
    except Conflict as error:
        return _overlap_page(
            request, db, actor, overlap_id, values=values, conflict=error.detail, status_code=409
        )
    except Invalid as error:  # a merge that would show the duplicate more widely
        errors = {problem.field: problem.message for problem in error.problems}
        return _overlap_page(
            request, db, actor, overlap_id, errors=errors, values=values, status_code=422
        )
    message = (
        "The overlap was dismissed."
        if parsed.status == "dismissed"
        else "The overlap was confirmed."
    )
    return templating.redirect(f"/initiatives/overlaps/{overlap_id}", message, "success")
