"""The "share an indicator" form (/sharing/share) and its audience preview.

The label defaults to the chosen collection's default, never below TLP:GREEN, and the page
shows who will be able to see the indicator before it is shared (computed by the policy in
:mod:`aseancyber.sharing.audience`). Without script, "Show who will see it" reloads the
form with the preview; ``/static/share.js`` refreshes the preview fragment as choices
change. A value on a warninglist comes back with the warning and a "Share anyway" box.
Someone who may add to no collection gets an explanation instead of a form.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.access.models import User
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor, Tlp
from aseancyber.community.service import all_organisations
from aseancyber.errors import Invalid, ServiceError
from aseancyber.sharing import service, share_service
from aseancyber.sharing.audience import AudienceView
from aseancyber.sharing.models import Collection
from aseancyber.sharing.schemas import IndicatorShare
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
OBSERVABLE_OPTIONS = [(key, key) for key in share_service.OBSERVABLE_PATHS]
MAX_NAMED = 500


def _people(db: Session) -> list[User]:
    return list(
        db.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name))
    )


def why_not(actor: Actor) -> str:
    if Permission.RECORD_CREATE not in permissions_of(actor.roles):
        return (
            "Your role does not include sharing: an organisation administrator manages people "
            "and settings, and a viewer reads. Ask your organisation's administrator for the "
            "contributor role if you need to share indicators."
        )
    if not actor.token_can_write:
        return "This session reads only."
    return (
        "No collection lets your organisation add objects. A dialogue partner or other "
        "external party shares through a collection that grants it write access: ask the "
        "coordinator who invited you, or the ASEAN Secretariat."
    )


def _ids(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _preview(
    db: Session, actor: Actor, collection: Collection, values: dict[str, object]
) -> AudienceView | None:
    """The audience box for the form's current choices; none while they are not valid."""
    try:
        return share_service.preview_audience(
            db,
            actor=actor,
            collection_id=collection.id,
            label=Tlp(str(values["tlp"])),
            organisation_ids=_ids(values["audience_organisation_ids"]),
            user_ids=_ids(values["audience_user_ids"]),
            green_includes_external=bool(values["green_includes_external"]),
        )
    except (ServiceError, ValueError):
        return None


def _form_page(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, object],
    *,
    errors: dict[str, str] | None = None,
    warnings: tuple[str, ...] = (),
    status_code: int = 200,
) -> Response:
    collections = service.writable_collections(db, actor=actor)
    if not collections:
        return templating.render(
            request, "sharing/share_unavailable.html", {"reason": why_not(actor)}
        )
    chosen = next((c for c in collections if c.id == values.get("collection_id")), collections[0])
    values["collection_id"] = chosen.id
    if values.get("tlp") not in {label.value for label in Tlp}:
        values["tlp"] = share_service.default_label(chosen).value
    return templating.render(
        request,
        "sharing/share.html",
        {
            "collections": collections,
            "default_labels": {c.id: share_service.default_label(c).value for c in collections},
            "organisations": all_organisations(db),
            "people": _people(db),
            "tlp_options": TLP_OPTIONS,
            "observable_options": OBSERVABLE_OPTIONS,
            "values": values,
            "errors": errors or {},
            "warnings": warnings,
            "preview": _preview(db, actor, chosen, values),
        },
        status_code=status_code,
    )


def _query_values(
    collection_id: str,
    tlp: str,
    organisations: list[str],
    people: list[str],
    external: bool,
    **rest: str,
) -> dict[str, object]:
    return {
        "collection_id": collection_id,
        "tlp": tlp,
        "audience_organisation_ids": organisations[:MAX_NAMED],
        "audience_user_ids": people[:MAX_NAMED],
        "green_includes_external": external,
        **rest,
    }


@router.get("/sharing/share")
def share_form(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    collection_id: Annotated[str, Query(max_length=36)] = "",
    tlp: Annotated[str, Query(max_length=20)] = "",
    audience_organisation_ids: Annotated[list[str] | None, Query()] = None,
    audience_user_ids: Annotated[list[str] | None, Query()] = None,
    green_includes_external: bool = False,
    observable_type: Annotated[str, Query(max_length=20)] = "",
    value: Annotated[str, Query(max_length=2000)] = "",
    name: Annotated[str, Query(max_length=300)] = "",
    description: Annotated[str, Query(max_length=20_000)] = "",
) -> Response:
    """The "share an indicator" form, prefilled from the query (the no-script preview)."""
    values = _query_values(
        collection_id,
        tlp,
        audience_organisation_ids or [],
        audience_user_ids or [],
        green_includes_external,
        observable_type=observable_type,
        value=value,
        name=name,
        description=description,
    )
    return _form_page(request, db, actor, values)


@router.get("/sharing/share/audience")
def audience_fragment(
    *,
    request: Request,
    db: DbSession,
    actor: CurrentActor,
    collection_id: Annotated[str, Query(max_length=36)],
    tlp: Tlp,
    audience_organisation_ids: Annotated[list[str] | None, Query()] = None,
    audience_user_ids: Annotated[list[str] | None, Query()] = None,
    green_includes_external: bool = False,
) -> Response:
    """Just the "who will be able to see it" box, for the form's script to swap in."""
    preview = share_service.preview_audience(
        db,
        actor=actor,
        collection_id=collection_id,
        label=tlp,
        organisation_ids=(audience_organisation_ids or [])[:MAX_NAMED],
        user_ids=(audience_user_ids or [])[:MAX_NAMED],
        green_includes_external=green_includes_external,
    )
    return templating.render(request, "sharing/audience_fragment.html", {"preview": preview})


@router.post("/sharing/share", dependencies=[CsrfChecked])
async def share_submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Share an indicator from an observable; the STIX pattern is generated."""
    form = await request.form()
    values: dict[str, object] = {
        "collection_id": forms.text(form, "collection_id"),
        "observable_type": forms.text(form, "observable_type"),
        "value": forms.text(form, "value"),
        "name": forms.text(form, "name"),
        "description": forms.text(form, "description"),
        "tlp": forms.text(form, "tlp"),
        "audience_organisation_ids": forms.texts(form, "audience_organisation_ids"),
        "audience_user_ids": forms.texts(form, "audience_user_ids"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "share_anyway": forms.checked(form, "share_anyway"),
    }
    parsed = forms.parse(IndicatorShare, values)
    if isinstance(parsed, dict):
        return _form_page(request, db, actor, values, errors=parsed, status_code=422)
    try:
        stored = share_service.share_indicator(db, actor=actor, data=parsed)
    except share_service.WarningsToConfirm as warned:
        values["share_anyway"] = False
        return _form_page(
            request,
            db,
            actor,
            values,
            errors=forms.invalid_errors(warned),
            warnings=warned.warnings,
            status_code=422,
        )
    except Invalid as error:
        return _form_page(
            request, db, actor, values, errors=forms.invalid_errors(error), status_code=422
        )
    return templating.redirect(f"/sharing/objects/{stored.id}", "Indicator shared")
