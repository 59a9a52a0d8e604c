"""Pages for initiatives: the registry (/initiatives, new, detail, edit, delete, export,
import), overlaps and their review, the regional view, gaps, and the ministers' report.

Reading is open to anonymous visitors, who see TLP:CLEAR initiatives only; writing needs a
signed-in contributor or coordinator; reviewing overlaps needs a coordinator. An
initiative the reader may not see is 404 everywhere and is never counted.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import check_permission, login_redirect
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.access.rules import Action, may
from aseancyber.community.service import all_organisations
from aseancyber.errors import Conflict, Invalid
from aseancyber.initiatives import service, transfer_pages
from aseancyber.initiatives.models import AUDIENCE_LABELS, CLAUSE_LABELS, THEME_LABELS, Initiative
from aseancyber.initiatives.norm_links import service as norm_links
from aseancyber.initiatives.overlaps import decision_pages, merging
from aseancyber.initiatives.overlaps import pages as overlap_pages
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, PairDecision
from aseancyber.initiatives.page_options import FILTER_NAMES, choices
from aseancyber.initiatives.reports import pages as report_pages
from aseancyber.initiatives.schemas import InitiativeCreate, InitiativeUpdate
from aseancyber.web import forms, templating
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)
# The fixed paths (/initiatives/overlaps, /report, /import...) come before /{initiative_id}.
router.include_router(transfer_pages.router)
router.include_router(overlap_pages.router)
router.include_router(decision_pages.router)
router.include_router(report_pages.router)


@router.get("/initiatives")
def list_initiatives(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """The initiatives the reader may see, with filters and search."""
    values = {name: str(request.query_params.get(name, ""))[:200] for name in FILTER_NAMES}
    filters = service.parse_filters(**values)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "initiatives/list.html",
        {
            **choices(db),
            "page": page,
            "values": values,
            "filtered": filters.any(),
            "total": service.count(db, reader=reader, filters=filters),
            "export_query": request.url.remove_query_params(["cursor", "limit"]).query,
            "can_create": may(reader, Action.CREATE, Initiative),
            "can_review": may(reader, Action.REVIEW, Overlap),
        },
    )


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()

    def names(field: str) -> list[str]:
        return [
            line.strip()
            for line in forms.text(form, field).replace(";", "\n").splitlines()
            if line.strip()
        ]

    return {
        "title": forms.text(form, "title"),
        "summary": forms.text(form, "summary"),
        "aims": forms.text(form, "aims"),
        "activities": forms.text(form, "activities"),
        "status": forms.text(form, "status") or "planned",
        "start_on": forms.optional(form, "start_on"),
        "end_on": forms.optional(form, "end_on"),
        "pillar": forms.optional(form, "pillar"),
        "sectoral_body": forms.optional(form, "sectoral_body"),
        "programme": forms.text(form, "programme"),
        "beneficiary_states": forms.texts(form, "beneficiary_states"),
        "other_beneficiaries": names("other_beneficiaries"),
        "themes": forms.texts(form, "themes"),
        "target_audience": forms.texts(form, "target_audience"),
        "norms": forms.texts(form, "norms"),
        "statement_clauses": forms.texts(form, "statement_clauses"),
        "funders": names("funders"),
        "implementers": names("implementers"),
        "partners": names("partners"),
        "budget_amount": forms.optional(form, "budget_amount"),
        "budget_currency": forms.text(form, "budget_currency"),
        "source_link": forms.text(form, "source_link"),
        "tlp": forms.text(form, "tlp"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "audience_organisation_ids": forms.texts(form, "audience_organisation_ids"),
    }


def _form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    *,
    initiative: Initiative | None = None,
    errors: dict[str, str] | None = None,
    conflict: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        **choices(db),
        "organisation_options": [
            (o.id, o.name) for o in all_organisations(db) if o.id != actor.organisation_id
        ],
        "values": values,
        "initiative": initiative,
        "can_edit": initiative is None or may(actor, Action.EDIT, initiative),
        "errors": errors or {},
        "conflict": conflict,
    }
    return templating.render(request, "initiatives/form.html", context, status_code=status_code)


@router.get("/initiatives/new")
def new_initiative(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The form to register an initiative."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    return _form(request, db, actor, {"tlp": Tlp.GREEN.value, "status": "planned"})


@router.post("/initiatives/new", dependencies=[CsrfChecked])
async def create_initiative(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Register an initiative from the form; duplicates are looked for at once."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    values = await _posted(request)
    parsed = forms.parse(InitiativeCreate, values)
    if isinstance(parsed, dict):
        return _form(request, db, actor, values, errors=parsed, status_code=422)
    try:
        initiative = service.create(db, actor=actor, data=parsed)
    except Invalid as error:
        return _form(
            request, db, actor, values, errors=forms.invalid_errors(error), status_code=422
        )
    found = len(overlaps.for_initiative(db, reader=actor, initiative_id=initiative.id))
    message = "The initiative was registered." + (
        f" {found} possible overlap{'s' if found != 1 else ''} found: see below." if found else ""
    )
    return templating.redirect(f"/initiatives/{initiative.id}", message, "success")


@router.get("/initiatives/{initiative_id}")
def show_initiative(
    initiative_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One initiative and its ranked possible duplicates, if the reader may see it."""
    initiative = service.get_or_404(db, reader=reader, initiative_id=initiative_id)
    found = overlaps.for_initiative(db, reader=reader, initiative_id=initiative.id)
    return templating.render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "overlaps": found,
            "reasons": {o.id: overlaps.sentences(o) for o in found},
            "theme_labels": THEME_LABELS,
            "audience_labels": AUDIENCE_LABELS,
            "clause_labels": CLAUSE_LABELS,
            "norm_url": norm_links.norm_url,
            "can_edit": may(reader, Action.EDIT, initiative),
            "can_relabel": may(reader, Action.RELABEL, initiative),
            "can_decide": may(reader, Action.REVIEW, PairDecision),
            "merged_into": merging.merged_into(db, reader=reader, initiative=initiative),
        },
    )


