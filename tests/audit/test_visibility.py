"""The audit trail lists entries about a record only to readers who may see that record.

Every shareable model x every label x the two readers who may read the trail (the owner
organisation's admin, a platform admin), over REST and the page: roles never widen.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import RecordAudience
from aseancyber.audit.models import AuditEntry
from aseancyber.community.documents import Document
from tests.factories import actor
from tests.matrix import EXPECTED, LABELS, MATRIX
from tests.readers import BrowserFor, TokenFor, World

AUDIT_READERS = ("org_admin", "platform_admin")


def _trail(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "500", **params} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/audit", headers=headers, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.parametrize("kind", sorted(MATRIX))
def test_entries_about_a_record_follow_the_records_visibility(  # noqa: PLR0917 - fixtures
    kind: str,
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    ids = {
        name: MATRIX[kind].make(db, world, tlp, external, f"audit{index}q")
        for index, (name, (tlp, external)) in enumerate(LABELS.items())
    }
    for record_id in ids.values():  # an explicit event about each, under the policy's kind
        audit.record(
            db,
            action="test.viewed",
            record_kind=kind,
            record_id=record_id,
            record_organisation_id=world.owner_org.id,
            actor=actor(world.author),
        )
    db.commit()
    # Row-change entries (under the table's name) exist too, except for STIX objects, which
    # bulk ingest stores without them (their upload is audited as a TAXII status).
    row_entries = set(
        db.scalars(select(AuditEntry.record_id).where(AuditEntry.action != "test.viewed"))
    )
    assert (kind == "stix_object") or set(ids.values()) <= row_entries
    for reader_name in AUDIT_READERS:
        reader = getattr(world, reader_name)
        entries = _trail(client, token_for(reader))
        for action in ("test.viewed", None):
            about = {e["record_id"] for e in entries if action in (None, e["action"])}
            seen = {name for name, record_id in ids.items() if record_id in about}
            assert seen == EXPECTED[reader_name], (reader_name, action)
        page = browser_for(reader).client.get("/audit").text
        for name, record_id in ids.items():
            assert (record_id in page) is (name in EXPECTED[reader_name]), (reader_name, name)


def test_entries_about_a_records_parts_and_audience_follow_the_record(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    red = MATRIX["case"].make(db, world, *LABELS["red"], "auditredq")
    clear = MATRIX["case"].make(db, world, *LABELS["clear"], "auditclearq")
    db.commit()
    audience_rows = {
        str(row_id): record_id
        for row_id, record_id in db.execute(
            select(RecordAudience.id, RecordAudience.record_id).where(
                RecordAudience.record_id.in_([red, clear])
            )
        ).tuples()
    }
    entries = _trail(client, token_for(world.platform_admin), record_kind="record_audience")
    listed = {audience_rows.get(entry["record_id"]) for entry in entries}
    assert clear in listed
    assert red not in listed
    # Rows of the hidden case itself (its participants, threads ...) are hidden with it.
    children = [
        entry
        for entry in _trail(client, token_for(world.platform_admin))
        if entry["record_kind"].startswith("case_")
        and entry["record_organisation_id"] == world.owner_org.id
    ]
    recorded = db.scalars(
        select(AuditEntry.record_id).where(AuditEntry.record_kind.startswith("case_"))
    ).all()
    assert recorded  # the cases did make entries about their parts
    assert len(children) < len(recorded)


def test_entries_about_a_deleted_record_or_an_unknown_one_are_hidden(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    kept = MATRIX["document"].make(db, world, *LABELS["clear"], "auditkeptq")
    gone = MATRIX["document"].make(db, world, *LABELS["clear"], "auditgoneq")
    db.commit()
    headers = token_for(world.org_admin)
    assert {kept, gone} <= {e["record_id"] for e in _trail(client, headers)}
    document = db.get(Document, gone)
    assert document is not None
    db.delete(document)
    audit.record(
        db,
        action="test.about_nothing",
        record_kind="document",
        record_id="not-a-document",
        record_organisation_id=world.owner_org.id,
    )
    audit.record(
        db,
        action="test.export",
        record_kind="document",
        record_id="*",
        record_organisation_id=world.owner_org.id,
    )
    db.commit()
    after = _trail(client, headers)
    record_ids = {entry["record_id"] for entry in after}
    assert kept in record_ids
    assert gone not in record_ids  # the delete entry included: the record is gone, hidden
    assert "not-a-document" not in record_ids
    assert "test.export" in {entry["action"] for entry in after}  # about a set, by role


def test_an_entry_whose_id_is_not_a_number_about_a_numbered_row_is_hidden_not_an_error(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    # Named audiences and initiative tags have whole-number keys; the entry's text id is
    # turned into a number only when it is one, so odd ids neither fail nor match a row.
    clear = MATRIX["case"].make(db, world, *LABELS["clear"], "auditoddidq")
    db.commit()
    row_id = db.scalar(select(RecordAudience.id).where(RecordAudience.record_id == clear))
    assert row_id is not None
    for odd in ("*", "not-a-number", f"{row_id}abc", "9" * 30, f" {row_id}"):
        audit.record(
            db,
            action="test.odd_id",
            record_kind="record_audience",
            record_id=odd,
            record_organisation_id=world.owner_org.id,
        )
    db.commit()
    entries = _trail(client, token_for(world.platform_admin), record_kind="record_audience")
    listed = {entry["record_id"] for entry in entries if entry["action"] == "test.odd_id"}
    assert listed == {"*"}  # about a set: by role; the others name no row anyone may see
    assert str(row_id) in {entry["record_id"] for entry in entries}
