"""'Notify the responsible CERTs': 1,000 IPs become STIX bundles in the right CERTs'
collections and notifications to their people, labels preserved, nothing silently dropped."""

from collections import Counter

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance

from aseancyber.access.policy import Tlp, visible_to
from aseancyber.audit.models import AuditEntry
from aseancyber.notify.models import Notification, OutboundEmail
from aseancyber.routing import delivery, service
from aseancyber.routing.models import RoutingInbox
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.objects_service import visible_in
from tests.factories import actor, bearer
from tests.routing.helpers import RoutingWorld, thousand_ips

EXPECTED = {  # receiving organisation key -> findings (125 per block)
    "SG": 125,
    "MY": 125,
    "MY-sector": 125,  # 175.139.0.0/24: AS64512 in the registry
    "TH": 125,
    "ID": 125,
    "PH-operations": 125,  # PH: the registry's country entry
    "VN": 125,
}


def _receivers(w: RoutingWorld) -> dict[str, str]:
    ids = {key: org.id for key, org in w.certs.items()}
    return {**ids, "MY-sector": w.sector_cert.id, "PH-operations": w.ph_operations.id}


def test_a_thousand_ips_become_notifications_to_the_right_certs(
    client: TestClient, db: Session, routing_world: RoutingWorld
) -> None:
    w = routing_world
    w.certs["TH"].email = "incident@thaicert.example"
    db.flush()
    ips = thousand_ips()
    # Every tenth finding came to the sender as TLP:RED; the batch is TLP:AMBER.
    finding_tlps = ["TLP:RED" if n % 10 == 0 else None for n in range(len(ips))]
    response = client.post(
        "/api/v1/routing/notify",
        json={"findings": ips, "tlp": "TLP:AMBER", "finding_tlps": finding_tlps},
        headers=bearer(db, w.sender),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    receivers = _receivers(w)
    by_org = {item["organisation_id"]: item for item in body["delivered"]}
    assert {
        key: by_org[org_id]["findings"] for key, org_id in receivers.items() if org_id in by_org
    } == EXPECTED
    assert sum(item["findings"] for item in body["delivered"]) == 875
    # The 125 findings in the United States are listed, not dropped.
    assert len(body["undelivered"]) == 125
    assert {row["rule"] for row in body["undelivered"]} == {"non-member"}
    assert {row["country"] for row in body["undelivered"]} == {"US"}

    for key, org_id in receivers.items():
        if key not in EXPECTED:
            assert org_id not in by_org
            continue
        reader = actor(w.cert_users[key])
        inbox = db.get(RoutingInbox, org_id)
        assert inbox is not None
        assert by_org[org_id]["collection_id"] == inbox.collection_id
        seen = db.scalars(
            select(StixObject).where(
                visible_in(reader),
                StixObject.collection_id == inbox.collection_id,
                StixObject.type == "observed-data",
            )
        ).all()
        assert len(seen) == EXPECTED[key]
        # Each receiving CERT's people are told, in the inbox.
        notes = db.scalars(
            select(Notification).where(Notification.user_id == w.cert_users[key].id)
        ).all()
        assert len(notes) == 1
        assert f"{EXPECTED[key]} findings" in notes[0].title
        assert notes[0].link == f"/sharing/objects?collection={inbox.collection_id}"

    # Nobody else reads a CERT's routed findings through the collection: not the other
    # CERTs, not the sender's organisation (which owns them but cannot read that collection).
    my_inbox = db.get(RoutingInbox, w.certs["MY"].id)
    assert my_inbox is not None
    for outsider in (w.cert_users["SG"], w.cert_users["TH"]):
        assert not db.scalar(
            select(func.count())
            .select_from(StixObject)
            .where(
                visible_in(actor(outsider)),
                StixObject.collection_id == my_inbox.collection_id,
                StixObject.type == "observed-data",
            )
        )
    assert (
        db.scalar(
            select(func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.to_address == "incident@thaicert.example")
        )
        == 1
    )
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "routing.notify")).all()
    assert len(audits) == len(EXPECTED)
    assert {entry.actor_user_id for entry in audits} == {w.sender.id}