def _loaded_values(db: Session, initiative: Initiative) -> dict[str, Any]:
    audience = audience_of(db, initiative)
    return {
        "title": initiative.title,
        "summary": initiative.summary,
        "aims": initiative.aims,
        "activities": initiative.activities,
        "status": initiative.status.value,
        "start_on": initiative.start_on.isoformat() if initiative.start_on else "",
        "end_on": initiative.end_on.isoformat() if initiative.end_on else "",
        "pillar": initiative.pillar.code if initiative.pillar else "",
        "sectoral_body": initiative.sectoral_body.code if initiative.sectoral_body else "",
        "programme": initiative.programme,
        "beneficiary_states": initiative.states,
        "other_beneficiaries": initiative.other_beneficiaries,
        "themes": [t.value for t in initiative.themes],
        "target_audience": [a.value for a in initiative.audience],
        "norms": initiative.norms,
        "statement_clauses": [c.value for c in initiative.clauses],
        "funders": initiative.funders,
        "implementers": initiative.implementers,
        "partners": initiative.partners,
        "budget_amount": str(initiative.budget_amount)
        if initiative.budget_amount is not None
        else "",
        "budget_currency": initiative.budget_currency,
        "source_link": initiative.source_link,
        "tlp": initiative.tlp.value,
        "green_includes_external": initiative.green_includes_external,
        "audience_organisation_ids": sorted(audience.organisation_ids),
        "version": initiative.version,
    }


@router.get("/initiatives/{initiative_id}/edit")
def edit_initiative(
    initiative_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """The form to edit an initiative (content: owner organisation; label: anyone who sees it)."""
    if actor is None:
        return login_redirect(request)
    initiative = service.get_or_404(db, reader=actor, initiative_id=initiative_id)
    check_permission(actor, Permission.RECORD_CREATE)
    return _form(request, db, actor, _loaded_values(db, initiative), initiative=initiative)


@router.post("/initiatives/{initiative_id}/edit", dependencies=[CsrfChecked])
async def update_initiative(
    initiative_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Save an edit; a stale version shows a conflict message (409)."""
    if actor is None:
        return login_redirect(request)
    initiative = service.get_or_404(db, reader=actor, initiative_id=initiative_id)
    check_permission(actor, Permission.RECORD_CREATE)
    form = await request.form()
    if may(actor, Action.EDIT, initiative):
        values = await _posted(request)
    else:  # others may only raise the label
        values = {"tlp": forms.text(form, "tlp")}
    values["version"] = forms.text(form, "version")
    shown = {**_loaded_values(db, initiative), **values}
    parsed = forms.parse(InitiativeUpdate, values)
    if isinstance(parsed, dict):
        return _form(
            request, db, actor, shown, initiative=initiative, errors=parsed, status_code=422
        )
    try:
        service.update(db, actor=actor, initiative_id=initiative_id, data=parsed)
    except Invalid as error:
        return _form(
            request,
            db,
            actor,
            shown,
            initiative=initiative,
            errors=forms.invalid_errors(error),
            status_code=422,
        )
    except Conflict as error:
        return _form(
            request, db, actor, shown, initiative=initiative, conflict=error.detail, status_code=409
        )
    if not service.still_visible(db, reader=actor, initiative=initiative):
        return templating.redirect(
            "/initiatives",
            "The label was raised; the initiative is now out of your reach.",
            "success",
        )
    return templating.redirect(
        f"/initiatives/{initiative_id}", "The initiative was saved.", "success"
    )


@router.post("/initiatives/{initiative_id}/delete", dependencies=[CsrfChecked])
def delete_initiative(
    initiative_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Delete an initiative (its owner organisation's contributors and coordinators)."""
    if actor is None:
        return login_redirect(request)
    service.delete(db, actor=actor, initiative_id=initiative_id)
    return templating.redirect("/initiatives", "The initiative was deleted.", "success")
