"""The matching page (/matching): paste observables or upload a log file, see which of the
indicators you may see match them, optionally record sightings.

Pasted text and a log file are read the same way: line by line, each line's observables
extracted (:func:`aseancyber.matching.service.observables_in`); a file with more distinct
observables than one batch holds is refused with a pointer to ``aseancyber match FILE``,
which streams files of any size.
"""

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.errors import Invalid
from aseancyber.matching import service
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
SHOWN_UNMATCHED = 200


@router.get("/matching")
def match_form(request: Request, actor: CurrentActor) -> Response:
    """The form: a text box, a log-file upload and the sightings choice."""
    return templating.render(request, "matching/match.html", {"report": None, "values": {}})


async def _upload_text(upload: UploadFile) -> list[str]:
    content = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise Invalid(
            f"is over {MAX_UPLOAD // (1024 * 1024)} MB: use `aseancyber match FILE` for big logs",
            "file",
        )
    return content.decode("utf-8", errors="replace").splitlines()


@router.post("/matching", dependencies=[CsrfChecked])
async def match_submit(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Match the pasted observables (one per line) and those found in an uploaded log."""
    async with request.form() as form:
        pasted = forms.text(form, "observables")
        sightings = forms.checked(form, "record_sightings")
        upload = form.get("file")
        try:
            # Pasted text and a log file are one text, read by one extractor.
            lines = pasted.splitlines()
            if isinstance(upload, UploadFile) and upload.filename:
                lines.extend(await _upload_text(upload))
            values = service.observables_in(lines)
            if not values:
                raise Invalid("paste observables or choose a log file", "observables")
            report = await run_in_threadpool(
                partial(
                    service.match_values,
                    db,
                    actor=actor,
                    values=values,
                    record_sightings=sightings,
                )
            )
        except Invalid as error:
            return templating.render(
                request,
                "matching/match.html",
                {
                    "report": None,
                    "values": {"observables": pasted},
                    "errors": forms.invalid_errors(error),
                },
                status_code=422,
            )
    unmatched = [r for r in report.results if r.observable is not None and not r.hits]
    unrecognised = [r.input for r in report.results if r.observable is None]
    return templating.render(
        request,
        "matching/match.html",
        {
            "report": report,
            "values": {"observables": pasted},
            "matched": [r for r in report.results if r.hits],
            "unmatched": unmatched[:SHOWN_UNMATCHED],
            "unmatched_count": len(unmatched),
            "unrecognised": unrecognised[:SHOWN_UNMATCHED],
            "unrecognised_count": len(unrecognised),
        },
    )
