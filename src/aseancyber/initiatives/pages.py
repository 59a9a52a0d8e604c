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
from starlette.datastructures import UploadFile

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.community.service import (
    all_organisations,
    list_member_states,
    list_pillars,
    list_sectoral_bodies,
)
from aseancyber.errors import Conflict, Invalid
from aseancyber.initiatives import gaps, overlaps, report, service, transfer
from aseancyber.initiatives.charts import column_chart, shade
from aseancyber.initiatives.models import (
    AUDIENCE_LABELS,
    CLAUSE_LABELS,
    NORM_LETTERS,
    THEME_LABELS,
    Initiative,
    InitiativeStatus,
    OverlapDecision,
)
from aseancyber.initiatives.schemas import InitiativeCreate, InitiativeUpdate, OverlapReview
from aseancyber.web import forms, templating
from aseancyber.web.guards import check_permission, login_redirect
from aseancyber.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)

TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
STATUS_OPTIONS = [(status.value, status.label) for status in InitiativeStatus]
THEME_OPTIONS = [(theme.value, label) for theme, label in THEME_LABELS.items()]
AUDIENCE_OPTIONS = [(kind.value, label) for kind, label in AUDIENCE_LABELS.items()]
CLAUSE_OPTIONS = [(clause.value, label) for clause, label in CLAUSE_LABELS.items()]
NORM_OPTIONS = [(letter, f"({letter}) {gaps.NORM_NAMES[letter]}") for letter in NORM_LETTERS]
DECISION_OPTIONS = [(decision.value, decision.label) for decision in OverlapDecision]
PROGRAMME_SUGGESTIONS = [
    "ACCP",
    "ASCCE",
    "AJCCBC",
    "ASEAN Regional CERT",
    "ASEAN-Australia",
    "ASEAN-EU",
]
MAX_UPLOAD = 10 * 1024 * 1024
FILTER_NAMES = (
    "q",
    "state",
    "theme",
    "audience",
    "norm",
    "body",
    "pillar",
    "programme",
    "status",
    "year",
    "tlp",
    "owner",
)


def _choices(db: Session) -> dict[str, Any]:
    return {
        "tlp_options": TLP_OPTIONS,
        "status_options": STATUS_OPTIONS,
        "theme_options": THEME_OPTIONS,
        "audience_options": AUDIENCE_OPTIONS,
        "clause_options": CLAUSE_OPTIONS,
        "norm_options": NORM_OPTIONS,
        "state_options": [(s.iso2, s.name) for s in list_member_states(db)],
        "body_options": [(b.code, f"{b.code}: {b.name}") for b in list_sectoral_bodies(db)],
        "pillar_options": [(p.code, p.name) for p in list_pillars(db)],
        "programme_suggestions": PROGRAMME_SUGGESTIONS,
    }


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
            **_choices(db),
            "page": page,
            "values": values,
            "filtered": filters.any(),
            "total": service.count(db, reader=reader, filters=filters),
            "export_query": request.url.remove_query_params(["cursor", "limit"]).query,
            "can_create": service.may_create(reader),
            "can_review": overlaps.may_review(reader),
        },
    )


@router.get("/initiatives/export")
def export_initiatives(
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(max_length=10)] = "json",
) -> Response:
    """Download the visible, filtered initiatives as JSON or Cybil-compatible CSV."""
    values = {name: str(request.query_params.get(name, ""))[:200] for name in FILTER_NAMES}
    filters = service.parse_filters(**values)
    exported = transfer.export(db, reader=reader, filters=filters, format=format)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


# --- import --------------------------------------------------------------------------------------


