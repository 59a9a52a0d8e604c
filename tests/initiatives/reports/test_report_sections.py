"""The ministers' report on a node that has every capability: the sections on requests,
cases and sharing are wired on the demo data (all states), and each figure counts only
what the report's reader may see."""

from datetime import timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import visible_to
from aseancyber.access.service import actor_for
from aseancyber.cases.models import Case
from aseancyber.db import utcnow
from aseancyber.demo import load_demo
from aseancyber.initiatives.reports import service as report
from aseancyber.manifests import REPORT_SOURCES
from aseancyber.reference import load_reference
from aseancyber.reporting import (
    NONE_VISIBLE,
    months,
    period_bounds,
    visible_count,
)
from aseancyber.requests.models import CrossBorderRequest
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.objects_service import visible_in


def _user(db: Session, email: str) -> User:
    found = db.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def count(db: Session, statement: Select[tuple[int]]) -> int:
    return db.scalar(statement) or 0


def _figures(built: report.Report) -> dict[str, dict[str, str]]:
    return {o.domain: dict(o.section.rows) for o in built.other if o.section is not None}


def test_the_report_shows_every_section_on_a_node_with_every_capability(db: Session) -> None:
    load_reference(db)
    load_demo(db)
    end = utcnow().date()
    start = end - timedelta(days=365)
    # A national CERT's analyst: a party to requests and cases, a member of the feeds.
    reader = actor_for(_user(db, "analyst.sg@example.org"))
    built = report.build(db, reader=reader, start=start, end=end, sources=REPORT_SOURCES)
    html = report.render_html(built)

    assert "Not yet available on this node" not in html
    assert [o.domain for o in built.other if o.section is None] == []
    for title in (
        "Cross-border requests for assistance",
        "Cross-border vulnerability and incident coordination",
        "Threat-information sharing volume",
    ):
        assert title in html
    figures = _figures(built)
    first, last = period_bounds(start, end)
    sent = count(
        db,
        select(func.count(CrossBorderRequest.id)).where(
            visible_to(reader, CrossBorderRequest),
            CrossBorderRequest.sent_at >= first,
            CrossBorderRequest.sent_at <= last,
        ),
    )
    assert sent > 0
    assert figures["requests"]["Requests sent in the period"] == str(sent)
    cases = count(
        db,
        select(func.count(Case.id)).where(visible_to(reader, Case), Case.created_at >= first),
    )
    assert cases > 0
    assert figures["cases"]["Cases opened in the period"] == str(cases)
    shared = count(
        db,
        select(func.count(func.distinct(StixObject.stix_id))).where(
            visible_in(reader),
            StixObject.type != "marking-definition",
            StixObject.date_added >= first,
        ),
    )
    assert shared > 0
    assert figures["sharing"]["Objects shared in the period"] == str(shared)
    by_month = sum(
        int(figures["sharing"].get(f"Shared in {label}", 0)) for label, _, _ in months(start, end)
    )
    assert by_month >= shared  # an object updated in two months counts in each


def test_each_reader_sees_figures_of_only_what_they_may_see(db: Session) -> None:
    load_reference(db)
    load_demo(db)
    end = utcnow().date()
    start = end - timedelta(days=365)
    readers = [
        actor_for(user)
        for user in db.scalars(select(User).where(User.is_active.is_(True)).order_by(User.email))
    ]
    first, last = period_bounds(start, end)
    totals: set[str] = set()
    for reader in readers:
        figures = _figures(
            report.build(db, reader=reader, start=start, end=end, sources=REPORT_SOURCES)
        )
        requests = db.scalar(
            select(func.count(CrossBorderRequest.id)).where(
                visible_to(reader, CrossBorderRequest),
                CrossBorderRequest.sent_at >= first,
                CrossBorderRequest.sent_at <= last,
            )
        )
        assert figures["requests"]["Requests sent in the period"] == visible_count(requests or 0)
        cases = db.scalar(
            select(func.count(Case.id)).where(
                visible_to(reader, Case), Case.created_at >= first, Case.created_at <= last
            )
        )
        assert figures["cases"]["Cases opened in the period"] == visible_count(cases or 0)
        totals.add(figures["requests"]["Requests sent in the period"])
    assert len(totals) > 1  # readers of different organisations see different figures
    assert NONE_VISIBLE in totals  # the Secretariat is no party to AMBER+STRICT requests


def test_every_section_a_manifest_declares_has_its_place_in_the_report() -> None:
    # A domain's section that the report does not declare would be computed by no one and
    # silently left out; one declared twice would be shown twice.
    declared = [expected.domain for expected in report.OTHER_SECTIONS]
    assert len(declared) == len(set(declared))
    assert sorted(source.domain for source in REPORT_SOURCES) == sorted(declared)
