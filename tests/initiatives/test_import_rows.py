"""Importing real registry files: registry wording, a report naming row, column and value,
all-or-nothing or skipping bad rows, one detection pass for large files, hostile input."""

import codecs
import random
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.audit.models import AuditEntry
from aseancyber.community.models import SectoralBody
from aseancyber.errors import Invalid
from aseancyber.initiatives import importing
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap
from aseancyber.reference import load_reference
from tests.factories import actor
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"
HEADER = "Title,Beneficiary states,Sectoral body,Pillar,Start date,End date,Status\n"
Import = Callable[..., importing.ImportResult]


@pytest.fixture
def directory(db: Session, bodies: dict[str, SectoralBody]) -> None:
    load_reference(db)  # the real states, bodies and dialogue partners


@pytest.fixture
def run(db: Session, world: World, directory: None) -> Import:
    def go(content: str, *, skip_bad_rows: bool = False) -> importing.ImportResult:
        return importing.import_initiatives(
            db,
            actor=actor(world.author),
            source=content,
            format="csv",
            skip_bad_rows=skip_bad_rows,
        )

    return go


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_registry_wording_is_read_as_the_platform_stores_it(db: Session, run: Import) -> None:
    result = run(
        HEADER + "Digital forensics course,\"Lao People's Democratic Republic; Viet Nam; Japan; "
        'Pacific Islands",TELMIN,ASEAN Economic Community,2026-02,2026-05,Active\n'
        "Regional CERT drill,All ASEAN Member States,ARF,,2024-03,2024-03,Completed\n"
        "Regional CERT drill 2026,AMS,ASEAN Regional Forum,,2026-03,2026-03,Completed\n"
    )
    assert result.problems == []
    first, drill, later = (db.get_one(Initiative, i) for i in result.imported_ids)
    assert first.states == ["LA", "VN"]
    assert first.other_beneficiaries == ["Japan", "Pacific Islands"]
    assert first.sectoral_body
    assert first.sectoral_body.code == "ADGMIN"
    assert first.pillar
    assert first.pillar.code == "AEC"
    assert drill.sectoral_body
    assert drill.sectoral_body.code == "ARF-ISM-ICTS"
    assert len(drill.states) == 10  # before Timor-Leste joined
    assert "TL" not in drill.states
    assert len(later.states) == 11


def test_each_problem_names_the_row_the_column_and_the_value(run: Import) -> None:
    rows = "".join(f"Good row {n},Laos,ADGMIN,,,,Planned\n" for n in range(12))
    result = run(HEADER + rows + "Bad row,Laoss; MY,TELMINN,Economic,2026-13,,Sleeping\n")
    problems = {p.column: p for p in result.problems}
    assert {p.row for p in result.problems} == {14}
    assert str(problems["Beneficiary states"]) == (
        "row 14, column Beneficiary states: 'Laoss' is not a member state, nor a country or "
        "region outside ASEAN; did you mean 'Laos'?"
    )
    assert problems["Sectoral body"].value == "TELMINN"
    assert "did you mean 'TELMIN'?" in problems["Sectoral body"].problem
    assert problems["Pillar"].value == "Economic"
    assert problems["Start date"].field == "start_on"
    assert problems["Start date"].value == "2026-13-01"
    assert problems["Status"].value == "sleeping"
    assert result.imported_ids == []


def test_one_bad_row_imports_nothing_and_lists_every_problem(db: Session, run: Import) -> None:
    db.commit()  # the fixtures' own entries
    before = _count(db, AuditEntry)
    result = run(
        HEADER
        + "First good,MY,ADGMIN,,,,Planned\n"
        + "Bad one,Narnia,ADGMIN,,,,Planned\n"
        + "Second good,SG,ADGMIN,,,,Planned\n"
        + ",SG,ADGMIN,,,,Planned\n"
    )
    assert result.imported_ids == []
    assert (result.rows, result.valid_rows, result.bad_rows) == (4, 2, 2)
    assert {(p.row, p.field) for p in result.problems} == {
        (3, "beneficiary_states"),
        (5, "title"),
    }
    db.commit()
    assert _count(db, Initiative) == 0
    assert _count(db, AuditEntry) == before  # nothing written, nothing to audit