@router.get("/initiatives/import")
def import_form(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """The form to import a spreadsheet (CSV) or JSON file of initiatives."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    return templating.render(
        request,
        "initiatives/import.html",
        {
            "tlp_options": TLP_OPTIONS,
            "columns": transfer.COLUMNS,
            "result": None,
            "errors": {},
            "values": {"tlp": Tlp.GREEN.value},
        },
    )


@router.post("/initiatives/import", dependencies=[CsrfChecked])
async def import_file(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Validate and import the uploaded file; show the validation report if any row is bad."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    form = await request.form()
    upload = form.get("file")
    values = {
        "tlp": forms.text(form, "tlp") or Tlp.GREEN.value,
        "import_valid_rows": forms.checked(form, "import_valid_rows"),
    }
    context: dict[str, Any] = {
        "tlp_options": TLP_OPTIONS,
        "columns": transfer.COLUMNS,
        "result": None,
        "errors": {},
        "values": values,
    }
    if not isinstance(upload, UploadFile) or not upload.filename:
        await form.close()
        context["errors"] = {"file": "Choose a CSV or JSON file to import"}
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    raw = await upload.read(MAX_UPLOAD + 1)
    await form.close()
    name = upload.filename.lower()
    format = "json" if name.endswith(".json") else "csv"
    problem = None
    if len(raw) > MAX_UPLOAD:
        problem = "The file is larger than 10 MiB; split it into smaller files"
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem = "The file is not UTF-8 text; save it as CSV UTF-8 or JSON"
    if problem is None and "\x00" in content:
        problem = "The file contains NUL characters"
    try:
        tlp = Tlp(str(values["tlp"]))
    except ValueError:
        problem = problem or "Choose a TLP label"
    if problem is not None:
        context["errors"] = {"file": problem}
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    try:
        result = transfer.import_initiatives(
            db,
            actor=actor,
            content=content,
            format=format,
            import_valid_rows=bool(values["import_valid_rows"]),
            default_tlp=tlp,
        )
    except Invalid as error:
        context["errors"] = {"file": error.detail}
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    if result.problems and not result.imported_ids:
        context["result"] = result
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    skipped = (
        f"; {result.rows - len(result.imported_ids)} invalid rows were skipped"
        if result.problems
        else ""
    )
    return templating.redirect(
        "/initiatives/overlaps" if result.overlaps_flagged else "/initiatives",
        f"{len(result.imported_ids)} initiatives imported{skipped}; "
        f"{result.overlaps_flagged} possible overlaps flagged.",
        "success",
    )


# --- overlaps, regional view, gaps, report -----------------------------------------------


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
            "can_review": overlaps.may_review(reader),
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
            "can_review": overlaps.may_review(reader),
            "decision_options": DECISION_OPTIONS,
            "errors": errors or {},
            "values": values
            or {
                "decision": overlap.decision.value if overlap.decision else "",
                "reason": overlap.decision_reason,
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
    message = (
        "The overlap was dismissed."
        if parsed.status == "dismissed"
        else "The overlap was confirmed."
    )
    return templating.redirect(f"/initiatives/overlaps/{overlap_id}", message, "success")


@router.get("/initiatives/gaps")
def show_gaps(
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Coverage matrices, plain-language findings and trends by year."""
    first, last = report.parse_period(start, end) if start or end else (None, None)
    coverage = gaps.coverage(db, reader=reader, start=first, end=last)
    return templating.render(
        request,
        "initiatives/gaps.html",
        {
            "coverage": coverage,
            "shade": shade,
            "values": {"start": start, "end": end},
            "trend": column_chart(
                [(str(y), n) for y, n in coverage.by_year], title="Initiatives by starting year"
            ),
        },
    )


@router.get("/initiatives/report")
def report_page(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    format: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    """Choose a period; see the report in the page, or download it as HTML or PDF."""
    first, last = report.parse_period(start or None, end or None)
    built = report.build(db, reader=reader, start=first, end=last)
    if format in {"html", "pdf"}:
        content, media_type, filename = report.render(built, format=format)
        return Response(
            content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    if format:
        raise Invalid("must be html or pdf", "format")
    return templating.render(
        request,
        "initiatives/report.html",
        {
            "values": {"start": first.isoformat(), "end": last.isoformat()},
            "report_html": report.render_html(built, standalone=False),
        },
    )


# --- one initiative -----------------------------------------------------------------------------


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
        **_choices(db),
        "organisation_options": [
            (o.id, o.name) for o in all_organisations(db) if o.id != actor.organisation_id
        ],
        "values": values,
        "initiative": initiative,
        "can_edit": initiative is None or service.may_edit(actor, initiative),
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
            "norm_names": gaps.NORM_NAMES,
            "can_edit": service.may_edit(reader, initiative),
            "can_relabel": service.may_create(reader),
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
    if service.may_edit(actor, initiative):
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
