"""Gaps from substance: a workshop tagged with every norm does not hide the norms nobody
addresses; the report adds a per-state implementation table and recommendations that name
the tables they come from."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.initiatives.reports import gaps
from aseancyber.initiatives.reports import service as report
from aseancyber.manifests import REPORT_SOURCES
from tests.factories import actor
from tests.initiatives.conftest import TRAINING, Register
from tests.readers import TokenFor, World

ALL_NORMS = list("abcdefghijk")


def _for_malaysia(title: str, norms: list[str], **more: Any) -> dict[str, Any]:
    return {**TRAINING, "title": title, "beneficiary_states": ["MY"], "norms": norms, **more}


def test_a_workshop_tagged_with_all_norms_does_not_hide_four_gaps(
    db: Session, world: World, register: Register
) -> None:
    register(**_for_malaysia("Regional norms awareness workshop", ALL_NORMS))
    register(**_for_malaysia("Stability and information dialogue", ["a", "b", "c"]))
    register(**_for_malaysia("Cybercrime cooperation and privacy", ["d", "e", "f"]))
    register(**_for_malaysia("Protecting national CII", ["g"]))
    coverage = gaps.coverage(db, reader=actor(world.coordinator))
    malaysia = next(line for line in coverage.states if line.iso2 == "MY")
    assert malaysia.initiatives == 4
    assert malaysia.norms == list("abcdefg")
    assert malaysia.gaps == ["h", "i", "j", "k"]
    assert malaysia.touched_only == ["h", "i", "j", "k"]
    assert coverage.norms_by_states.cell("h", "MY") == 0
    assert coverage.touched_by_states is not None
    assert coverage.touched_by_states.cell("h", "MY") == 1
    assert [i.title for i in coverage.broad] == ["Regional norms awareness workshop"]
    finding = next(f for f in coverage.findings if "norm (h)" in f)
    assert f"broad initiatives tag it for {malaysia.name} without addressing it" in finding


def test_a_practical_action_makes_a_broad_initiative_address_its_norm(
    db: Session, world: World, register: Register
) -> None:
    register(**_for_malaysia("Assistance desk and awareness", [*ALL_NORMS, "h.1"]))
    coverage = gaps.coverage(db, reader=actor(world.coordinator))
    malaysia = next(line for line in coverage.states if line.iso2 == "MY")
    assert malaysia.norms == ["h"]
    assert "h" not in malaysia.gaps
    assert "h" not in malaysia.touched_only
    assert "a" in malaysia.touched_only


def test_a_focused_initiative_addresses_every_norm_it_names(
    db: Session, world: World, register: Register
) -> None:
    register(**TRAINING)  # MY and PH, norms g and k
    coverage = gaps.coverage(db, reader=actor(world.coordinator))
    for line in coverage.states:
        if line.iso2 in {"MY", "PH"}:
            assert line.norms == ["g", "k"]
            assert line.themes == 1
    assert not coverage.broad


def test_the_report_has_a_state_table_and_recommendations_traceable_to_it(
    db: Session, world: World, register: Register
) -> None:
    register(**_for_malaysia("Regional norms awareness workshop", ALL_NORMS))
    register(**_for_malaysia("Protecting national CII", ["g"]))
    first, last = report.parse_period("2026-01-01", "2026-12-31")
    built = report.build(
        db, reader=actor(world.coordinator), start=first, end=last, sources=REPORT_SOURCES
    )
    html = report.render_html(built)
    assert "Table D. Implementation by member state" in html
    assert "Table B2. Norms only tagged by broad initiatives" in html
    assert "Recommendations, by priority" in html
    texts = [r.text for r in built.recommendations]
    assert [r.priority for r in built.recommendations] == sorted(
        r.priority for r in built.recommendations
    )
    # Every state but Malaysia is served by no initiative: the most urgent recommendations.
    served_by_none = [r for r in built.recommendations if "benefits from no initiative" in r.text]
    assert served_by_none
    assert {r.priority for r in served_by_none} == {1}
    assert built.coverage is not None
    malaysia = next(line.name for line in built.coverage.states if line.iso2 == "MY")
    assert all(f"{malaysia} benefits" not in text for text in texts)
    norm_h = next(r for r in built.recommendations if r.text.startswith("Norm (h)"))
    assert malaysia in norm_h.text
    assert norm_h.sources == ("Table B", "Table D", "Table B2")
    assert "not shared" in norm_h.text or "not available" in norm_h.text
    broad = next(r for r in built.recommendations if r.priority == 4)
    assert "1 initiative tag more than 3 norms" in broad.text or "1 initiative" in broad.text
    for recommendation in built.recommendations:  # every source named is in the report
        for source in recommendation.sources:
            assert source in html
    assert built.implementation_of("MY") in {"not shared", "not available on this node"}


def test_a_reader_who_sees_nothing_gets_no_recommendation(
    db: Session, world: World, register: Register
) -> None:
    register(**_for_malaysia("Restricted programme", ["g"], tlp="TLP:AMBER"))
    first, last = report.parse_period("2026-01-01", "2026-12-31")
    built = report.build(
        db, reader=actor(world.other_state), start=first, end=last, sources=REPORT_SOURCES
    )
    assert built.recommendations == []
    assert "support no recommendation" in report.render_html(built)


def test_the_gaps_api_and_the_report_download_carry_the_substance_end_to_end(
    *, client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    register(**_for_malaysia("Regional norms awareness workshop", ALL_NORMS))
    register(**_for_malaysia("Protecting national CII", ["g"]))
    db.commit()
    headers = token_for(world.coordinator)
    found = client.get("/api/v1/initiatives/gaps", headers=headers)
    assert found.status_code == 200
    malaysia = next(line for line in found.json()["states"] if line["iso2"] == "MY")
    assert malaysia["norms"] == ["g"]
    assert "h" in malaysia["gaps"]
    assert "h" in malaysia["touched_only"]
    titles = [matrix["title"] for matrix in found.json()["matrices"]]
    assert any(title.startswith("Norms only tagged by broad initiatives") for title in titles)
    html = client.get(
        "/api/v1/initiatives/report",
        params={"start": "2026-01-01", "end": "2026-12-31", "format": "html"},
        headers=headers,
    )
    assert html.status_code == 200
    for heading in (
        "Recommendations, by priority",
        "Table B2. Norms only tagged by broad initiatives",
        "Table D. Implementation by member state",
    ):
        assert heading in html.text
    assert "Priority 1." in html.text
    assert "Source: Table B, Table D, Table B2." in html.text


def test_a_state_that_joined_during_the_period_counts_only_what_runs_after(
    db: Session, world: World, register: Register
) -> None:
    db.add(
        MemberState(
            name="Timor-Leste",
            iso2="TL",
            iso3="TLS",
            accession_date=date(2025, 10, 26),
            time_zone="Asia/Dili",
        )
    )
    before = {**TRAINING, "beneficiary_states": ["TL"], "start_on": "2025-02-01"}
    register(**{**before, "title": "Before accession", "end_on": "2025-05-31"})
    register(**{**before, "title": "Across accession", "end_on": "2025-12-31", "norms": ["j"]})
    coverage = gaps.coverage(
        db, reader=actor(world.coordinator), start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    timor = next(line for line in coverage.states if line.iso2 == "TL")
    assert timor.initiatives == 2  # the table counts what served the state in the period
    assert timor.norms == ["j"]  # only what ran after it joined fills its gaps
    assert coverage.norms_by_states.cell("g", "TL") == 0
    assert any("judged from that day only" in note for note in coverage.not_yet_members)
