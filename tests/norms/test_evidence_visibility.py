"""Evidence from practice counts only what the reader may see, matrix style: one record at
every label, for every reader, and each figure equals the number of records that reader
may see (so no figure, nor the difference between two, reveals a hidden record)."""

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from aseancyber.contacts import service as contacts
from aseancyber.contacts.models import CheckTarget, ContactCheck, ContactKind
from aseancyber.db import utcnow
from aseancyber.norms.evidence import evidence_for
from aseancyber.requests import workflow
from tests.factories import actor
from tests.matrix import EXPECTED, LABELS, MATRIX
from tests.readers import World


def _checked_contacts(db: Session, world: World) -> None:
    """A contact at every label, each asked in one check and answered after ten minutes."""
    now = utcnow()
    check = ContactCheck(
        title="Matrix check",
        organisation_id=world.secretariat.id,
        launched_at=now,
        remind_at=now,
        escalate_at=now,
        closes_at=now + timedelta(days=1),
    )
    db.add(check)
    db.flush()
    for name, (tlp, external) in LABELS.items():
        contact_id = MATRIX["contact"].make(db, world, tlp, external, f"evidence{name}")
        db.add(
            CheckTarget(
                check_id=check.id,
                contact_id=contact_id,
                member_state_id=world.owner_org.member_state_id,
                kind=ContactKind.TECHNICAL,
                sent_at=now,
                acknowledged_at=now + timedelta(minutes=10),
                response_seconds=600,
            )
        )
    db.flush()


@pytest.mark.parametrize("reader_name", sorted(EXPECTED))
def test_practice_figures_count_exactly_the_visible_records(
    reader_name: str, db: Session, world: World
) -> None:
    for name, (tlp, external) in LABELS.items():
        MATRIX["request"].make(db, world, tlp, external, f"evidence{name}")
    _checked_contacts(db, world)
    reader = None if reader_name == "anonymous" else actor(getattr(world, reader_name))
    visible = len(EXPECTED[reader_name])
    receiving_state = world.recipient_org.member_state_id or ""
    owner_state = world.owner_org.member_state_id or ""

    requests = workflow.evidence_for_state(db, reader=reader, member_state_id=receiving_state)
    assert requests["requests_received"] == visible
    reach = contacts.evidence_for_state(db, reader=reader, member_state_id=owner_state)
    assert (reach["contacts"], reach["checks_asked"], reach["checks_answered"]) == (
        visible,
        visible,
        visible,
    )

    # What the norms page shows: the same figures, and only to community readers.
    shown = {
        (item.source, item.title): item.value
        for item in evidence_for(db, reader=reader, member_state_id=receiving_state)
    }
    if reader is not None and reader.is_community:
        assert shown[("Cross-border requests", "Requests received")] == str(visible)
    else:
        assert ("Cross-border requests", "Requests received") not in shown
    checks = {
        (item.source, item.title): item.value
        for item in evidence_for(db, reader=reader, member_state_id=owner_state)
    }
    if reader is not None and reader.is_community:
        assert checks[("Communication checks", "Checks asked")] == str(visible)