def test_labels_are_preserved_never_looser(db: Session, routing_world: RoutingWorld) -> None:
    w = routing_world
    summary = delivery.notify_certs(
        db,
        actor=actor(w.sender),
        values=["203.116.0.1", "203.116.0.2", "203.116.0.3", "203.116.0.4"],
        tlp=Tlp.AMBER,
        finding_tlps=[None, Tlp.RED, Tlp.CLEAR, Tlp.AMBER_STRICT],  # CLEAR is looser: ignored
    )
    assert [d.findings for d in summary.delivered] == [4]
    inbox = db.get(RoutingInbox, w.certs["SG"].id)
    assert inbox is not None
    stored = db.scalars(
        select(StixObject).where(
            StixObject.collection_id == inbox.collection_id, StixObject.type != "marking-definition"
        )
    ).all()
    observed = {}
    for row in stored:
        body = orjson.loads(row.body)
        # The label column, the object's own marking and the sender's label all agree.
        assert stix.label_of(body) is row.tlp
        if row.type == "observed-data":
            observed[body["object_refs"][0]] = row.tlp
        assert row.tlp.rank >= Tlp.AMBER.rank
    values = {
        row.stix_id: orjson.loads(row.body).get("value")
        for row in stored
        if row.type == "ipv4-addr"
    }
    assert {values[ref]: label for ref, label in observed.items()} == {
        "203.116.0.1": Tlp.AMBER,
        "203.116.0.2": Tlp.RED,
        "203.116.0.3": Tlp.AMBER,
        "203.116.0.4": Tlp.AMBER_STRICT,
    }
    # TLP:RED reaches the receiving CERT (named in the audience), and not a colleague
    # organisation of the same state.
    red = [r for r in stored if r.tlp is Tlp.RED and r.type == "observed-data"]
    assert (
        db.scalar(
            select(func.count())
            .select_from(StixObject)
            .where(StixObject.id == red[0].id, visible_to(actor(w.cert_users["SG"]), StixObject))
        )
        == 1
    )
    assert not db.scalar(
        select(func.count())
        .select_from(StixObject)
        .where(StixObject.id == red[0].id, visible_to(actor(w.cert_users["MY"]), StixObject))
    )


def test_bundle_is_valid_stix(db: Session, routing_world: RoutingWorld) -> None:
    rows = service.look_up(db, values=["175.138.0.7", "www.example.gov.my", "AS4788"]).rows
    objects = delivery.bundle_objects(
        [(row, Tlp.GREEN) for row in rows], sender_organisation_id=routing_world.certs["SG"].id
    )
    bundle = {
        "type": "bundle",
        "id": "bundle--6b7e2c1d-9d1c-4d8e-9e57-3f1f2c8a0b11",
        "objects": objects,
    }
    for obj in objects:
        assert stix.check_object(obj) is None
    results = validate_instance(bundle, ValidationOptions(strict=False))
    assert results.is_valid, [str(e) for e in results.errors]
    kinds = Counter(obj["type"] for obj in objects)
    assert kinds == {"observed-data": 3, "ipv4-addr": 1, "domain-name": 1, "autonomous-system": 1}
    # The AS SCO is shared: the address's AS and the AS finding are the same object.
    assert delivery.sco_id("autonomous-system", {"number": 4788}) in {o["id"] for o in objects}


def test_second_delivery_reuses_the_inbox(db: Session, routing_world: RoutingWorld) -> None:
    w = routing_world
    for _ in range(2):
        delivery.notify_certs(db, actor=actor(w.sender), values=["14.160.0.1"], tlp=Tlp.GREEN)
    assert db.scalar(select(func.count()).select_from(RoutingInbox)) == 1


def test_only_roles_allowed_to_notify_may(
    client: TestClient, db: Session, routing_world: RoutingWorld
) -> None:
    w = routing_world
    body = {"findings": ["203.116.0.1"], "tlp": "TLP:GREEN"}
    assert client.post("/api/v1/routing/notify", json=body).status_code == 401
    for user in (w.contributor, w.cert_users["MY"]):  # contributor, viewer
        response = client.post("/api/v1/routing/notify", json=body, headers=bearer(db, user))
        assert response.status_code == 403
        assert "routing:notify" in response.json()["detail"]
    assert db.scalar(select(func.count()).select_from(RoutingInbox)) == 0
    ok = client.post("/api/v1/routing/notify", json=body, headers=bearer(db, w.regional))
    assert ok.status_code == 200


def test_notify_bad_input(client: TestClient, db: Session, routing_world: RoutingWorld) -> None:
    headers = bearer(db, routing_world.sender)
    cases = [
        {"findings": ["203.116.0.1"], "tlp": "TLP:WHITE"},
        {"findings": ["203.116.0.1", "1.1.1.1"], "finding_tlps": ["TLP:RED"]},
        {"findings": ["203.116.0.1", "no such thing"]},
    ]
    for body in cases:
        response = client.post("/api/v1/routing/notify", json=body, headers=headers)
        assert response.status_code == 422, response.text
    assert db.scalar(select(func.count()).select_from(RoutingInbox)) == 0
