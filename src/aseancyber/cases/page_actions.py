"""The actions posted from a case's page: one small handler per form, each parsing the
form with the REST API's request model and calling the same service.

:data:`ACTIONS` maps the action name in ``/cases/{id}/actions/{name}`` to its handler;
each returns where to go next and what to tell the reader.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from aseancyber.access.policy import Actor
from aseancyber.cases import catalogue, participants, service, state, workflow
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryRevise
from aseancyber.cases.messages import service as messages
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import (
    CaseUpdate,
    EmbargoAction,
    EmbargoAnswer,
    MessageCreate,
    ParticipantAdd,
    ParticipantUpdate,
    ProductCreate,
    StatusSet,
    VendorEventRecord,
    VulnerabilityCreate,
    WorldEventRecord,
)
from aseancyber.cases.scoring.service import TABLES
from aseancyber.errors import Invalid
from aseancyber.web import forms, templating


def _local_datetime(text: str, time_zone: str) -> datetime | None:
    """A ``datetime-local`` form value, read in the reader's own time zone."""
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid("is not a date and time (YYYY-MM-DDTHH:MM)", "ends_at") from error
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(templating.zone(time_zone).key))


def _parsed(model: type[Any], data: dict[str, Any]) -> Any:
    return forms.parse_or_raise(model, data)


@dataclass(frozen=True)
class FailedAction:
    """A refused action, to re-render the case page with the form that failed still filled
    in and each message next to its field; ``prefix`` is that form's element id prefix."""

    action: str
    errors: forms.FieldErrors
    values: dict[str, str | list[str]]
    prefix: str

    @classmethod
    def of(cls, action: str, form: FormData, error: Invalid) -> "FailedAction":
        values = forms.kept(form)
        # A problem with no field, or with the button pressed, is listed without a link.
        errors = {
            "form" if name == "action" else name: message
            for name, message in forms.invalid_errors(error).items()
        }
        prefix = f"{action}-"
        if action == "embargo":  # one form per embargo action, each with its own ids
            prefix = f"embargo-{values.get('action', '')}-"
        elif action in ("embargo-response", "participant"):  # one form per participant
            prefix = f"{action}-{values.get('participant_id', '')}-"
        return cls(action=action, errors=errors, values=values, prefix=prefix)


