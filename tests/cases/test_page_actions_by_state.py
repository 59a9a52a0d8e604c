"""The case page offers exactly the actions the case's embargo state allows, to coordinators
and to vendors, and marks the slow ones so the page shows progress while they run."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.cases import workflow
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.schemas import EmbargoAction
from aseancyber.db import set_clock
from tests.cases.advisories.test_csaf import populate
from tests.cases.conftest import Scenario, approve_by_both
from tests.factories import actor
from tests.readers import BrowserFor

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)

STEPS: dict[str, list[EmbargoAction]] = {
    "none": [],
    "proposed": [EmbargoAction(action="propose", ends_at=NOW + timedelta(days=20))],
    "active": [
        EmbargoAction(action="propose", ends_at=NOW + timedelta(days=20)),
        EmbargoAction(action="accept"),
    ],
    "revise": [
        EmbargoAction(action="propose", ends_at=NOW + timedelta(days=20)),
        EmbargoAction(action="accept"),
        EmbargoAction(action="revise", ends_at=NOW + timedelta(days=40)),
    ],
    "exited": [
        EmbargoAction(action="propose", ends_at=NOW + timedelta(days=20)),
        EmbargoAction(action="accept"),
        EmbargoAction(action="end", reason="the fix shipped everywhere"),
    ],
}
# What a coordinator may do in each state, and whether the case may be closed.
COORDINATOR = {
    "none": ({"embargo:propose", "close"}),
    "proposed": {"embargo:accept", "embargo:revise", "embargo:reject", "answer", "close"},
    "active": {"embargo:revise", "embargo:end"},
    "revise": {"embargo:accept", "embargo:reject", "embargo:end", "answer"},
    "exited": {"close"},
}
VENDOR = {
    "none": set(),
    "proposed": {"answer"},
    "active": set(),
    "revise": {"answer"},
    "exited": set(),
}


def _offered(html: str, case_id: str) -> set[str]:
    """The embargo, answer and close actions the page offers as forms."""
    offered = set()
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.DOTALL):
        target = re.search(rf'action="/cases/{case_id}/actions/([\w-]+)"', form)
        if target is None:
            continue
        if target.group(1) == "embargo":
            offered |= {f"embargo:{v}" for v in re.findall(r'name="action" value="(\w+)"', form)}
        elif target.group(1) == "embargo-response":
            offered.add("answer")
        elif target.group(1) == "close":
            offered.add("close")
    return offered


def _reach(db: Session, scenario: Scenario, name: str) -> None:
    seconds = iter(range(1000))
    set_clock(lambda: NOW + timedelta(seconds=next(seconds)))
    for step in STEPS[name]:
        workflow.embargo(db, actor=actor(scenario.sg), case_id=scenario.case.id, data=step)
    db.commit()


@pytest.mark.parametrize("name", list(STEPS))
def test_each_state_offers_exactly_its_actions(
    db: Session, scenario: Scenario, browser_for: BrowserFor, name: str
) -> None:
    _reach(db, scenario, name)
    assert scenario.case.embargo_state.value == name
    readers: list[tuple[User, set[str]]] = [
        (scenario.sg, COORDINATOR[name]),
        (scenario.vendor_users[2], VENDOR[name]),
    ]
    for user, expected in readers:
        page = browser_for(user).client.get(f"/cases/{scenario.case.id}")
        assert page.status_code == 200
        assert _offered(page.text, scenario.case.id) == expected, (user.display_name, name)
    api = browser_for(scenario.sg).client.get(f"/api/v1/cases/{scenario.case.id}/embargo")
    offered = {a for a in COORDINATOR[name] if a.startswith("embargo:")}
    assert {f"embargo:{a}" for a in api.json()["your_actions"] if a != "answer"} == offered


def test_slow_actions_show_progress(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    _reach(db, scenario, "active")
    page = browser_for(scenario.sg).client.get(f"/cases/{scenario.case.id}").text
    end_form = next(
        form
        for form in re.findall(r"<form[^>]*>.*?</form>", page, re.DOTALL)
        if 'value="end"' in form
    )
    assert 'data-slow="Ending the embargo' in end_form
    assert '<script src="/static/slow-actions.js" defer></script>' in page
    script = browser_for(scenario.sg).client.get("/static/slow-actions.js")
    assert script.status_code == 200
    assert "form[data-slow]" in script.text


def test_publish_is_offered_only_when_no_embargo_holds_it(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    populate(db, scenario)
    advisory = advisories.draft(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=AdvisoryCreate(publish_tlp=Tlp.CLEAR),
    )
    approve_by_both(db, scenario, advisory.id)
    _reach(db, scenario, "proposed")
    browser = browser_for(scenario.sg)
    page = browser.client.get(f"/cases/{scenario.case.id}").text
    assert f'action="/cases/{scenario.case.id}/actions/publish"' not in page
    assert "Not publishable now: an embargo until" in page
    participants_page = browser.client.get(f"/cases/{scenario.case.id}/participants").text
    assert "not answered" in participants_page  # the silent participants, with when asked
    workflow.embargo(
        db, actor=actor(scenario.sg), case_id=scenario.case.id, data=EmbargoAction(action="reject")
    )
    db.commit()
    page = browser.client.get(f"/cases/{scenario.case.id}").text
    publish_form = next(
        form
        for form in re.findall(r"<form[^>]*>.*?</form>", page, re.DOTALL)
        if f"/cases/{scenario.case.id}/actions/publish" in form
    )
    assert 'data-slow="Validating and publishing' in publish_form
