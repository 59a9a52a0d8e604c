"""Case pages: the dashboard-like detail page, action forms with refusals that say why,
attachments, invitations by e-mail, threads with message audiences, measures."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import storage
from aseancyber.access.models import User
from aseancyber.cases import service, workflow
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import Attachment
from aseancyber.cases.models import EmbargoState, Involvement, Participant
from aseancyber.cases.schemas import EmbargoAction, MessageCreate
from aseancyber.db import set_clock
from aseancyber.notify.models import OutboundEmail
from tests.cases.conftest import Scenario, accept_embargo_everywhere
from tests.factories import actor
from tests.readers import BrowserFor

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def test_detail_shows_the_embargo_in_each_readers_time_zone_with_the_hour(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    set_clock(lambda: NOW)
    ends = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    sg = actor(scenario.sg)
    workflow.embargo(
        db, actor=sg, case_id=scenario.case.id, data=EmbargoAction(action="propose", ends_at=ends)
    )
    accept_embargo_everywhere(db, scenario)
    scenario.vendor_users[0].time_zone = "Asia/Jakarta"
    db.commit()
    page = browser_for(scenario.vendor_users[0]).client.get(f"/cases/{scenario.case.id}")
    assert page.status_code == 200
    assert "01 Dec 2026 08:30 WIB" in page.text  # Jakarta, UTC+7, hour visible
    assert "2026-12-01 01:30 UTC" in page.text
    singapore = browser_for(scenario.sg).client.get(f"/cases/{scenario.case.id}")
    assert "01 Dec 2026 09:30" in singapore.text
    assert "Case Vendor 2" in singapore.text
    assert "Case Grid Operator" in singapore.text


def test_refused_actions_say_why_and_keep_nothing(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    vendor = browser_for(scenario.vendor_users[0])
    url = f"/cases/{scenario.case.id}/actions"
    response = vendor.client.post(
        f"{url}/vendor-event",
        data={
            "csrf_token": vendor.csrf,
            "participant_id": scenario.vendor_seats[0].id,
            "event": "F",
        },
    )
    assert response.status_code == 422
    assert "cannot come before vendor aware (V)" in response.text
    other = vendor.client.post(
        f"{url}/vendor-event",
        data={
            "csrf_token": vendor.csrf,
            "participant_id": scenario.vendor_seats[1].id,
            "event": "V",
        },
    )
    assert other.status_code == 403
    assert "a vendor records only its own status" in other.text
    coordinator = browser_for(scenario.sg)
    never = coordinator.client.post(
        f"{url}/embargo", data={"csrf_token": coordinator.csrf, "action": "end"}
    )
    assert never.status_code == 422
    assert "never active" in never.text
    db.expire_all()
    assert all(p.vendor_aware_at is None for p in scenario.vendor_seats)


def test_embargo_form_reads_the_time_in_the_readers_zone(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    set_clock(lambda: NOW)
    my = browser_for(scenario.my)  # Asia/Kuala_Lumpur, UTC+8
    response = my.client.post(
        f"/cases/{scenario.case.id}/actions/embargo",
        data={"csrf_token": my.csrf, "action": "propose", "ends_at": "2026-12-01T09:00"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    db.expire_all()
    case = service.get_or_404(db, reader=actor(scenario.my), case_id=scenario.case.id)
    assert case.embargo_state is EmbargoState.PROPOSED
    assert case.embargo_proposed_ends_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_attachments_are_stored_by_generated_names_and_served_as_downloads(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    sg = browser_for(scenario.sg)
    response = sg.client.post(
        f"/cases/{scenario.case.id}/actions/message",
        data={"csrf_token": sg.csrf, "body": "Crash log attached", "audience": "all"},
        files={"attachments": ("../../etc/passwd.txt", b"frame 0x41414141", "text/html")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    attachment = db.scalar(select(Attachment).where(Attachment.case_id == scenario.case.id))
    assert attachment is not None
    assert attachment.filename == "passwd.txt"
    assert re.fullmatch(r"[0-9a-f]{40}", attachment.storage_name)
    assert storage.file_store().get(attachment.storage_name) == b"frame 0x41414141"
    vendor = browser_for(scenario.vendor_users[0]).client
    download = vendor.get(f"/cases/{scenario.case.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"] == 'attachment; filename="passwd.txt"'
    assert download.headers["x-content-type-options"] == "nosniff"
    outsider = browser_for(scenario.outsider).client
    assert outsider.get(f"/cases/{scenario.case.id}/attachments/{attachment.id}").status_code == 404
    refused = sg.client.post(
        f"/cases/{scenario.case.id}/actions/message",
        data={"csrf_token": sg.csrf, "body": "x", "audience": "all"},
        files={"attachments": ("tool.exe", b"MZ", "application/octet-stream")},
    )
    assert refused.status_code == 422
    assert "only these file types are accepted" in refused.text


def test_participants_never_see_coordinators_only_messages_on_pages(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    my = actor(scenario.my)
    secret = messages.post(
        db,
        actor=my,
        case_id=scenario.case.id,
        data=MessageCreate(body="quokka coordinators only", audience="coordinators"),
    )
    private = messages.post(
        db,
        actor=my,
        case_id=scenario.case.id,
        data=MessageCreate(
            body="quokka for vendor zero",
            audience="participant",
            audience_participant_id=scenario.vendor_seats[0].id,
        ),
    )
    db.commit()
    thread = f"/cases/{scenario.case.id}/threads/{secret.thread_id}"
    vendor0 = browser_for(scenario.vendor_users[0]).client
    vendor1 = browser_for(scenario.vendor_users[1]).client
    assert "quokka coordinators only" not in vendor0.get(thread).text
    assert "quokka for vendor zero" in vendor0.get(thread).text
    assert "quokka for vendor zero" not in vendor1.get(thread).text
    assert "quokka" not in vendor1.get(f"/cases/{scenario.case.id}").text
    assert "quokka coordinators only" in browser_for(scenario.sg).client.get(thread).text
    assert private.audience_participant_id == scenario.vendor_seats[0].id


def test_inviting_someone_without_an_account(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    sg = browser_for(scenario.sg)
    response = sg.client.post(
        f"/cases/{scenario.case.id}/actions/invite",
        data={
            "csrf_token": sg.csrf,
            "role": "vendor",
            "organisation_id": scenario.outsider_vendor.id,
            "email": "psirt@newvendor.example",
            "display_name": "New Vendor PSIRT",
            "individual": "on",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    user = db.scalar(select(User).where(User.email == "psirt@newvendor.example"))
    assert user is not None
    assert user.password_hash is None  # they choose one through the account invitation
    mails = db.scalars(
        select(OutboundEmail).where(OutboundEmail.to_address == "psirt@newvendor.example")
    ).all()
    subjects = [m.subject for m in mails]
    assert f"[{scenario.case.reference}] You are invited to a coordination case" in subjects
    link = next(m.body for m in mails if "/cases/invitations/" in m.body)
    token = re.search(r"/cases/invitations/(\S+)", link)
    assert token is not None
    # Once signed in, acknowledging the invitation opens the case.
    user.password_hash = scenario.sg.password_hash
    db.commit()
    invited = browser_for(user)
    page = invited.client.post(
        f"/cases/invitations/{token.group(1)}",
        data={"csrf_token": invited.csrf},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    seat = db.scalar(select(Participant).where(Participant.user_id == user.id))
    assert seat is not None
    db.refresh(seat)
    assert seat.involvement is Involvement.OPEN
    again = invited.client.post(
        f"/cases/invitations/{token.group(1)}", data={"csrf_token": invited.csrf}
    )
    assert again.status_code == 422
    assert "already been used" in again.text
    # The outsider vendor's other people still see nothing: only this person was invited.
    assert (
        browser_for(scenario.outsider).client.get(f"/cases/{scenario.case.id}").status_code == 404
    )


def test_list_new_and_measures_pages(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    sg = browser_for(scenario.sg)
    listing = sg.client.get("/cases", params={"sector": "energy"})
    assert scenario.case.title in listing.text
    assert scenario.case.title not in sg.client.get("/cases", params={"sector": "health"}).text
    assert sg.client.get("/cases", params={"sector": "moon"}).status_code == 422
    created = sg.client.post(
        "/cases/new",
        data={
            "csrf_token": sg.csrf,
            "title": "Ransomware at a regional port",
            "kind": "incident",
            "tlp": "TLP:AMBER",
            "sectors": ["transport"],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    empty = sg.client.post(
        "/cases/new", data={"csrf_token": sg.csrf, "title": "", "kind": "x", "tlp": "TLP:AMBER"}
    )
    assert empty.status_code == 422
    measures = sg.client.get("/cases/measures")
    assert measures.status_code == 200
    assert "Open cases by sector" in measures.text
    dashboard = sg.client.get("/")
    assert "Coordination cases" in dashboard.text
    products = sg.client.get(f"/cases/{scenario.case.id}/products")
    assert products.status_code == 200
    assert "Case Vendor 2" in products.text  # every vendor is offered on the products page
    assert sg.client.get(f"/cases/{scenario.case.id}/participants").status_code == 200


def test_embargo_job_reminds_then_ends(db: Session, scenario: Scenario) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    sg = actor(scenario.sg)
    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=NOW + timedelta(days=2)),
    )
    accept_embargo_everywhere(db, scenario)
    assert workflow.has_embargo_work(db) is False
    clock[0] = NOW + timedelta(days=1, hours=1)
    assert workflow.has_embargo_work(db) is True
    workflow.expire_embargoes(db, {})
    assert scenario.case.embargo_reminded_at is not None
    assert workflow.has_embargo_work(db) is False
    clock[0] = NOW + timedelta(days=2)
    workflow.expire_embargoes(db, {})
    assert scenario.case.embargo_state is EmbargoState.EXITED
    subjects = [m.subject for m in db.scalars(select(OutboundEmail))]
    assert any("Embargo ends within 24 hours" in s for s in subjects)
    assert any("Embargo ended: its end time has passed" in s for s in subjects)
