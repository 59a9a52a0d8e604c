"""Stored CSAF signatures (issue 17): ``.asc`` is the same file on every read of a document
version; a revision and a key rotation are signed anew, and GnuPG verifies each."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from csaf._sign import verify as csaf_signature_check  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories.models import Advisory
from aseancyber.cases.advisories.schemas import AdvisoryRevise
from aseancyber.cases.provider import publication, signing
from aseancyber.cases.provider.models import CsafSignature
from aseancyber.settings import Settings, get_settings, use_settings
from tests.cases.advisories.test_csaf import populate
from tests.cases.conftest import Scenario, approve_by_both
from tests.cases.provider.test_csaf_provider import (  # noqa: F401 - the provider fixtures
    https_node,
    needs_gpg,
    publish,
    signed_node,
)
from tests.factories import actor


def _url(advisory: Advisory) -> str:
    return f"/.well-known/csaf/white/2026/{csaf.filename_for(advisory.tracking_id)}"


def _verifies(client: TestClient, advisory: Advisory, key: signing.SigningKey, at: Path) -> bool:
    """GnuPG (through the ``csaf`` package's check) verifies the served ``.asc`` over the
    served document with the public key the provider publishes."""
    at.mkdir()
    key_file = at / "key.asc"
    key_file.write_bytes(client.get(f"/.well-known/csaf/openpgp/{key.fingerprint}.asc").content)
    document = at / "document.json"
    document.write_bytes(client.get(_url(advisory)).content)
    (at / "document.json.asc").write_bytes(client.get(_url(advisory) + ".asc").content)
    good, _output = csaf_signature_check(document, at / "document.json.asc", key_file)
    return bool(good)


@pytest.fixture
def rotated(https_node: Settings, tmp_path: Path) -> Iterator[signing.SigningKey]:  # noqa: F811
    """Another key the operator switches to."""
    key, _ = signing.generate(tmp_path / "rotated.asc", user_id="Rotated <r@example>")
    yield key
    use_settings(https_node)


@needs_gpg
def test_the_signature_is_the_same_file_on_every_read_and_a_revision_is_signed_anew(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    signed_node: signing.SigningKey,  # noqa: F811
    tmp_path: Path,
) -> None:
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    # Signed when it was published, not at the first read.
    stored = db.scalars(select(CsafSignature).where(CsafSignature.advisory_id == public.id))
    assert [row.key_fingerprint for row in stored] == [signed_node.fingerprint]
    first = client.get(_url(public) + ".asc")
    assert first.status_code == 200
    assert client.get(_url(public) + ".asc").content == first.content
    assert _verifies(client, public, signed_node, tmp_path / "first")

    approve_by_both(db, scenario, public.id)
    publication.revise(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        advisory_id=public.id,
        data=AdvisoryRevise(summary="Vendor 2 fixed the issue in 2.4.1."),
    )
    db.commit()
    revised = client.get(_url(public) + ".asc")
    assert revised.content != first.content
    assert client.get(_url(public) + ".asc").content == revised.content
    assert _verifies(client, public, signed_node, tmp_path / "revised")
    # The checks can fail: the first version's signature does not verify the revision.
    (tmp_path / "revised" / "document.json.asc").write_bytes(first.content)
    assert not csaf_signature_check(
        tmp_path / "revised" / "document.json",
        tmp_path / "revised" / "document.json.asc",
        tmp_path / "revised" / "key.asc",
    )[0]


@needs_gpg
def test_a_key_rotation_re_signs_at_the_next_read_and_keeps_it(  # noqa: PLR0917 - fixtures
    db: Session,
    scenario: Scenario,
    client: TestClient,
    signed_node: signing.SigningKey,  # noqa: F811
    rotated: signing.SigningKey,
    tmp_path: Path,
) -> None:
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    before = client.get(_url(public) + ".asc").content
    use_settings(
        get_settings().model_copy(update={"csaf_signing_key_path": tmp_path / "rotated.asc"})
    )
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert metadata["pgp_keys"][0]["fingerprint"] == rotated.fingerprint
    after = client.get(_url(public) + ".asc").content
    assert after != before
    assert client.get(_url(public) + ".asc").content == after  # stored at the first read
    assert _verifies(client, public, rotated, tmp_path / "rotated")
    db.expire_all()
    fingerprints = set(
        db.scalars(
            select(CsafSignature.key_fingerprint).where(CsafSignature.advisory_id == public.id)
        )
    )
    assert fingerprints == {signed_node.fingerprint, rotated.fingerprint}


def test_a_publication_with_an_unusable_key_is_kept_and_its_signature_names_the_problem(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    https_node: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "broken.asc").write_text("not a key")
    use_settings(https_node.model_copy(update={"csaf_signing_key_path": tmp_path / "broken.asc"}))
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    assert client.get(_url(public)).status_code == 200
    answer = client.get(_url(public) + ".asc")
    assert answer.status_code == 503
    assert "is not an OpenPGP key" in answer.text
    assert db.scalars(select(CsafSignature)).all() == []
