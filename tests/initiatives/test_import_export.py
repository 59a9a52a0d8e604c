"""Bulk import with a validation report, and CSV/JSON export with Cybil-compatible columns."""

import csv
import io
import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.community.models import SectoralBody
from tests.initiatives.conftest import TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"

SPREADSHEET = "\n".join(
    [
        "Title,Description,Activities,Status,Start date,End "
        "date,Funders,Beneficiaries,Topics,Audience,Sectoral "
        "body,Programme,Norms,Budget,Currency,Link",
        'Incident response training for national CERTs,"Hands-on incident response '
        "training for analysts of the national CERTs of Malaysia and the Philippines: "
        'triage, containment and recovery.",Five-day course with live-fire '
        "labs,Active,2026-03,2026-06,Singapore,MY; PH,Incident Management & Critical "
        "Infrastructure Protection,Technical,ADGMIN,ASCCE,(g); "
        "(k),120000,SGD,https://example.org/a",
        'Building incident handling skills in CSIRTs,"A course for CSIRT staff from '
        "Malaysia and the Philippines on handling incidents end to end: detection, "
        'triage, containment and recovery.",Workshop with hands-on '
        "labs,Planned,2026-04-01,2026-05-31,Japan,MY; "
        "PH,incident_ci,technical,ARF-ISM-ICTS,AJCCBC,,,,",
        "",
    ]
)
BAD_ROWS = """Title,Status,Start date,End date,Beneficiaries,Sectoral body,Budget,Colour
Good row,Planned,2026-01,2026-02,MY,ADGMIN,,
,Planned,2026-01,2026-02,MY,ADGMIN,,
Bad dates,Planned,2026-05-01,2026-01-01,ZZ,NOPE,12,blue
"""


def test_import_a_spreadsheet_from_two_bodies_flags_the_overlap(
    client: TestClient, world: World, token_for: TokenFor, bodies: dict[str, SectoralBody]
) -> None:
    headers = token_for(world.coordinator)
    response = client.post(
        f"{API}/import", json={"format": "csv", "content": SPREADSHEET}, headers=headers
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["imported"] == 2
    assert result["problems"] == []
    assert result["overlaps_flagged"] == 1
    first = client.get(f"{API}/{result['imported_ids'][0]}", headers=headers).json()
    assert first["status"] == "ongoing"
    assert first["end_on"] == "2026-06-30"
    assert first["beneficiary_states"] == ["MY", "PH"]
    assert first["themes"] == ["incident_ci"]
    assert first["norms"] == ["g", "k"]
    assert first["budget_amount"] == "120000.00"
    overlaps = client.get(f"{API}/overlaps", headers=headers).json()["items"]
    assert len(overlaps) == 1
    assert overlaps[0]["reasons"]["different_bodies"]


def test_a_bad_row_imports_nothing_unless_asked_and_reports_row_and_field(
    client: TestClient, world: World, token_for: TokenFor, bodies: dict[str, SectoralBody]
) -> None:
    headers = token_for(world.author)
    response = client.post(
        f"{API}/import", json={"format": "csv", "content": BAD_ROWS}, headers=headers
    )
    result = response.json()
    assert result["imported"] == 0
    assert result["valid_rows"] == 1
    assert result["rows"] == 3
    problems = {(p["row"], p["field"]) for p in result["problems"]}
    assert (3, "title") in problems
    assert {(4, "Colour"), (4, "end_on")} <= problems
    assert client.get(API, headers=headers).json()["items"] == []
    again = client.post(
        f"{API}/import",
        json={"format": "csv", "content": BAD_ROWS, "import_valid_rows": True},
        headers=headers,
    ).json()
    assert again["imported"] == 1
    assert [i["title"] for i in client.get(API, headers=headers).json()["items"]] == ["Good row"]


def test_unreadable_files_are_refused_clearly(
    client: TestClient, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.author)
    for body, text in (
        ({"format": "json", "content": "{nope"}, "not valid JSON"),
        ({"format": "json", "content": '{"a": 1}'}, "list of objects"),
        ({"format": "csv", "content": ""}, "no header"),
        ({"format": "csv", "content": "\r0"}, "no header"),  # a bare carriage return
        ({"format": "csv", "content": 'title\n"' + "x" * 200_000}, "not valid CSV (line"),
        ({"format": "xml", "content": "<a/>"}, "format"),
    ):
        response = client.post(f"{API}/import", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert text in response.text, response.text
    assert (
        client.post(f"{API}/import", json={"format": "csv", "content": SPREADSHEET}).status_code
        == 401
    )


def test_export_round_trips_through_import(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    register(**{**TRAINING, "funders": ["=cmd()"], "budget_amount": "5", "budget_currency": "USD"})
    db.commit()
    headers = token_for(world.author)
    exported = client.get(f"{API}/export", params={"format": "csv"}, headers=headers)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["Title"] == TRAINING["title"]
    assert rows[0]["Funders"] == "'=cmd()"  # never a spreadsheet formula
    assert rows[0]["Beneficiaries"] == "MY; PH"
    as_json = client.get(f"{API}/export", params={"format": "json"}, headers=headers).json()
    again = client.post(
        f"{API}/import", json={"format": "json", "content": json.dumps(as_json)}, headers=headers
    ).json()
    assert again["problems"] == [], again
    assert again["imported"] == 1, again


def test_import_page_shows_the_validation_report(
    world: World, browser_for: BrowserFor, bodies: dict[str, SectoralBody]
) -> None:
    browser = browser_for(world.author)
    files = {"file": ("initiatives.csv", BAD_ROWS.encode(), "text/csv")}
    response = browser.client.post(
        "/initiatives/import", data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"}, files=files
    )
    assert response.status_code == 422
    assert "Validation report" in response.text
    assert "is not a known column" in response.text
    ok = browser.client.post(
        "/initiatives/import",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN", "skip_bad_rows": "true"},
        files=files,
        follow_redirects=False,
    )
    assert ok.status_code == 200  # what was imported, with the rows skipped and why
    assert "1 initiatives imported" in ok.text
    assert "2 bad rows of 3 skipped" in ok.text
    assert "ZZ" in ok.text  # the bad value itself, beside its row and column
