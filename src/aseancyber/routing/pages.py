"""Pages for routing findings: /routing (paste or upload), /routing/preview (grouped by
state), /routing/notify (deliver, then the summary) and /routing/registry.

The flow is stateless: the preview carries the normalised findings in its confirm form,
and confirming routes them again, so what is delivered is what the rules say now.
"""

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.access.policy import Actor, Tlp
from aseancyber.access.rules import Action, may
from aseancyber.community.service import all_organisations
from aseancyber.errors import Conflict, Invalid
from aseancyber.routing import delivery, resolve, service, table
from aseancyber.routing.models import ConstituencyEntry, ConstituencyKind, RoutingInbox
from aseancyber.routing.schemas import EntryCreate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)
TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
KIND_OPTIONS = [(kind.value, kind.label) for kind in ConstituencyKind]
MAX_UPLOAD_BYTES = 2_000_000
NO_STATE = "Not a member state, or unknown"


def _form_context(db: DbSession, actor: Actor) -> dict[str, Any]:
    return {
        "tlp_options": TLP_OPTIONS,
        "asn_table": table.state_of(db),
        "can_notify": may(actor, Action.NOTIFY, RoutingInbox),
        "max_findings": service.MAX_FINDINGS,
    }


def _render_form(
    request: Request, db: DbSession, actor: Actor, values: dict[str, str], errors: dict[str, str]
) -> Response:
    return templating.render(
        request,
        "routing/form.html",
        {**_form_context(db, actor), "values": values, "errors": errors},
        status_code=422 if errors else 200,
    )


@router.get("/routing")
def routing_form(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Paste or upload findings to see whose CERT must hear about them."""
    return _render_form(request, db, actor, {"tlp": Tlp.AMBER.value}, {})


async def _findings_text(form: FormData) -> str:
    upload = form.get("file")
    text = forms.text(form, "findings")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise Invalid(f"is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB", "file")
        try:
            text = "\n".join(part for part in (text, content.decode("utf-8-sig")) if part)
        except UnicodeDecodeError:
            raise Invalid("is not UTF-8 text (one finding a line)", "file") from None
    return text


def _tlp(form: FormData) -> Tlp:
    try:
        return Tlp(forms.text(form, "tlp") or Tlp.AMBER.value)
    except ValueError:
        raise Invalid("must be one of " + ", ".join(t.value for t in Tlp), "tlp") from None


def _grouped(rows: list[resolve.Routed]) -> list[tuple[str, list[resolve.Routed]]]:
    groups: dict[str, list[resolve.Routed]] = defaultdict(list)
    for row in rows:
        groups[row.state_name or NO_STATE].append(row)
    # Member states by name, then the findings no member state answers for, listed last.
    return sorted(groups.items(), key=lambda item: (item[0] == NO_STATE, item[0]))


@router.post("/routing/preview", dependencies=[CsrfChecked])
async def routing_preview(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The findings resolved and grouped by responsible state, with the confirm button."""
    async with request.form() as form:
        values = {"findings": forms.text(form, "findings"), "tlp": forms.text(form, "tlp")}
        try:
            text = await _findings_text(form)
            label = _tlp(form)
            lines = service.lines_of(text)
            service.check_batch(lines)
            lookup = service.look_up(db, values=lines)
        except Invalid as error:
            return _render_form(request, db, actor, values, _page_errors(error))
    return templating.render(
        request,
        "routing/preview.html",
        {
            "groups": _grouped(lookup.rows),
            "count": len(lookup.rows),
            "findings_text": "\n".join(f.value for f in lookup.findings),
            "tlp": label,
            "can_notify": may(actor, Action.NOTIFY, RoutingInbox),
        },
    )


def _page_errors(error: Invalid) -> dict[str, str]:
    # Item problems are named findings[n]; on the page they all belong to the findings box.
    messages = [
        f"finding {int(p.field[9:-1]) + 1}: {p.message}"
        if p.field.startswith("findings[")
        else p.message
        for p in error.problems
    ]
    fields = {p.field.split("[")[0] or "findings" for p in error.problems}
    field = "file" if fields == {"file"} else "tlp" if fields == {"tlp"} else "findings"
    return {field: "; ".join(messages)}


@router.post("/routing/notify", dependencies=[CsrfChecked])
async def routing_notify(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Deliver the confirmed findings to the responsible CERTs and show what went where."""
    async with request.form() as form:
        values = {"findings": forms.text(form, "findings"), "tlp": forms.text(form, "tlp")}
        try:
            label = _tlp(form)
            lines = service.lines_of(values["findings"])
            service.check_batch(lines)
            summary = delivery.notify_certs(db, actor=actor, values=lines, tlp=label)
        except Invalid as error:
            return _render_form(request, db, actor, values, _page_errors(error))
    return templating.render(
        request,
        "routing/delivered.html",
        {"summary": summary, "tlp": label, "undelivered": _grouped(summary.undelivered)},
    )


# --- the constituency registry ------------------------------------------------------------------


def _registry_page(  # noqa: PLR0917 - a private helper; the routes pass everything
    request: Request,
    db: DbSession,
    actor: Actor,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    can_edit = may(actor, Action.EDIT, ConstituencyEntry)
    return templating.render(
        request,
        "routing/registry.html",
        {
            "entries": service.list_entries(db),
            "can_edit": can_edit,
            "organisations": all_organisations(db) if can_edit else [],
            "kind_options": KIND_OPTIONS,
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/routing/registry")
def registry_page(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The constituency registry: which organisation answers for a country, AS or domain."""
    return _registry_page(request, db, actor, {}, {})


@router.post("/routing/registry", dependencies=[CsrfChecked])
async def registry_add(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Add a registry entry."""
    form = await request.form()
    values = {
        "kind": forms.text(form, "kind"),
        "key": forms.text(form, "key"),
        "organisation_id": forms.text(form, "organisation_id"),
        "note": forms.text(form, "note"),
    }
    parsed = forms.parse(EntryCreate, values)
    if isinstance(parsed, dict):
        return _registry_page(request, db, actor, values, parsed, 422)
    try:
        entry = service.create_entry(
            db,
            actor=actor,
            kind=parsed.kind,
            key=parsed.key,
            organisation_id=parsed.organisation_id,
            note=parsed.note,
        )
    except Invalid as error:
        return _registry_page(request, db, actor, values, forms.invalid_errors(error), 422)
    except Conflict as error:
        return _registry_page(request, db, actor, values, {"key": error.detail}, 409)
    return templating.redirect(
        "/routing/registry",
        f"{entry.kind.label} {entry.key} now routes to {entry.organisation.name}",
    )


@router.post("/routing/registry/{entry_id}/delete", dependencies=[CsrfChecked])
def registry_delete(entry_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Remove a registry entry."""
    service.delete_entry(db, actor=actor, entry_id=entry_id)
    return templating.redirect("/routing/registry", "Registry entry removed")
