"""Two aseancyber nodes as separate server processes on loopback, syncing both ways.

Node A is Singapore's, node B Malaysia's. Each knows the other's CERT as an organisation,
gives it an account and a token, and pairs its regional collection with the other's.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.federation.nodes import Node, wait_until

pytestmark = pytest.mark.slow


@dataclass
class Pair:
    a: Node
    b: Node
    a_admin: str  # tokens
    b_admin: str
    a_collection: str
    b_collection: str
    a_singcert: str  # organisation ids
    b_mycert: str


def _indicator(n: int, label: str, namespace: str) -> dict[str, Any]:
    when = "2026-10-01T00:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{namespace}/{n}')}",
        "created": when,
        "modified": when,
        "name": f"{namespace} indicator {n}",
        "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": when,
        "object_marking_refs": [
            {
                "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
                "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            }[label]
        ],
    }


def _setup_node(node: Node, *, own: str, own_admin: str, other: str, other_account: str) -> str:
    node.cli("init")
    node.user(own_admin, own, "organisation_admin", "coordinator")
    node.user(other_account, other, "contributor")
    return node.token(own_admin)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("nodes")
    a, b = Node(root / "a", "a"), Node(root / "b", "b")
    a_admin = _setup_node(
        a,
        own="SingCERT",
        own_admin="admin@singcert.example",
        other="MyCERT",
        other_account="node@mycert.example",
    )
    b_admin = _setup_node(
        b,
        own="MyCERT",
        own_admin="admin@mycert.example",
        other="SingCERT",
        other_account="node@singcert.example",
    )
    a_for_b = a.token("node@mycert.example")  # B's account on A
    b_for_a = b.token("node@singcert.example")  # A's account on B
    a.start()
    b.start()
    try:
        regional = {"title": "ASEAN regional", "kind": "regional", "default_tlp": "TLP:GREEN"}
        a_collection = a.rest(a_admin, "POST", "/api/v1/sharing/collections", regional)["id"]
        b_collection = b.rest(b_admin, "POST", "/api/v1/sharing/collections", regional)["id"]
        probe = a.rest(
            a_admin,
            "POST",
            "/api/v1/sharing/indicators",
            {
                "collection_id": a_collection,
                "observable_type": "domain-name",
                "share_anyway": True,  # documentation values: on a warninglist
                "value": "green.singcert.example",
                "tlp": "TLP:GREEN",
            },
        )
        b_probe = b.rest(
            b_admin,
            "POST",
            "/api/v1/sharing/indicators",
            {
                "collection_id": b_collection,
                "observable_type": "domain-name",
                "share_anyway": True,  # documentation values: on a warninglist
                "value": "green.mycert.example",
                "tlp": "TLP:GREEN",
            },
        )
        a_singcert, b_mycert = probe["owner_organisation_id"], b_probe["owner_organisation_id"]
        a.cli(
            "peer",
            "add",
            "node-b",
            "--url",
            b.api_root,
            "--org",
            "MyCERT",
            "--as",
            "admin@singcert.example",
            env={"ASEANCYBER_PEER_SECRET": b_for_a},
        )
        a.cli(
            "peer",
            "map",
            "node-b",
            "--remote",
            b_collection,
            "--local",
            a_collection,
            "--push",
            "--as",
            "admin@singcert.example",
        )
        b.cli(
            "peer",
            "add",
            "node-a",
            "--url",
            a.api_root,
            "--org",
            "SingCERT",
            "--as",
            "admin@mycert.example",
            env={"ASEANCYBER_PEER_SECRET": a_for_b},
        )
        b.cli(
            "peer",
            "map",
            "node-a",
            "--remote",
            a_collection,
            "--local",
            b_collection,
            "--push",
            "--as",
            "admin@mycert.example",
        )
        yield Pair(a, b, a_admin, b_admin, a_collection, b_collection, a_singcert, b_mycert)
    finally:
        a.stop()
        b.stop()


def _stix_ids(node: Node, collection: str) -> list[str]:
    return [
        row[0]
        for row in node.query(
            "SELECT stix_id FROM stix_object WHERE collection_id = ? AND type = 'indicator'",
            collection,
        )
    ]


def test_regional_collection_both_ways_while_red_stays_home(pair: Pair) -> None:
    a, b = pair.a, pair.b
    red = a.rest(
        pair.a_admin,
        "POST",
        "/api/v1/sharing/indicators",
        {
            "collection_id": pair.a_collection,
            "observable_type": "ipv4-addr",
            "share_anyway": True,  # documentation values: on a warninglist
            "value": "192.0.2.66",
            "tlp": "TLP:RED",
            "audience_organisation_ids": [pair.a_singcert],
        },
    )
    out = a.cli("sync", "node-b")
    assert "Synced node-b" in out
    # B runs its sync from the worker, as the schedule would.
    b.cli("worker", "--once")
    a.cli("sync", "node-b")

    on_a, on_b = _stix_ids(a, pair.a_collection), _stix_ids(b, pair.b_collection)
    assert len(on_a) == len(set(on_a))  # no duplicate
    assert len(on_b) == len(set(on_b))
    green_a = a.query(
        "SELECT stix_id FROM stix_object WHERE name = 'domain-name green.singcert.example'"
    )
    green_b = b.query(
        "SELECT stix_id FROM stix_object WHERE name = 'domain-name green.mycert.example'"
    )
    assert green_a[0][0] in on_b  # A's GREEN reached B
    assert green_b[0][0] in on_a  # B's GREEN reached A
    assert red["stix_id"] in on_a
    assert red["stix_id"] not in on_b  # the RED object stayed home
    assert not b.query("SELECT 1 FROM stix_object WHERE body LIKE ?", "%192.0.2.66%")
    # Pulled objects keep their real owner: on A, B's object belongs to MyCERT here.
    owner = a.query(
        "SELECT o.short_name FROM stix_object s JOIN organisation o"
        " ON o.id = s.owner_organisation_id WHERE s.stix_id = ?",
        green_b[0][0],
    )
    assert owner == [("MyCERT",)]
    # The run explains itself: the RED object was withheld, with the rule.
    withheld = a.query(
        "SELECT reason FROM federation_sync_outcome WHERE stix_id = ? AND outcome = 'withheld'",
        red["stix_id"],
    )
    assert withheld
    assert withheld[0][0].startswith("TLP:RED: ")
    assert "is not a named recipient" in withheld[0][0]
    assert a.query("SELECT state FROM federation_sync_run ORDER BY started_at")[-1] == (
        "succeeded",
    )


def test_kill_minus_nine_mid_sync_loses_nothing_and_duplicates_nothing(pair: Pair) -> None:
    a, b = pair.a, pair.b
    total = 6000
    objects = [_indicator(n, "TLP:GREEN", "bulk") for n in range(total)]
    for start in range(0, total, 2000):
        a.taxii_post(pair.a_admin, pair.a_collection, objects[start : start + 2000])
    ids = {obj["id"] for obj in objects}

    def arrived() -> int:
        return len(ids & set(_stix_ids(b, pair.b_collection)))

    # 1. The syncing process dies (kill -9) mid-sync, and runs again.
    syncing = b.cli_process("sync", "node-a")
    wait_until(lambda: arrived() >= 1000 or syncing.poll() is not None, 120, "a first page")
    syncing.kill()
    syncing.wait(10)
    cut_at = arrived()
    # 2. The peer node dies (kill -9) while B pulls from it, and comes back.
    syncing = b.cli_process("sync", "node-a")
    wait_until(lambda: arrived() > cut_at or syncing.poll() is not None, 120, "more pages")
    a.kill()
    syncing.wait(180)
    assert syncing.returncode != 0  # the failed run says so (and is recorded)
    failed = b.query("SELECT error FROM federation_sync_run WHERE state = 'failed'")
    assert failed
    assert "cannot reach the peer" in failed[-1][0]
    a.start()
    out = b.cli("sync", "node-a")
    assert "Synced node-a" in out
    on_b = _stix_ids(b, pair.b_collection)
    assert ids <= set(on_b)  # no loss
    assert len(on_b) == len(set(on_b))  # no duplicate
    assert cut_at < total  # the first kill really happened mid-sync
