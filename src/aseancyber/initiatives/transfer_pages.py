"""Pages for moving initiatives in and out: export (JSON, Cybil CSV) and import with its
validation report."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import check_permission, login_redirect
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Tlp
from aseancyber.errors import Invalid
from aseancyber.initiatives import import_runs, service, transfer
from aseancyber.initiatives.page_options import (
    FILTER_NAMES,
    MAX_UPLOAD,
    TLP_OPTIONS,
)
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


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
            "values": {"tlp": Tlp.GREEN.value, "skip_bad_rows": False},
        },
    )


@router.post("/initiatives/import", dependencies=[CsrfChecked])
async def import_file(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Validate and import the uploaded file; show the validation report if any row is bad.

    The rows are checked before the write lock is taken (``READ_FIRST_POSTS``), in a worker
    thread: checking 20,000 rows must not stop the event loop for every other request."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    form = await request.form()
    upload = form.get("file")
    values = {
        "tlp": forms.text(form, "tlp") or Tlp.GREEN.value,
        "skip_bad_rows": forms.checked(form, "skip_bad_rows")
        or forms.checked(form, "import_valid_rows"),
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
    content = ""
    if len(raw) > MAX_UPLOAD:
        problem = "The file is larger than 10 MiB; split it into smaller files"
    try:
        content = transfer.decode(raw)
    except Invalid as error:
        problem = problem or "The file " + error.problems[0].message
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
        started = await run_in_threadpool(
            partial(
                import_runs.start,
                db,
                actor=actor,
                content=content,
                format=format,
                skip_bad_rows=bool(values["skip_bad_rows"]),
                default_tlp=tlp,
            )
        )
    except Invalid as error:
        context["errors"] = {"file": error.detail}
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    result = started.result
    if started.run is not None:
        return templating.redirect(
            f"/initiatives/import/runs/{started.run.id}",
            f"{result.valid_rows:,} rows checked; they are being imported.",
            "success",
        )
    if result.problems and not result.imported_ids:
        context["result"] = result
        return templating.render(request, "initiatives/import.html", context, status_code=422)
    if result.problems:
        # Some rows were skipped: show which and why, with what was imported.
        context["result"] = result
        return templating.render(request, "initiatives/import.html", context)
    return templating.redirect(
        "/initiatives/overlaps" if result.overlaps_flagged else "/initiatives",
        f"{len(result.imported_ids)} initiatives imported; "
        f"{result.overlaps_flagged} possible overlaps flagged.",
        "success",
    )


@router.get("/initiatives/import/runs/{run_id}")
def show_import_run(run_id: str, request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """A large import's progress: rows stored of rows to store (the page refreshes itself
    until the import is finished)."""
    if actor is None:
        return login_redirect(request)
    run = import_runs.get_or_404(db, reader=actor, run_id=run_id)
    page = templating.render(
        request,
        "initiatives/import_run.html",
        {"run": run, "percent": import_runs.percent(run)},
    )
    if not import_runs.finished(run):
        page.headers["Refresh"] = "2"  # polls without script: the browser reloads the page
    return page


@router.post("/initiatives/import/runs/{run_id}/resume", dependencies=[CsrfChecked])
def resume_import_run(
    run_id: str, request: Request, db: DbSession, actor: OptionalActor
) -> Response:
    """Queue an import that stopped midway again, from its first row not stored."""
    if actor is None:
        return login_redirect(request)
    check_permission(actor, Permission.RECORD_CREATE)
    run = import_runs.resume(db, actor=actor, run_id=run_id)
    return templating.redirect(
        f"/initiatives/import/runs/{run.id}", "The import goes on from where it stopped.", "success"
    )
