"""A 150-vendor case, through the REST API and the case page: one silent or objecting
vendor never blocks the embargo; the coordinators see who has not answered and decide."""

import itertools
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, OrganisationKind, Role, User, UserRole
from aseancyber.cases import service
from aseancyber.cases.models import EmbargoState, Involvement, Participant, ParticipantRole
from aseancyber.db import set_clock
from tests.cases.conftest import Scenario
from tests.readers import BrowserFor, TokenFor, _password_hash

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
VENDORS = 150
WITH_USERS = 100  # the other 50 organisations have no account yet


def _add_vendors(db: Session, scenario: Scenario) -> None:
    """Bulk-create the vendors, their users and their seats in the case (one flush each)."""
    organisations = [
        Organisation(
            name=f"Bulk Vendor {n:03d}", short_name=f"BV{n:03d}", kind=OrganisationKind.VENDOR
        )
        for n in range(VENDORS)
    ]
    db.add_all(organisations)
    db.flush()
    users = []
    for n, organisation in enumerate(organisations[:WITH_USERS]):
        user = User(
            email=f"bulk-vendor-{n}@example.org",
            display_name=f"Bulk Person {n}",
            organisation_id=organisation.id,
            password_hash=_password_hash(),
            time_zone="Asia/Bangkok",
        )
        user.roles = [UserRole(role=Role.CONTRIBUTOR)]
        users.append(user)
    db.add_all(users)
    db.add_all(
        Participant(
            case_id=scenario.case.id,
            organisation_id=organisation.id,
            role=ParticipantRole.VENDOR,
            involvement=Involvement.CONTACT_ATTEMPTED,
        )
        for organisation in organisations
    )
    db.flush()
    service.sync_audience(db, scenario.case)
    db.commit()


def test_a_150_vendor_embargo_is_decided_by_the_coordinators(
    db: Session, scenario: Scenario, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    ticks = itertools.count()  # each reading a millisecond later: decisions keep their order
    set_clock(lambda: NOW + timedelta(milliseconds=next(ticks)))
    _add_vendors(db, scenario)
    case_url = f"/api/v1/cases/{scenario.case.id}"
    sg = scenario.rest(browser_for(scenario.sg).client, token_for, scenario.sg)
    vendor = [
        scenario.rest(browser_for(scenario.sg).client, token_for, user)
        for user in scenario.vendor_users[:2]
    ]
    ends = NOW + timedelta(days=45)
    proposed = sg.post(
        f"{case_url}/embargo", json={"action": "propose", "ends_at": ends.isoformat()}
    )
    assert proposed.status_code == 200, proposed.text
    objection = vendor[0].post(
        f"{case_url}/participants/{scenario.vendor_seats[0].id}/embargo-response",
        json={"response": "rejected", "reason": "our firmware ships in 60 days"},
    )
    assert objection.status_code == 200, objection.text
    accepted = vendor[1].post(
        f"{case_url}/participants/{scenario.vendor_seats[1].id}/embargo-response",
        json={"response": "accepted"},
    )
    assert accepted.status_code == 200, accepted.text

    standing = sg.get(f"{case_url}/embargo").json()
    assert standing["state"] == "proposed"
    assert standing["accepted"] == 2  # the proposer and one vendor
    assert [(o["name"], o["reason"]) for o in standing["objections"]] == [
        ("Case Vendor 0", "our firmware ships in 60 days")
    ]
    assert standing["objections"][0]["answered_by"] == scenario.vendor_users[0].display_name
    # MyCERT, one scenario vendor, the operator and the 100 bulk vendors with users.
    assert len(standing["not_answered"]) == 3 + WITH_USERS
    assert all(w["asked_at"].startswith("2026-11-20T02:00") for w in standing["not_answered"])
    assert len(standing["cannot_answer"]) == VENDORS - WITH_USERS
    assert standing["your_actions"] == ["accept", "revise", "reject", "answer"]

    browser = browser_for(scenario.sg)
    page = browser.client.get(f"/cases/{scenario.case.id}")
    assert page.status_code == 200
    answers = re.sub(r"\s+", " ", page.text)
    assert f"not answered {3 + WITH_USERS}" in answers
    assert f"cannot answer (no users) {VENDORS - WITH_USERS}" in answers
    assert "our firmware ships in 60 days" in answers
    assert "Bulk Vendor 007: not answered, asked" in answers
    assert "Activate anyway" in answers

    url = f"/cases/{scenario.case.id}/actions/embargo"
    refused = browser.client.post(url, data={"csrf_token": browser.csrf, "action": "accept"})
    assert refused.status_code == 422
    assert "give the reason" in refused.text
    done = browser.client.post(
        url,
        data={
            "csrf_token": browser.csrf,
            "action": "accept",
            "reason": "146 vendors are silent; the CI operators need the 45 days",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = sg.get(f"{case_url}/embargo").json()
    assert after["state"] == EmbargoState.ACTIVE.value
    assert after["ends_at"].startswith("2027-01-04T02:00")
    decision = after["decisions"][0]
    assert (decision["action"], decision["objections"], decision["not_answered"]) == (
        "accept",
        1,
        3 + WITH_USERS,
    )
    assert decision["decided_by"] == scenario.sg.display_name
    early = vendor[0].post(f"{case_url}/embargo", json={"action": "end", "reason": "shipped"})
    assert early.status_code == 403