def test_skipping_bad_rows_imports_the_good_ones_and_audits_the_import(
    db: Session, run: Import
) -> None:
    result = run(
        HEADER
        + "First good,MY,ADGMIN,,,,Planned\n"
        + "Bad one,Narnia,ADGMIN,,,,Planned\n"
        + "Second good,SG,ADGMIN,,,,Planned\n",
        skip_bad_rows=True,
    )
    assert len(result.imported_ids) == 2
    assert [(p.row, p.value) for p in result.problems] == [(3, "Narnia")]
    db.commit()
    titles = set(db.scalars(select(Initiative.title)))
    assert titles == {"First good", "Second good"}
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(["initiative.create", "initiative.import"]))
    ).all()
    created = {e.record_id for e in entries if e.action == "initiative.create"}
    assert created == set(result.imported_ids)
    [summary] = [e for e in entries if e.action == "initiative.import"]
    assert summary.detail == {
        "rows": 3,
        "imported": 2,
        "bad_rows_skipped": 1,
        "overlaps_flagged": 0,
    }
    assert "mode=skip_bad_rows" in summary.changed_fields


def test_an_unreadable_file_half_way_leaves_nothing_behind(db: Session, run: Import) -> None:
    good = "".join(f"Row {n},MY,ADGMIN,,,,Planned\n" for n in range(importing.BATCH + 5))
    with pytest.raises(Invalid, match="a cell is longer than"):
        run(HEADER + good + 'Broken,"' + "x" * 200_000 + "\n", skip_bad_rows=True)
    assert _count(db, Initiative) == 0


SYLLABLES = ["ka", "ra", "lo", "mi", "an", "su", "ti", "ba", "de", "no", "wa", "ye", "ha"]
PLANTED = (0, 10, 20)


def _registry(rows: int, rng: random.Random) -> str:
    """``rows`` initiatives of made-up words, and re-registrations of three of them under
    another body (what detection must find)."""
    lines = ["Title,Description,Beneficiaries,Start date,End date,Sectoral body"]
    words = ["".join(rng.sample(SYLLABLES, 3)) for _ in range(3_000)]
    for n in range(rows):
        text = " ".join(rng.sample(words, 14))
        state = rng.choice(["MY", "SG", "PH", "TH", "Viet Nam", "Laos"])
        lines.append(f"Project {n},{text},{state},2026-01,2026-12,ADGMIN")
        if n in PLANTED:
            lines.append(f"Project {n} again,{text},{state},2026-03,2026-06,ARF")
    return "\n".join(lines) + "\n"


def test_a_large_import_detects_once_and_stores_what_detection_would(
    db: Session, run: Import
) -> None:
    rows = live_index.OVERLAY_LIMIT + 10
    result = run(_registry(rows, random.Random(16)))
    assert result.problems == []
    assert len(result.imported_ids) == rows + 3
    stored = {(o.first_id, o.second_id): o for o in db.scalars(select(Overlap))}
    assert result.overlaps_found == len(stored)
    assert all(o.reasons != "{}" for o in stored.values())
    title = dict(db.execute(select(Initiative.id, Initiative.title)).tuples().all())
    pairs = {tuple(sorted((title[a], title[b]))) for a, b in stored}
    assert {(f"Project {n}", f"Project {n} again") for n in PLANTED} <= pairs
    # The batch pass agrees with a full re-detection over the registry.
    assert overlaps.detect_all(db) == 0
    assert {(o.first_id, o.second_id) for o in db.scalars(select(Overlap))} == set(stored)
    db.commit()
    audited = db.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "initiative_overlap.create")
    )
    assert audited == len(stored)


