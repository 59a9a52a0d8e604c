"""Routing findings to the responsible member state and CERT: look-ups over REST and the
rules that decide them."""

import iptocc
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import TokenScope
from aseancyber.routing import resolve, service
from aseancyber.routing.models import ConstituencyKind
from tests.factories import actor, bearer
from tests.routing.helpers import BLOCKS, RoutingWorld, thousand_ips


def test_iptocc_knows_the_test_blocks() -> None:
    # The blocks' countries are facts of the RIR data iptocc ships; if they ever move, the
    # routing tests below would be wrong for a reason that is not ours, so say it here first.
    addresses = [f"{block}.{host}" for block in BLOCKS for host in (1, 125)]
    expected = [country for country, _ in BLOCKS.values() for _ in (1, 125)]
    assert iptocc.country_code(addresses) == expected


def test_each_rule_decides_and_is_named(db: Session, routing_world: RoutingWorld) -> None:
    w = routing_world
    lookup = service.look_up(
        db,
        values=[
            "203.116.0.9",  # SG by country -> national CERT
            "175.139.0.9",  # AS64512 in the registry beats MY
            "49.144.0.9",  # PH by country, registry country entry beats the directory
            "8.8.8.8",  # US: not a member state
            "10.0.0.1",  # private: no country
            "www.example.gov.sg",  # ccTLD of a member state
            "mail.example.com",  # generic TLD, no registry entry
            "AS64512",  # an AS the registry names
            "2001:d08::1",  # IPv6, MY, AS4788
            "  ",
        ][:-1],
    )
    got = {
        row.value: (row.rule, row.organisation.id if row.organisation else None, row.state_iso2)
        for row in lookup.rows
    }
    assert got == {
        "203.116.0.9": (resolve.RULE_NATIONAL_CERT, w.certs["SG"].id, "SG"),
        "175.139.0.9": (resolve.RULE_REGISTRY_ASN, w.sector_cert.id, "MY"),
        "49.144.0.9": (resolve.RULE_REGISTRY_COUNTRY, w.ph_operations.id, "PH"),
        "8.8.8.8": (resolve.RULE_NON_MEMBER, None, None),
        "10.0.0.1": (resolve.RULE_UNKNOWN, None, None),
        "www.example.gov.sg": (resolve.RULE_CCTLD, w.certs["SG"].id, "SG"),
        "mail.example.com": (resolve.RULE_UNKNOWN, None, None),
        "AS64512": (resolve.RULE_REGISTRY_ASN, w.sector_cert.id, "MY"),
        "2001:d08::1": (resolve.RULE_NATIONAL_CERT, w.certs["MY"].id, "MY"),
    }
    by_value = {row.value: row for row in lookup.rows}
    assert by_value["8.8.8.8"].country == "US"
    assert by_value["8.8.8.8"].asn == 15169
    assert by_value["49.144.0.9"].asn == 9299  # first origin of 9299_9300
    assert by_value["10.0.0.1"].asn is None


def test_longest_domain_suffix_wins(db: Session, routing_world: RoutingWorld) -> None:
    w = routing_world
    for key, org in (("gov.my", w.sector_cert), ("my", w.certs["SG"])):
        service.create_entry(
            db,
            actor=actor(w.regional),
            kind=ConstituencyKind.DOMAIN,
            key=key,
            organisation_id=org.id,
        )
    rows = service.look_up(db, values=["a.b.gov.my", "shop.com.my", "x.gov.mx"]).rows
    assert [(r.rule, r.organisation.id if r.organisation else None) for r in rows] == [
        (resolve.RULE_REGISTRY_DOMAIN, w.sector_cert.id),
        (resolve.RULE_REGISTRY_DOMAIN, w.certs["SG"].id),
        (resolve.RULE_UNKNOWN, None),
    ]


def test_member_state_without_a_cert_is_listed(db: Session, routing_world: RoutingWorld) -> None:
    row = service.look_up(db, values=["portal.gov.tl"]).rows[0]
    assert (row.state_iso2, row.organisation, row.rule) == ("TL", None, resolve.RULE_CCTLD)


def test_rest_lookup_of_a_thousand_ips(
    client: TestClient, db: Session, routing_world: RoutingWorld
) -> None:
    headers = bearer(db, routing_world.contributor)
    response = client.post("/api/v1/routing", json={"findings": thousand_ips()}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["findings"]) == 1000
    assert body["table_generation"] == 1
    first = body["findings"][0]
    assert first == {
        "value": "203.116.0.1",
        "kind": "ipv4",
        "country": "SG",
        "asn": 3758,
        "as_name": "",
        "responsible_state": "SG",
        "responsible_state_name": "Member SG",
        "organisation_id": routing_world.certs["SG"].id,
        "organisation_name": "National CERT SG",
        "rule": "directory:national-cert",
    }
    non_member = [f for f in body["findings"] if f["rule"] == "non-member"]
    assert len(non_member) == 125
    assert {f["country"] for f in non_member} == {"US"}


def test_a_read_only_token_may_look_up_but_not_notify(
    client: TestClient, db: Session, routing_world: RoutingWorld
) -> None:
    headers = bearer(db, routing_world.contributor, TokenScope.READ)
    asked = client.post("/api/v1/routing", json={"findings": ["203.116.0.1"]}, headers=headers)
    assert asked.status_code == 200, asked.text
    notify = client.post(
        "/api/v1/routing/notify", json={"findings": ["203.116.0.1"]}, headers=headers
    )
    assert notify.status_code == 403


def test_bad_input_is_a_clear_422(
    client: TestClient, db: Session, routing_world: RoutingWorld
) -> None:
    headers = bearer(db, routing_world.contributor)

    def post(body: object) -> dict[str, object]:
        response = client.post("/api/v1/routing", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return dict(response.json())

    assert "findings[1]" in str(post({"findings": ["1.2.3.4", "not a host!", "AS1"]})["detail"])
    assert "at least 1" in str(post({"findings": []})["detail"])
    assert "at most 10000" in str(post({"findings": ["1.1.1.1"] * 10_001})["detail"])
    assert "findings" in str(post({"findings": "1.1.1.1"})["detail"])
    assert "extra" in str(post({"findings": ["1.1.1.1"], "surprise": 1})["detail"]).lower()
    assert "findings" in str(post({"findings": ["x" * 301]})["detail"])
    response = client.post(
        "/api/v1/routing",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
    many = [f"bad {n}" for n in range(50)]
    detail = str(post({"findings": many})["detail"])
    assert "findings[19]" in detail
    assert "findings[20]" not in detail


def test_anonymous_cannot_look_up(client: TestClient) -> None:
    response = client.post("/api/v1/routing", json={"findings": ["1.1.1.1"]})
    assert response.status_code == 401
