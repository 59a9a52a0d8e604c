"""Dashboard panels of the contacts and requests domains: each shows the reader's own
organisation's work, and only records the reader may see."""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.contacts import checks_service
from aseancyber.contacts.schemas import CheckLaunch
from aseancyber.db import utcnow
from tests.contacts.helpers import add_contact
from tests.factories import actor
from tests.matrix import MATRIX
from tests.readers import BrowserFor, World


def test_requests_awaiting_the_organisation_are_on_its_dashboard(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    MATRIX["request"].make(db, world, Tlp.AMBER_STRICT, False, "panelstrict")
    MATRIX["request"].make(db, world, Tlp.RED, False, "panelred")
    db.commit()
    recipient = browser_for(world.recipient).client.get("/").text
    assert "Requests awaiting your organisation" in recipient
    assert "Matrix request panelstrict" in recipient
    assert "To acknowledge by" in recipient
    # RED: named recipients only; the receiving organisation is named, so it is shown too.
    assert "2 requests awaiting your organisation in all." in recipient
    # The sender's and an unrelated state's dashboards show no such panel.
    assert (
        "Requests awaiting your organisation" not in browser_for(world.author).client.get("/").text
    )
    assert (
        "Requests awaiting your organisation"
        not in browser_for(world.other_state).client.get("/").text
    )


def test_open_check_tasks_and_stale_contacts_are_on_the_dashboard(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    add_contact(db, world.org_admin, "Duty officer")  # never verified: stale
    add_contact(db, world.org_admin, "Verified desk", verified=utcnow().date())
    add_contact(db, world.org_admin, "Strict desk", tlp=Tlp.AMBER_STRICT, verified=utcnow().date())
    checks_service.launch(
        db, actor=actor(world.coordinator), data=CheckLaunch(title="Ping June", everyone=True)
    )
    db.commit()
    admin = browser_for(world.org_admin).client.get("/").text
    assert "Points of contact: your tasks" in admin
    assert "Ping June" in admin
    # The coordinator may see the two GREEN contacts only, so only they were asked.
    assert "2 of your contacts still to acknowledge" in admin
    assert "1 of your organisation's contact needs verifying" in admin
    assert "verify them" in admin
    # Another state's CERT has no contact in the check and none to verify: no panel.
    assert (
        "Points of contact: your tasks" not in browser_for(world.other_state).client.get("/").text
    )
