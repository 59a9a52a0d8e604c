"""The reference directory: complete, idempotent, and an upsert by natural key."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind
from aseancyber.audit.models import AuditEntry
from aseancyber.community.reference import organisation_by_key, reference_data
from aseancyber.reference import load_reference


def test_loading_twice_changes_nothing_and_edits_are_brought_back(db: Session) -> None:
    first = load_reference(db)
    assert first.created_by_kind["member_state"] == 11
    assert first.created_by_kind["dialogue_partner"] == 11
    entries = db.scalar(select(func.count()).select_from(AuditEntry))

    second = load_reference(db)
    assert (second.created, second.updated) == (0, 0)
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == entries

    brunei = db.scalars(select(MemberState).where(MemberState.iso2 == "BN")).one()
    brunei.time_zone = "UTC"
    db.flush()
    third = load_reference(db)
    assert (third.created, third.updated) == (0, 1)
    assert brunei.time_zone == "Asia/Brunei"


def test_every_state_has_an_agency_a_cert_a_foreign_ministry_and_a_24_7_desk(db: Session) -> None:
    load_reference(db)
    for state in reference_data()["member_states"]:
        kinds = set(
            db.scalars(
                select(Organisation.kind).join(MemberState).where(MemberState.iso2 == state["iso2"])
            )
        )
        assert {
            OrganisationKind.NATIONAL_CYBER_AGENCY,
            OrganisationKind.NATIONAL_CERT,
            OrganisationKind.FOREIGN_MINISTRY,
            OrganisationKind.LAW_ENFORCEMENT,
        } <= kinds, state["name"]
    assert organisation_by_key(db, "cert:sg").short_name == "SingCERT"
    assert organisation_by_key(db, "secretariat").is_community


def test_unconfirmed_bodies_are_flagged_as_placeholders() -> None:
    placeholders = {
        item["key"] for item in reference_data()["organisations"] if item.get("placeholder")
    }
    assert placeholders == {"agency:la", "agency:vn", "agency:tl", "cert:tl"}