async def _do_edit(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data = forms.texts_of(form, "version", "title", "summary", "tlp")
    data["sectors"] = forms.texts(form, "sectors")
    service.update(db, actor=actor, case_id=case_id, data=_parsed(CaseUpdate, data))
    return here, "The case was saved."


async def _do_event(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    body = _parsed(WorldEventRecord, {"event": forms.text(form, "event")})
    workflow.record_world_event(db, actor=actor, case_id=case_id, event=body.event)
    return here, f"{state.EVENT_NAMES[body.event].capitalize()} recorded."


async def _do_vendor_event(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    body = _parsed(VendorEventRecord, {"event": forms.text(form, "event")})
    workflow.record_vendor_event(
        db,
        actor=actor,
        case_id=case_id,
        participant_id=forms.text(form, "participant_id"),
        event=body.event,
    )
    return here, f"{state.EVENT_NAMES[body.event].capitalize()} recorded."


async def _do_embargo(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    ends_at = _local_datetime(forms.text(form, "ends_at"), actor.time_zone)
    body = _parsed(EmbargoAction, {**forms.texts_of(form, "action", "reason"), "ends_at": ends_at})
    workflow.embargo(db, actor=actor, case_id=case_id, data=body)
    return here, "The embargo was updated."


async def _do_embargo_response(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    body = _parsed(EmbargoAnswer, forms.texts_of(form, "response", "reason"))
    workflow.answer_embargo(
        db,
        actor=actor,
        case_id=case_id,
        participant_id=forms.text(form, "participant_id"),
        data=body,
    )
    return here, "Your answer was recorded."


async def _do_invite(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data = forms.texts_of(form, "role", "display_name")
    data.update(
        organisation_id=forms.optional(form, "organisation_id"),
        email=forms.optional(form, "email"),
        individual=forms.checked(form, "individual"),
    )
    participants.add(db, actor=actor, case_id=case_id, data=_parsed(ParticipantAdd, data))
    return here, "The participant was invited."


async def _do_participant(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data: dict[str, Any] = {"version": forms.text(form, "version")}
    for name in ("report_state", "involvement", "role"):
        if forms.text(form, name):
            data[name] = forms.text(form, name)
    if forms.text(form, "muted"):
        data["muted"] = forms.checked(form, "muted")
    participants.update(
        db,
        actor=actor,
        case_id=case_id,
        participant_id=forms.text(form, "participant_id"),
        data=_parsed(ParticipantUpdate, data),
    )
    return here, "The participant was updated."


async def _do_product(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data = forms.texts_of(form, "vendor_name", "product_name", "version_range", "cpe", "purl")
    data["vendor_participant_id"] = forms.optional(form, "vendor_participant_id")
    catalogue.add_product(db, actor=actor, case_id=case_id, data=_parsed(ProductCreate, data))
    return here, "The product was added."


async def _do_vulnerability(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    table = forms.text(form, "ssvc_table")
    ssvc = None
    if table in TABLES:
        ssvc = {
            "table": table,
            "inputs": {name: forms.text(form, f"ssvc_{name}") for name, _ in TABLES[table].inputs},
        }
    data = forms.texts_of(
        form, "title", "cve", "cwe", "cwe_name", "description", "remediation", "cvss_vector"
    )
    data.update(ssvc=ssvc, epss_score=forms.optional(form, "epss_score"))
    catalogue.add_vulnerability(
        db, actor=actor, case_id=case_id, data=_parsed(VulnerabilityCreate, data)
    )
    return here, "The vulnerability was added."


async def _do_status(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    body = _parsed(StatusSet, forms.texts_of(form, "product_id", "status"))
    catalogue.set_status(
        db,
        actor=actor,
        case_id=case_id,
        vulnerability_id=forms.text(form, "vulnerability_id"),
        data=body,
    )
    return here, "The status was saved."


async def _do_message(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data = {
        "body": form.get("body") if isinstance(form.get("body"), str) else "",
        "thread_id": forms.optional(form, "thread_id"),
        "product_id": forms.optional(form, "product_id"),
        "audience": forms.text(form, "audience") or "all",
        "audience_participant_id": forms.optional(form, "audience_participant_id"),
    }
    uploads = [
        messages.Upload(item.filename or "attachment", await item.read())
        for item in form.getlist("attachments")
        if isinstance(item, UploadFile) and item.filename
    ]
    message = messages.post(
        db, actor=actor, case_id=case_id, data=_parsed(MessageCreate, data), uploads=uploads
    )
    return f"{here}/threads/{message.thread_id}", "The message was sent."


async def _do_advisory(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    data = forms.texts_of(form, "category", "summary", "publish_tlp")
    data["title"] = forms.optional(form, "title")
    advisories.draft(db, actor=actor, case_id=case_id, data=_parsed(AdvisoryCreate, data))
    return here, "The advisory draft was created."


async def _do_approve(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    advisory_id = forms.text(form, "advisory_id")
    if action == "revise":
        data = {"summary": forms.text(form, "summary")}
        publication.revise(
            db,
            actor=actor,
            case_id=case_id,
            advisory_id=advisory_id,
            data=_parsed(AdvisoryRevise, data),
        )
        return here, "The advisory revision was published."
    step = publication.approve if action == "approve" else publication.publish
    step(db, actor=actor, case_id=case_id, advisory_id=advisory_id)
    return here, f"The advisory was {action}d."


async def _do_csaf_import(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    upload = form.get("document")
    if not isinstance(upload, UploadFile):
        raise Invalid("choose a CSAF JSON file", "document")
    content = await upload.read(csaf.MAX_UPLOAD_BYTES + 1)
    result = advisories.import_document(db, actor=actor, case_id=case_id, content=content)
    return here, (
        f"Imported: {result.products_created} new products, "
        f"{result.vulnerabilities_created} new and {result.vulnerabilities_updated} updated "
        "vulnerabilities."
    )


async def _do_close(
    form: FormData, db: Session, actor: Actor, case_id: str, action: str
) -> tuple[str, str]:
    here = f"/cases/{case_id}"
    workflow.close(db, actor=actor, case_id=case_id)
    return here, "The case was closed."


ActionHandler = Callable[[FormData, Session, Actor, str, str], Awaitable[tuple[str, str]]]
ACTIONS: dict[str, ActionHandler] = {
    "edit": _do_edit,
    "event": _do_event,
    "vendor-event": _do_vendor_event,
    "embargo": _do_embargo,
    "embargo-response": _do_embargo_response,
    "invite": _do_invite,
    "participant": _do_participant,
    "product": _do_product,
    "vulnerability": _do_vulnerability,
    "status": _do_status,
    "message": _do_message,
    "advisory": _do_advisory,
    "approve": _do_approve,
    "publish": _do_approve,
    "revise": _do_approve,
    "csaf-import": _do_csaf_import,
    "close": _do_close,
}
