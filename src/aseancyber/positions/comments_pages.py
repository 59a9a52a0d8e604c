"""The comment and proposed-edit forms on a position page: /positions/{id}/comments,
/positions/{id}/proposals and the drafter's accept or reject of each proposal.

Problems with these forms come back as a message on the position page.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.errors import Conflict, Invalid
from aseancyber.positions import comments_service
from aseancyber.positions.schemas import CommentCreate, ProposalCreate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)
ModelT = TypeVar("ModelT", bound=BaseModel)


def back_to_position(
    position_id: str, message: str, kind: str = "success", anchor: str = ""
) -> Response:
    """Back to the position page (at ``anchor``) with a flash message."""
    return templating.redirect(f"/positions/{position_id}{anchor}", message, kind)


def not_saved(
    position_id: str, error: Invalid | Conflict | dict[str, str], anchor: str
) -> Response:
    """Back to the position page with the reason a form there was not saved."""
    message = "; ".join(error.values()) if isinstance(error, dict) else error.detail
    return back_to_position(position_id, f"Not saved: {message}", "error", anchor)


def refusal(
    position_id: str,
    anchor: str,
    model: type[ModelT],
    data: dict[str, Any],
    save: Callable[[ModelT], object],
) -> Response | None:
    """Parse a form of the position page with ``model`` and ``save`` it: ``None`` once
    saved, else the way back to the page with the reason it was not."""
    parsed = forms.parse(model, data)
    if isinstance(parsed, dict):
        return not_saved(position_id, parsed, anchor)
    try:
        save(parsed)
    except (Invalid, Conflict) as error:
        return not_saved(position_id, error, anchor)
    return None


@router.post("/positions/{position_id}/comments", dependencies=[CsrfChecked])
async def add_comment(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    data = {
        "text": forms.text(form, "text"),
        "paragraph_key": forms.optional(form, "paragraph_key"),
    }
    refused = refusal(
        position_id,
        "#comments",
        CommentCreate,
        data,
        lambda parsed: comments_service.add_comment(
            db, actor=actor, position_id=position_id, data=parsed
        ),
    )
    return refused or back_to_position(position_id, "Your comment was added.", anchor="#comments")


@router.post("/positions/{position_id}/proposals", dependencies=[CsrfChecked])
async def propose(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    data = forms.texts_of(form, "kind", "paragraph_key", "proposed_text", "rationale")
    refused = refusal(
        position_id,
        "#proposals",
        ProposalCreate,
        data,
        lambda parsed: comments_service.propose(
            db, actor=actor, position_id=position_id, data=parsed
        ),
    )
    return refused or back_to_position(
        position_id, "Your proposed edit was sent to the drafter.", anchor="#proposals"
    )


@router.post(
    "/positions/{position_id}/proposals/{proposal_id}/{decision}", dependencies=[CsrfChecked]
)
async def decide(
    *,
    position_id: str,
    proposal_id: str,
    decision: str,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
) -> Response:
    form = await request.form()
    note = forms.text(form, "note")[:20_000]
    try:
        if decision == "accept":
            version = comments_service.accept(
                db, actor=actor, position_id=position_id, proposal_id=proposal_id, note=note
            )
            return back_to_position(
                position_id, f"The edit was accepted: version {version.number} is now current."
            )
        if decision == "reject":
            comments_service.reject(
                db, actor=actor, position_id=position_id, proposal_id=proposal_id, note=note
            )
            return back_to_position(position_id, "The edit was rejected.", anchor="#proposals")
    except (Invalid, Conflict) as error:
        return not_saved(position_id, error, "#proposals")
    return not_saved(position_id, Invalid("must be accept or reject", "decision"), "#proposals")
