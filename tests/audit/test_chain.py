from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.audit.models import AuditEntry


def _make_changes(db: Session) -> None:
    org = Organisation(name="Audit Test Org", short_name="ATO", kind=OrganisationKind.VENDOR)
    db.add(org)
    db.flush()
    org.website = "https://example.org"
    db.flush()
    audit.record(db, action="test.event", record_kind="test", record_id="1")
    db.delete(org)
    db.flush()
    db.commit()


def test_every_orm_change_is_appended_and_the_chain_verifies(db: Session) -> None:
    _make_changes(db)
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-4:] == [
        "organisation.create",
        "organisation.update",
        "test.event",
        "organisation.delete",
    ]
    update_entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "organisation.update")
    ).one()
    assert update_entry.changed_fields == ["website"]
    assert update_entry.before_digest != update_entry.after_digest
    assert audit.verify(db).ok


def test_verify_names_an_altered_entry(db: Session) -> None:
    _make_changes(db)
    target = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq).offset(1).limit(1)).one()
    db.execute(update(AuditEntry).where(AuditEntry.seq == target).values(action="forged"))
    result = audit.verify(db)
    assert not result.ok
    assert result.first_bad_seq == target
    assert "altered" in result.problem


def test_verify_names_a_removed_entry(db: Session) -> None:
    _make_changes(db)
    target = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq).offset(1).limit(1)).one()
    db.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": target})
    result = audit.verify(db)
    assert not result.ok
    assert result.first_bad_seq == target
    assert "removed" in result.problem


def test_verify_names_reordered_entries(db: Session) -> None:
    _make_changes(db)
    first, second = db.scalars(select(AuditEntry).order_by(AuditEntry.seq).limit(2)).all()
    # Swap the two entries' contents but keep their own hashes consistent with the new order
    # is impossible without recomputing; a naive swap of the hashes is caught as reordering.
    first_hash, second_hash = first.hash, second.hash
    db.execute(update(AuditEntry).where(AuditEntry.seq == first.seq).values(hash="x" * 64))
    db.execute(update(AuditEntry).where(AuditEntry.seq == second.seq).values(hash=first_hash))
    db.execute(update(AuditEntry).where(AuditEntry.seq == first.seq).values(hash=second_hash))
    result = audit.verify(db)
    assert not result.ok
    assert result.first_bad_seq == first.seq
