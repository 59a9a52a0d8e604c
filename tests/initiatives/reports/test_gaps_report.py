"""Coverage gaps and the ministers' report: only visible initiatives count, every figure is
in the appendix, and missing domains are said to be missing, never estimated."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import OverlapDecision
from aseancyber.initiatives.overlaps.schemas import OverlapReview
from aseancyber.initiatives.reports import gaps
from aseancyber.initiatives.reports import service as report
from aseancyber.manifests import REPORT_SOURCES
from tests.factories import actor
from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"


def test_coverage_matrices_and_findings(db: Session, world: World, register: Register) -> None:
    register(**TRAINING)  # MY, PH; norms g, k
    register(
        **{
            **TRAINING,
            "title": "Secret",
            "tlp": "TLP:AMBER",
            "beneficiary_states": ["SG"],
            "norms": ["a"],
        }
    )
    coverage = gaps.coverage(db, reader=actor(world.other_state))
    assert coverage.initiatives == 1  # the AMBER one is not the other state's to count
    assert coverage.states_by_themes.cell("MY", "incident_ci") == 1
    assert coverage.norms_by_states.cell("k", "PH") == 1
    assert coverage.norms_by_states.cell("a", "SG") == 0
    assert coverage.bodies_by_themes.cell("ADGMIN", "incident_ci") == 1
    assert any(
        f.startswith("No initiative addresses norm (k) Do not harm") and "in 2 states" in f
        for f in coverage.findings
    )
    assert any("norm (a)" in f and "any member state" in f for f in coverage.findings)
    assert coverage.by_year == [(2026, 1)]
    author = gaps.coverage(db, reader=actor(world.author))
    assert author.norms_by_states.cell("a", "SG") == 1


def test_a_state_is_not_flagged_for_years_before_it_joined(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    register: Register,
    browser_for: BrowserFor,
) -> None:
    joined = {"VN": ("Viet Nam", date(1995, 7, 28)), "TL": ("Timor-Leste", date(2025, 10, 26))}
    for iso2, (name, accession) in joined.items():
        db.add(
            MemberState(
                name=name,
                iso2=iso2,
                iso3=f"{iso2}X",
                accession_date=accession,
                time_zone="Asia/Dili",
            )
        )
    register(**{**TRAINING, "start_on": "1993-03-01", "end_on": "1993-06-30"})
    register(**{**TRAINING, "start_on": "2024-03-01", "end_on": "2024-06-30"})
    register(**{**TRAINING, "start_on": "2026-03-01", "end_on": "2026-06-30"})
    db.commit()
    headers = token_for(world.coordinator)

    def gaps_in(year: int) -> dict[str, Any]:
        period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
        response = client.get(f"{API}/gaps", params=period, headers=headers)
        assert response.status_code == 200
        data: dict[str, Any] = response.json()
        return data

    before_viet_nam = gaps_in(1993)
    findings = " ".join(before_viet_nam["findings"])
    assert "Viet Nam" not in findings
    assert "Timor-Leste" not in findings
    assert "State SG" in findings  # a founding member is still judged
    assert before_viet_nam["not_yet_members"] == [
        "Timor-Leste joined ASEAN on 26 October 2025, after this period; it is not judged for it.",
        "Viet Nam joined ASEAN on 28 July 1995, after this period; it is not judged for it.",
    ]
    states_by_themes = before_viet_nam["matrices"][0]
    assert "VN" not in [iso2 for iso2, _ in states_by_themes["rows"]]

    before_timor_leste = gaps_in(2024)
    assert "Viet Nam benefits from no initiative in this period." in before_timor_leste["findings"]
    assert "Timor-Leste" not in " ".join(before_timor_leste["findings"])

    joining = gaps_in(2025)  # Timor-Leste joined on 26 October 2025
    assert joining["not_yet_members"] == [
        "Timor-Leste joined ASEAN on 26 October 2025, during this period; it is judged from "
        "that day only."
    ]

    member = gaps_in(2026)
    assert "Timor-Leste benefits from no initiative in this period." in member["findings"]
    assert member["not_yet_members"] == []

    built = report.build(
        db,
        reader=actor(world.coordinator),
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
        sources=REPORT_SOURCES,
    )
    html = report.render_html(built)
    gaps_section = html.split("4. Gaps")[1].split("Table A.")[0]
    assert "Timor-Leste joined ASEAN on 26 October 2025" in gaps_section
    assert "Timor-Leste benefits from no initiative" not in html
    page = browser_for(world.coordinator).client.get(
        "/initiatives/gaps", params={"start": "2024-01-01", "end": "2024-12-31"}
    )
    assert "Timor-Leste joined ASEAN on 26 October 2025" in page.text


def test_gaps_over_rest_and_page(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    register: Register,
    browser_for: BrowserFor,
) -> None:
    register(**TRAINING)
    db.commit()
    data = client.get(f"{API}/gaps", headers=token_for(world.coordinator)).json()
    assert data["initiatives"] == 1
    assert data["by_year"] == [[2026, 1]]
    assert client.get(f"{API}/gaps").json()["initiatives"] == 0  # anonymous: GREEN is not public
    page = browser_for(world.coordinator).client.get("/initiatives/gaps")
    assert page.status_code == 200
    assert "No initiative addresses norm" in page.text


def test_report_has_every_section_and_appendix(
    db: Session, world: World, register: Register
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    register(
        **{
            **TRAINING,
            "title": "Hidden initiative",
            "tlp": "TLP:RED",
            "audience_organisation_ids": [world.recipient_org.id],
        }
    )
    _confirm_every_overlap(db, world)
    first, last = report.parse_period("2026-01-01", "2026-12-31")
    built = report.build(
        db, reader=actor(world.coordinator), start=first, end=last, sources=REPORT_SOURCES
    )
    html = report.render_html(built)
    assert "Hidden initiative" not in html
    assert ("Initiatives active in the period", "2") in built.summary
    for heading in (
        "1. Summary",
        "2. Initiatives by pillar",
        "3. Overlaps and coordination options",
        "4. Gaps",
        "Annex. Candidates not yet reviewed",
        "Data appendix",
    ):
        assert heading in html
    assert "Joint delivery" in html
    assert "shared calendar" in html
    for figure in built.figures:
        assert f"Figure {figure.number}. {figure.title}" in html
        assert (
            html.count(f"Figure {figure.number}. {figure.title}") == 2
        )  # in the text and the appendix
    assert "Not yet available on this node" in html or "Norms implementation" in html
    assert built.figure(2).rows[0] in (("ADGMIN", 1), ("ARF-ISM-ICTS", 1))


def _confirm_every_overlap(db: Session, world: World) -> None:
    for overlap in db.scalars(overlaps.visible_statement(actor(world.coordinator))).unique():
        overlaps.review(
            db,
            actor=actor(world.coordinator),
            overlap_id=overlap.id,
            data=OverlapReview(
                version=overlap.version, status="confirmed", decision=OverlapDecision.COORDINATE
            ),
        )


def test_only_reviewed_overlaps_are_overlaps_and_candidates_go_to_the_annex(
    *, client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    headers = token_for(world.coordinator)
    params = {"start": "2026-01-01", "end": "2026-12-31", "format": "html"}

    before = client.get(f"{API}/report", params=params, headers=headers)
    assert before.status_code == 200
    section_3, annex = before.text.split("<h2>3. ")[1].split("Annex. Candidates not yet reviewed")
    assert "No overlap among the initiatives of this period has been confirmed" in section_3
    assert "(1 candidate pair not yet reviewed: see the annex)" in section_3
    assert "Joint delivery" not in section_3
    assert SAME_TRAINING_OTHER_BODY["title"] in annex.split("Data appendix")[0]
    assert "not yet reviewed" in annex
    assert 'Overlaps confirmed by review (section 3)</td><td class="n">0' in before.text
    assert 'Candidates not yet reviewed (annex, not findings)</td><td class="n">1' in before.text

    _confirm_every_overlap(db, world)
    db.commit()
    after = client.get(f"{API}/report", params=params, headers=headers)
    section_3, annex = after.text.split("<h2>3. ")[1].split("Annex. Candidates not yet reviewed")
    assert SAME_TRAINING_OTHER_BODY["title"] in section_3
    assert "Joint delivery" in section_3
    assert SAME_TRAINING_OTHER_BODY["title"] not in annex.split("Data appendix")[0]
    assert "0 candidate pairs flagged" in annex
    assert 'Overlaps confirmed by review (section 3)</td><td class="n">1' in after.text


def test_report_downloads_as_pdf_and_html(
    *,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    register: Register,
    browser_for: BrowserFor,
) -> None:
    register(**TRAINING)
    db.commit()
    headers = token_for(world.coordinator)
    pdf = client.get(
        f"{API}/report", params={"start": "2026-01-01", "end": "2026-12-31"}, headers=headers
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    html = client.get(
        f"{API}/report", params={"start": "2026-01-01", "format": "html"}, headers=headers
    )
    assert html.status_code == 200
    assert "Data appendix" in html.text
    bad = client.get(
        f"{API}/report", params={"start": "2026-12-31", "end": "2026-01-01"}, headers=headers
    )
    assert bad.status_code == 422
    assert "end" in bad.text
    page = browser_for(world.coordinator).client.get(
        "/initiatives/report", params={"start": "2026-01-01"}
    )
    assert page.status_code == 200
    assert "Prepare the report" in page.text
    assert 'value="2026-01-01"' in page.text
