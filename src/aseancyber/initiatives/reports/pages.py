"""Pages for gaps and the ministers' report: coverage matrices and findings, and the report
queued as a background job whose progress the page follows until the file is ready."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, DbSession, OptionalActor
from aseancyber.access.guards import login_redirect
from aseancyber.initiatives.reports import gaps
from aseancyber.initiatives.reports import runs as report_runs
from aseancyber.initiatives.reports import service as report
from aseancyber.initiatives.reports.charts import column_chart, shade_class
from aseancyber.web import forms, templating
from aseancyber.web.security import DOCUMENT_SECURITY_POLICY

router = APIRouter(tags=["pages"], include_in_schema=False)


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
            "focus_limit": gaps.FOCUS_LIMIT,
            "shade_class": shade_class,
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
) -> Response:
    """Choose a period and a format to queue the report; the reader's recent reports."""
    first, last = report.parse_period(start or None, end or None)
    return templating.render(
        request,
        "initiatives/report.html",
        {
            "values": {"start": first.isoformat(), "end": last.isoformat(), "format": "pdf"},
            "runs": report_runs.recent(db, reader=reader),
        },
    )


@router.post("/initiatives/report/runs", dependencies=[CsrfChecked])
async def request_report(request: Request, db: DbSession, actor: OptionalActor) -> Response:
    """Queue the report for the chosen period; the next page follows its progress."""
    if actor is None:
        return login_redirect(request)
    form = await request.form()
    first, last = report.parse_period(
        forms.optional(form, "start") or None, forms.optional(form, "end") or None
    )
    run = report_runs.request(
        db, actor=actor, start=first, end=last, format=forms.text(form, "format") or "pdf"
    )
    return templating.redirect(
        f"/initiatives/report/runs/{run.id}", "The report is being prepared.", "info"
    )


@router.get("/initiatives/report/runs/{run_id}")
def show_report_run(
    run_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One queued report: its progress (the page refreshes itself until it is finished)."""
    status = report_runs.status(report_runs.get_or_404(db, reader=reader, run_id=run_id))
    page = templating.render(request, "initiatives/report_run.html", {"run": status})
    if not status.finished:
        page.headers["Refresh"] = "2"  # polls without script: the browser reloads the page
    return page


@router.get("/initiatives/report/runs/{run_id}/download")
def download_report_run(run_id: str, db: DbSession, reader: OptionalActor) -> Response:
    """The finished report file (409 while it is being prepared)."""
    content, media_type, filename = report_runs.download(db, reader=reader, run_id=run_id)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": DOCUMENT_SECURITY_POLICY,
        },
    )
