"""Page forms: pydantic's errors become plain sentences next to their fields, a refused form
comes back (4xx) with what was typed, an error summary links to each field, and a page whose
own parameters are refused says so in plain language."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from aseancyber.access.models import Role
from aseancyber.cases.schemas import CaseCreate, EmbargoAction, ParticipantAdd, VulnerabilityCreate
from aseancyber.community.documents import Document
from aseancyber.community.documents_schemas import DocumentCreate
from aseancyber.contacts.schemas import ContactCreate
from aseancyber.errors import Conflict, FieldProblem, Invalid
from aseancyber.web import forms
from aseancyber.web.field_messages import plain_message
from aseancyber.web.templating import templates
from tests.factories import make_org, make_state, make_user, sign_in

SECTORS = (
    "Choose one of: Energy, Water, Transport, Health, Finance, Telecommunications, Government, "
    "Emergency services, Food, Manufacturing, Media, Defence."
)
RAW = ("literal_error", "Input should", "Field required", "String should", "Value error", "'")


def _errors(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    result = forms.parse(model, data)
    assert isinstance(result, dict), result
    return result


@pytest.mark.parametrize(
    ("model", "data", "field", "message"),
    [
        (
            ContactCreate,
            {"name": "n", "email": "a@b.org"},
            "kind",
            "Kind: choose one of the options.",
        ),
        (
            CaseCreate,
            {"title": "t", "kind": "bug", "tlp": "TLP:RED"},
            "kind",
            "Choose one of: Vulnerability, Incident.",
        ),
        (
            CaseCreate,
            {"title": "x" * 301, "kind": "incident", "tlp": "TLP:RED"},
            "title",
            "Use at most 300 characters (you entered 301).",
        ),
        (
            CaseCreate,
            {"title": "t", "kind": "incident", "tlp": "TLP:RED", "sectors": ["energy", "oil"]},
            "sectors",
            SECTORS,
        ),
        (
            ParticipantAdd,
            {"role": "boss"},
            "role",
            "Choose one of: Coordinator, Vendor, Deployer (CI operator), Reporter, Other CERT.",
        ),
        (
            EmbargoAction,
            {"action": "pause"},
            "action",
            "Choose one of: Propose, Accept, Reject, Revise, End.",
        ),
        (
            EmbargoAction,
            {"action": "propose", "ends_at": "next week"},
            "ends_at",
            "Enter a date and time, for example 2026-03-31 14:30.",
        ),
        (
            DocumentCreate,
            {"title": "t", "kind": "other", "tlp": "TLP:RED", "published_on": "31/03/2026"},
            "published_on",
            "Enter a date as YYYY-MM-DD, for example 2026-03-31.",
        ),
        (
            DocumentCreate,
            {"title": "t", "kind": "other", "tlp": "TLP:RED", "audience_user_emails": ["nope"]},
            "audience_user_emails",
            "Enter an e-mail address such as name@example.org "
            "(an email address must have an @-sign).",
        ),
        (VulnerabilityCreate, {"title": ""}, "title", "Title cannot be empty."),
        (
            VulnerabilityCreate,
            {"title": "t", "epss_score": "2"},
            "epss_score",
            "Enter a number of at most 1.0.",
        ),
        (
            VulnerabilityCreate,
            {"title": "t", "epss_score": "high"},
            "epss_score",
            "Enter a number, for example 0.25.",
        ),
        (
            VulnerabilityCreate,
            {"title": "t", "cve": "CVE-1"},
            "cve",
            "CVE id is not in the expected format.",
        ),
        (
            ContactCreate,
            {"kind": "technical", "name": "n", "email": "x"},
            "email",
            "E-mail is not a valid e-mail address: An email address must have an @-sign.",
        ),
        (ContactCreate, {"kind": "technical", "email": "a@b.org"}, "name", "Name is required."),
        (
            ContactCreate,
            {"kind": "technical", "name": "n", "email": "a@b.org", "time_zone": "Mars/Base"},
            "time_zone",
            "Time zone is not a known IANA time zone such as Asia/Singapore.",
        ),
        (
            ContactCreate,
            {"kind": "technical", "name": "n", "email": "a@b.org", "surprise": "1"},
            "surprise",
            "This field is not expected here: reload the form and try again.",
        ),
    ],
)
def test_each_error_is_one_plain_sentence(
    model: type[BaseModel], data: dict[str, Any], field: str, message: str
) -> None:
    errors = _errors(model, data)
    assert errors[field] == message
    for text in errors.values():
        assert not any(raw in text for raw in RAW if raw != "'"), text
        assert text[:1].isupper(), text
        assert text.endswith("."), text


def test_without_the_model_choices_are_read_from_the_error_and_made_readable() -> None:
    with pytest.raises(ValidationError) as caught:
        EmbargoAction.model_validate({"action": "pause"})
    problem = caught.value.errors()[0]
    assert plain_message(problem) == "Choose one of: Propose, Accept, Reject, Revise, End."
    unknown = {"type": "some_future_type", "loc": ("note",), "msg": "is too loud"}
    assert plain_message(unknown) == "Note is too loud."
    assert plain_message({"type": "x", "loc": ("note",), "msg": ""}) == "Note is not valid."


def test_parse_or_raise_gives_one_problem_per_field() -> None:
    with pytest.raises(Invalid) as caught:
        forms.parse_or_raise(CaseCreate, {"title": "", "kind": "bug", "tlp": "TLP:RED"})
    assert caught.value.problems == [
        FieldProblem("title", "Title cannot be empty."),
        FieldProblem("kind", "Choose one of: Vulnerability, Incident."),
    ]
    assert forms.parse_or_raise(CaseCreate, {"title": "t", "kind": "incident", "tlp": "TLP:RED"})


def test_kept_values_keep_multi_selects_and_drop_the_token_and_files() -> None:
    form = FormData(
        [("csrf_token", "secret"), ("title", "T"), ("sectors", "water"), ("sectors", "food")]
    )
    assert forms.kept(form) == {"title": "T", "sectors": ["water", "food"]}


def test_submit_saves_or_says_why_not() -> None:
    class _Title(BaseModel):
        title: str

    saved: list[str] = []

    def save(data: _Title) -> str:
        if data.title == "taken":
            raise Invalid("is taken", "title")
        if data.title == "stale":
            raise Conflict("changed by someone else")
        saved.append(data.title)
        return data.title.upper()

    assert forms.submit(_Title, {"title": "ok"}, save) == "OK"
    missing = forms.submit(_Title, {}, save)
    assert isinstance(missing, forms.Refused)
    assert (set(missing.errors), missing.conflict, missing.status_code) == ({"title"}, None, 422)
    taken = forms.submit(_Title, {"title": "taken"}, save)
    assert taken == forms.Refused(errors={"title": "is taken"})
    stale = forms.submit(_Title, {"title": "stale"}, save)
    assert isinstance(stale, forms.Refused)
    assert stale.status_code == 409
    assert stale.context == {"errors": {}, "conflict": "changed by someone else"}
    assert saved == ["ok"]


def test_texts_of_reads_each_named_field_stripped() -> None:
    form = FormData([("a", " one "), ("b", "two")])
    assert forms.texts_of(form, "a", "b", "absent") == {"a": "one", "b": "two", "absent": ""}


def test_macros_link_label_hint_and_error_by_prefixed_ids() -> None:
    macros = templates.env.get_template("macros.html").module
    errors = {"title": "Title cannot be empty.", "form": "Someone else saved first."}
    html = str(macros.input("title", "Title", "typed", errors, hint="Short", prefix="edit-"))  # type: ignore[attr-defined]
    assert '<label for="edit-title">Title</label>' in html
    assert '<p class="hint" id="edit-title-hint">Short</p>' in html
    assert 'id="edit-title-error"' in html
    assert 'aria-describedby="edit-title-hint edit-title-error" aria-invalid="true"' in html
    assert 'name="title"' in html
    assert 'value="typed"' in html
    summary = str(macros.error_summary(errors, "edit-"))  # type: ignore[attr-defined]
    assert '<a href="#edit-title">Title cannot be empty.</a>' in summary
    assert "<li>Someone else saved first.</li>" in summary
    clean = str(macros.select("tlp", "Label", [("a", "A")], "a", {}, prefix="x-"))  # type: ignore[attr-defined]
    assert "aria-invalid" not in clean
    assert "aria-describedby" not in clean


def _signed_in(client: TestClient, db: Session) -> str:
    user = make_user(db, make_org(db, state=make_state(db, "SG")), Role.CONTRIBUTOR)
    return sign_in(client, db, user)


def test_a_refused_page_form_comes_back_with_input_and_messages_by_the_fields(
    client: TestClient, db: Session
) -> None:
    csrf = _signed_in(client, db)
    answer = client.post(
        "/documents/new",
        data={
            "csrf_token": csrf,
            "title": "National strategy 2026",
            "kind": "poem",
            "tlp": "TLP:GREEN",
            "published_on": "tomorrow",
            "summary": "Kept <as typed>",
        },
    )
    assert answer.status_code == 422
    html = answer.text
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    assert '<a href="#kind">Choose one of: National strategy, Threat assessment' in summary[0]
    assert '<a href="#published_on">Enter a date as YYYY-MM-DD' in summary[0]
    date_field = re.search(
        r'<div class="field has-error">\s*<label for="published_on">.*?</div>', html, re.S
    )
    assert date_field is not None
    assert '<p class="field-error" id="published_on-error">' in date_field[0]
    assert 'value="tomorrow"' in date_field[0]
    assert 'aria-invalid="true"' in date_field[0]
    assert 'value="National strategy 2026"' in html
    assert "Kept &lt;as typed&gt;</textarea>" in html
    for raw in RAW[:-1]:
        assert raw not in html
    assert db.scalar(select(func.count()).select_from(Document)) == 0  # nothing half-written


def test_a_page_whose_own_fields_are_refused_answers_in_plain_language(
    client: TestClient, db: Session
) -> None:
    csrf = _signed_in(client, db)
    answer = client.post(
        "/account", data={"csrf_token": csrf, "display_name": "New name", "version": "two"}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "Please check what you entered" in answer.text
    assert "<strong>Version</strong>: Enter a whole number, for example 3." in answer.text
    assert "int_parsing" not in answer.text
    assert "Input should" not in answer.text
    api = client.post("/api/v1/documents", json={"title": "t"}, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "Invalid input"  # scripts keep the REST contract