# --- hostile input ------------------------------------------------------------------------------


def test_a_row_with_more_cells_than_the_header_is_one_bad_row(run: Import) -> None:
    result = run(HEADER + "Fine,MY,ADGMIN,,,,Planned\nShifted,MY,ADGMIN,,,,Planned,oops\n")
    assert [(p.row, p.field) for p in result.problems] == [(3, "row")]
    assert "more cells than the header" in result.problems[0].problem


def test_a_huge_cell_in_a_row_is_refused_by_row_with_a_short_value(run: Import) -> None:
    result = run(HEADER + "T" * 20_000 + ",MY,ADGMIN,,,,Planned\n")
    [problem] = result.problems
    assert (problem.row, problem.field) == (2, "title")
    assert len(problem.value) == 80
    assert problem.value.endswith("…")


def test_export_never_writes_a_spreadsheet_formula(
    client: TestClient, db: Session, world: World, token_for: TokenFor, run: Import
) -> None:
    result = run(
        'Title,Funders,Partners,Other beneficiaries\n=HYPERLINK("http://evil"),+SUM(1),-2+3,@cmd\n',
    )
    assert result.problems == []
    db.commit()
    exported = client.get(
        f"{API}/export", params={"format": "csv"}, headers=token_for(world.author)
    ).text
    cells = exported.splitlines()[1]
    for formula in ('=HYPERLINK(""http://evil"")', "+SUM(1)", "-2+3", "@cmd"):
        assert f"'{formula}" in cells, cells
        assert f",{formula}" not in cells


@pytest.mark.parametrize(
    ("encode", "imported"),
    [
        (lambda text: codecs.BOM_UTF8 + text.encode(), True),
        (lambda text: text.encode("utf-16"), True),  # Excel's "Unicode text", with its mark
        (lambda text: text.encode("cp1252"), False),
    ],
)
def test_encodings_and_byte_order_marks_on_the_upload_page(
    world: World,
    browser_for: BrowserFor,
    directory: None,
    encode: Callable[[str], bytes],
    imported: bool,
) -> None:
    browser = browser_for(world.author)
    content = encode("Title,Beneficiaries\nFormation à la réponse aux incidents,Viêt Nam\n")
    response = browser.client.post(
        "/initiatives/import",
        data={"csrf_token": browser.csrf, "tlp": "TLP:GREEN"},
        files={"file": ("registry.csv", content, "text/csv")},
        follow_redirects=False,
    )
    if imported:
        assert response.status_code == 303, response.text
    else:
        assert response.status_code == 422
        assert "is not UTF-8 text (line 2" in response.text


def test_rest_reports_column_and_value_and_skips_bad_rows_when_asked(
    client: TestClient, world: World, token_for: TokenFor, directory: None
) -> None:
    headers = token_for(world.author)
    content = HEADER + "Good,Brunei,AMMTC,,,,Planned\nBad,Bruneii,AMMTC,,,,Planned\n"
    refused = client.post(
        f"{API}/import", json={"format": "csv", "content": content}, headers=headers
    ).json()
    assert refused["imported"] == 0
    assert refused["problems"] == [
        {
            "row": 3,
            "field": "beneficiary_states",
            "column": "Beneficiary states",
            "value": "Bruneii",
            "problem": "is not a member state, nor a country or region outside ASEAN; "
            "did you mean 'Brunei'?",
        }
    ]
    assert refused["problems_total"] == 1
    done = client.post(
        f"{API}/import",
        json={"format": "csv", "content": content, "skip_bad_rows": True},
        headers=headers,
    ).json()
    assert done["imported"] == 1
    item = client.get(f"{API}/{done['imported_ids'][0]}", headers=headers).json()
    assert (item["beneficiary_states"], item["sectoral_body"]) == (["BN"], "SOMTC-WG-CC")
