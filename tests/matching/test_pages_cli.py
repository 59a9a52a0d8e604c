"""The matching page (paste or upload a log) and ``aseancyber match FILE``."""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role, User, UserRole
from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.cli import matching as cli_matching
from aseancyber.cli.common import unit_of_work
from aseancyber.errors import Invalid
from aseancyber.matching.service import MAX_BATCH, observables_in
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from aseancyber.sharing.service import add_tlp_definitions
from tests.cli.conftest import RunCli
from tests.matching.conftest import indicator, store
from tests.readers import BrowserFor, World
from tests.sharing.conftest import make_collection

LOG_LINE = '2026-11-28T04:00:{s:02d}Z {ip} GET "https://cdn.example/{n}" 200 ua="curl"\n'


def test_paste_and_upload_on_the_page(db: Session, world: World, browser_for: BrowserFor) -> None:
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[
            indicator("[ipv4-addr:value = '198.51.100.23']", name="C2 server"),
            indicator("[domain-name:value = 'evil.example']", name="phishing domain"),
            indicator("[ipv4-addr:value = '198.51.100.99']", tlp=Tlp.RED, name="hidden red"),
        ],
    )
    db.commit()
    browser = browser_for(world.other_state)
    assert browser.client.get("/matching").status_code == 200
    log = "x 198.51.100.23 y\nGET http://evil.example/a from 198.51.100.99\n"
    answer = browser.client.post(
        "/matching",
        data={"csrf_token": browser.csrf, "observables": "Evil.Example\nnot-an-observable"},
        files={"file": ("access.log", log.encode(), "text/plain")},
    )
    assert answer.status_code == 200, answer.text
    assert "C2 server" in answer.text
    assert "phishing domain" in answer.text
    assert "hidden red" not in answer.text
    assert "1 not recognised" in answer.text
    empty = browser.client.post("/matching", data={"csrf_token": browser.csrf, "observables": ""})
    assert empty.status_code == 422
    assert "paste observables" in empty.text
    no_csrf = browser.client.post("/matching", data={"observables": "10.0.0.1"})
    assert no_csrf.status_code in (400, 403)


def test_the_page_records_sightings_and_audits_the_run(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    """The form is a question (it reads, outside the writers' queue) until the person asks
    for sightings: then the sighting and the run's audit entry are written together."""
    collection = make_collection(db, world)
    store(
        db,
        author=world.author,
        collection=collection,
        objects=[indicator("[ipv4-addr:value = '198.51.100.24']", name="beacon")],
    )
    db.commit()
    browser = browser_for(world.author)
    form = {"csrf_token": browser.csrf, "observables": "198.51.100.24"}
    asked = browser.client.post("/matching", data=form)
    assert asked.status_code == 200, asked.text
    assert "beacon" in asked.text
    db.expire_all()
    assert db.scalars(select(StixObject).where(StixObject.type == "sighting")).all() == []
    recorded = browser.client.post("/matching", data={**form, "record_sightings": "on"})
    assert recorded.status_code == 200, recorded.text
    db.expire_all()
    sightings = db.scalars(select(StixObject).where(StixObject.type == "sighting")).all()
    assert len(sightings) == 1
    assert sightings[0].owner_organisation_id == world.owner_org.id
    runs = db.scalars(select(AuditEntry).where(AuditEntry.action == "matching.run")).all()
    assert len(runs) == 2  # the question and the recording run, each audited


def _seed(cli_engine: Engine) -> None:
    with Session(cli_engine) as db, db.begin():
        org = db.scalar(select(Organisation).where(Organisation.short_name == "SingCERT"))
        assert org is not None
        user = User(email="match@example.org", display_name="Matcher", organisation_id=org.id)
        db.add(user)
        collection = Collection(
            title="Feed",
            kind=CollectionKind.OWN,
            owner_organisation_id=org.id,
            default_tlp=Tlp.GREEN,
        )
        db.add(collection)
        db.flush()
        add_tlp_definitions(db, collection=collection, owner_organisation_id=org.id)
        user.roles = [UserRole(role=Role.CONTRIBUTOR)]
        db.flush()
        store(
            db,
            author=user,
            collection=collection,
            objects=[
                indicator("[ipv4-addr:value = '10.0.0.7']", name="bad ip"),
                indicator("[url:value LIKE 'https://cdn.example/1%']", name="bad urls"),
            ],
        )


def test_match_a_generated_log_file(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path
) -> None:
    _seed(cli_engine)
    log = tmp_path / "access.log"
    with log.open("w") as out:
        for n in range(30_000):
            out.write(LOG_LINE.format(s=n % 60, ip=f"10.0.{n % 50}.{n % 200}", n=n))
    out_csv = tmp_path / "hits.csv"
    result = initialised(
        "match", str(log), "--as", "match@example.org", "--csv", str(out_csv), "--record-sightings"
    )
    assert result.exit_code == 0, result.output
    # 10.0.0.7: n % 50 == 0 and n % 200 == 7 never both hold; the URL rule hits n = 1, 10-19,
    # 100-199, 1000-1999, 10000-19999.
    with out_csv.open() as hits:
        rows = list(csv.DictReader(hits))
    expected = {1, *range(10, 20), *range(100, 200), *range(1000, 2000), *range(10_000, 20_000)}
    assert {int(r["line"]) - 1 for r in rows} == expected
    assert {r["indicator_name"] for r in rows} == {"bad urls"}
    assert "30,000 lines" in result.output
    assert "11,111 matched" in result.output
    assert "1 sightings recorded" in result.output
    with Session(cli_engine) as db:
        sightings = db.scalars(select(StixObject).where(StixObject.type == "sighting")).all()
        assert len(sightings) == 1
        assert '"count":11111' in sightings[0].body


def test_match_refuses_an_unknown_user(initialised: RunCli, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("10.0.0.1\n")
    result = initialised("match", str(log), "--as", "nobody@example.org")
    assert result.exit_code == 1
    assert "no active user" in result.output


def test_a_log_with_more_than_a_batch_is_sent_to_the_cli() -> None:
    lines = [f"GET from 10.1.{n >> 8 & 255}.{n & 255} and 10.1.0.1" for n in range(MAX_BATCH)]
    assert len(observables_in(lines)) == MAX_BATCH
    with pytest.raises(Invalid, match="aseancyber match FILE"):
        observables_in([*lines, "one more: 10.200.0.1"])


def test_sightings_are_recorded_a_chunk_per_transaction(
    initialised: RunCli, cli_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(cli_engine)
    log = tmp_path / "access.log"
    log.write_text(
        LOG_LINE.format(s=1, ip="10.0.0.7", n=1) + LOG_LINE.format(s=2, ip="10.9.9.9", n=9)
    )
    units: list[str] = []
    opened = unit_of_work

    @contextmanager
    def counted(**options: bool) -> Iterator[Session]:
        with opened(**options) as db:
            yield db
            units.append("committed")

    monkeypatch.setattr(cli_matching, "SIGHTINGS_PER_TRANSACTION", 1)
    monkeypatch.setattr(cli_matching, "unit_of_work", counted)
    result = initialised("match", str(log), "--as", "match@example.org", "--record-sightings")
    assert result.exit_code == 0, result.output
    assert "2 sightings recorded" in result.output
    # The match (a read), its audit entry, then one transaction per sighting.
    assert len(units) == 2 + 2
    with Session(cli_engine) as db:
        assert len(db.scalars(select(StixObject).where(StixObject.type == "sighting")).all()) == 2
