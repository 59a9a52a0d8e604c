"""ROLIE service and category documents of the CSAF provider (CSAF 2.0 sections 7.1.16-17,
issue 17): linked from provider-metadata.json, followed by the aggregator-style client, and
filtered by TLP and the access policy like the feeds."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from tests.cases.advisories.test_csaf import populate
from tests.cases.conftest import Scenario
from tests.cases.provider.csaf_aggregator import BASE, Aggregator
from tests.cases.provider.test_csaf_provider import (  # noqa: F401 - the provider fixtures
    https_node,
    needs_gpg,
    publish,
    signed_node,
)
from tests.readers import TokenFor

FOLDERS = ("white", "green", "amber", "red")


@pytest.mark.usefixtures("https_node")
def test_provider_metadata_links_the_service_and_each_feeds_category_document(
    db: Session, client: TestClient
) -> None:
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    for distribution, folder in zip(metadata["distributions"], FOLDERS, strict=True):
        rolie = distribution["rolie"]
        assert rolie["services"] == [f"{BASE}/.well-known/csaf/service.json"]
        assert rolie["categories"] == [f"{BASE}/.well-known/csaf/category-tlp-{folder}.json"]
        assert rolie["feeds"][0]["url"] == f"{BASE}/.well-known/csaf/feed-tlp-{folder}.json"


@needs_gpg
@pytest.mark.usefixtures("signed_node")
def test_each_reader_follows_the_service_and_category_documents_it_may_read(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
    tmp_path: Path,
) -> None:
    populate(db, scenario)
    for label in (Tlp.CLEAR, Tlp.AMBER, Tlp.RED):
        publish(db, scenario, label)
    db.commit()

    (tmp_path / "anonymous").mkdir()
    anonymous = Aggregator(client, tmp_path / "anonymous").mirror()
    assert anonymous.service_feeds == {f"{BASE}/.well-known/csaf/feed-tlp-white.json"}
    public_terms = anonymous.categories["WHITE"]
    assert public_terms is not None
    assert {"en", "csaf_security_advisory"} <= set(public_terms)
    assert {"Vendor 0", "Vendor 1", "Vendor 2", "GridGate"} <= set(public_terms)
    assert {label: terms for label, terms in anonymous.categories.items() if terms is None} == {
        "GREEN": None,
        "AMBER": None,
        "RED": None,
    }
    assert client.get("/.well-known/csaf/category-tlp-amber.json").status_code == 401
    assert client.get("/.well-known/csaf/category-tlp-purple.json").status_code == 404

    # A vendor of another case: every feed is listed, but the restricted folders hold
    # nothing it may see, so their category documents name nothing but CSAF.
    (tmp_path / "outsider").mkdir()
    rest = scenario.rest(client, token_for, scenario.outsider)
    outsider = Aggregator(rest, tmp_path / "outsider").mirror()
    assert len(outsider.service_feeds) == len(FOLDERS)
    assert outsider.categories == {
        "WHITE": public_terms,
        "GREEN": [],
        "AMBER": [],
        "RED": [],
    }

    # A vendor of the case sees the AMBER and RED advisories and the terms they carry.
    (tmp_path / "vendor").mkdir()
    rest = scenario.rest(client, token_for, scenario.vendor_users[0])
    vendor = Aggregator(rest, tmp_path / "vendor").mirror()
    assert vendor.categories["AMBER"] == public_terms
    assert vendor.categories["RED"] == public_terms
    assert vendor.categories["GREEN"] == []
