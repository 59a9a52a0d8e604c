"""Pages for the coordinators' editor of practical actions: /norms/actions/new and
/norms/actions/{id}/edit (regional coordinators only)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import login_redirect
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.errors import Forbidden
from aseancyber.norms import catalogue
from aseancyber.norms.models import ActionLevel, NormAction
from aseancyber.norms.schemas import ActionCreate, ActionUpdate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)

LEVEL_OPTIONS = [(level.value, level.value.capitalize()) for level in ActionLevel]


def _action_form(
    request: Request,
    values: dict[str, Any],
    *,
    action: NormAction | None = None,
    refused: forms.Refused | None = None,
    norms: list[tuple[str, str]],
) -> Response:
    context = {
        "values": values,
        "action": action,
        "norm_options": norms,
        "level_options": LEVEL_OPTIONS,
    }
    return forms.form_page(request, "norms/action_form.html", context, refused)


def _norm_options(db: Session) -> list[tuple[str, str]]:
    return [(n.letter, f"({n.letter}) {n.short_name}") for n in catalogue.list_norms(db)]


def _check_coordinator(actor: Actor) -> None:
    if not may(actor, Action.EDIT, NormAction):
        raise Forbidden("editing practical actions needs the regional coordinator role")


@router.get("/norms/actions/new")
def new_action(
    request: Request,
    db: DbSession,
    actor: OptionalActor,
    norm: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    """The form to add a practical action."""
    if actor is None:
        return login_redirect(request)
    _check_coordinator(actor)
    values = {"norm_letter": norm, "level": ActionLevel.NATIONAL.value}
    return _action_form(request, values, norms=_norm_options(db))


@router.post("/norms/actions/new", dependencies=[CsrfChecked])
async def create_action(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Add a practical action from the form."""
    if actor is None:
        return login_redirect(request)
    _check_coordinator(actor)
    form = await request.form()
    values = {name: forms.text(form, name) for name in ("norm_letter", "title", "description")}
    values["level"] = forms.text(form, "level")
    added = forms.submit(
        ActionCreate, values, lambda data: catalogue.create_action(db, actor=actor, data=data)
    )
    if isinstance(added, forms.Refused):
        return _action_form(request, values, refused=added, norms=_norm_options(db))
    return templating.redirect("/norms", "The practical action was added.", "success")


@router.get("/norms/actions/{action_id}/edit")
def edit_action(action_id: str, request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The form to reword a practical action."""
    if actor is None:
        return login_redirect(request)
    _check_coordinator(actor)
    action = catalogue.get_action_or_404(db, action_id=action_id)
    values = {
        "norm_letter": action.norm.letter,
        "title": action.title,
        "description": action.description,
        "level": action.level.value,
        "version": action.version,
    }
    return _action_form(request, values, action=action, norms=_norm_options(db))


@router.post("/norms/actions/{action_id}/edit", dependencies=[CsrfChecked])
async def update_action(
    action_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save a reworded practical action."""
    if actor is None:
        return login_redirect(request)
    _check_coordinator(actor)
    action = catalogue.get_action_or_404(db, action_id=action_id)
    form = await request.form()
    values: dict[str, Any] = {
        name: forms.text(form, name) for name in ("title", "description", "level", "version")
    }
    shown = {**values, "norm_letter": action.norm.letter}
    saved = forms.submit(
        ActionUpdate,
        values,
        lambda data: catalogue.update_action(db, actor=actor, action_id=action_id, data=data),
    )
    if isinstance(saved, forms.Refused):
        return _action_form(request, shown, action=action, refused=saved, norms=_norm_options(db))
    return templating.redirect("/norms", "The practical action was saved.", "success")
