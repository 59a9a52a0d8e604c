"""The CSAF trusted provider (issue 17), read the way an aggregator reads it.

An aggregator-style client (httpx, through the test client) reads provider-metadata.json,
takes the public key from ``pgp_keys`` (its fingerprint must match), follows each ROLIE feed,
downloads every document with its ``.sha256``, ``.sha512`` and ``.asc`` files, checks the
hashes with the ``csaf`` package's hash check, the signature with GnuPG (the ``csaf``
package's signature check, a different OpenPGP implementation than the one that signed) and
the document with the ``csaf`` validator, and mirrors the folder so the ``csaf`` package's
provider-tree audit can check it. Hidden documents never appear, whatever the path.
"""

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from csaf._audit import audit_tree  # type: ignore[import-untyped]
from csaf._hash import check as csaf_hash_check  # type: ignore[import-untyped]
from csaf._sign import verify as csaf_signature_check  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import Advisory
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryRevise
from aseancyber.cases.provider import publication, signing
from aseancyber.db import set_clock
from aseancyber.errors import NotFound
from aseancyber.settings import Settings, use_settings
from tests.cases.advisories.test_csaf import populate
from tests.cases.conftest import Scenario, approve_by_both
from tests.cases.provider.csaf_aggregator import (
    BASE,
    GPG,
    Aggregator,
    changes,
)
from tests.factories import actor
from tests.readers import TokenFor

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ALL_LABELS = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]
needs_gpg = pytest.mark.skipif(GPG is None, reason="GnuPG (Debian package gnupg) is missing")


@pytest.fixture
def https_node(settings: Settings) -> Iterator[Settings]:
    """A node on HTTPS (requirement 3) without a signing key."""
    node = settings.model_copy(update={"base_url": BASE})
    use_settings(node)
    yield node
    use_settings(settings)


@pytest.fixture
def signed_node(https_node: Settings, tmp_path: Path) -> Iterator[signing.SigningKey]:
    """A node on HTTPS with a signing key the operator provides as a file."""
    key, created = signing.generate(tmp_path / "csaf-key.asc", user_id="Test CSAF <t@example>")
    assert created
    use_settings(https_node.model_copy(update={"csaf_signing_key_path": tmp_path / "csaf-key.asc"}))
    yield key
    use_settings(https_node)


def publish(db: Session, scenario: Scenario, label: Tlp) -> Advisory:
    """Draft, approve and publish an advisory of the scenario's case at ``label``."""
    sg = actor(scenario.sg)
    advisory = advisories.draft(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=AdvisoryCreate(publish_tlp=label, summary=f"Fixed in GridGate 2.4 ({label.value})."),
    )
    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    return advisory


@needs_gpg
def test_an_aggregator_mirrors_and_verifies_every_public_document(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    signed_node: signing.SigningKey,
    tmp_path: Path,
) -> None:
    populate(db, scenario)
    published = {label: publish(db, scenario, label) for label in ALL_LABELS}
    db.commit()

    (tmp_path / "mirror").mkdir()
    mirror = Aggregator(client, tmp_path / "mirror").mirror()
    assert mirror.metadata["role"] == "csaf_trusted_provider"
    assert mirror.metadata["pgp_keys"][0]["fingerprint"] == signed_node.fingerprint
    # Anonymous: the TLP:WHITE feed and nothing else (the others answer 401).
    assert mirror.entries == {"WHITE": [published[Tlp.CLEAR].tracking_id]}
    assert sorted(mirror.feeds.values()) == [200, 401, 401, 401]
    assert [p.name for p in mirror.documents] == [
        csaf.filename_for(published[Tlp.CLEAR].tracking_id)
    ]
    # The csaf package's provider-tree audit: documents in year folders, all in index.txt.
    # (Its changes.csv rule reads the timestamp first; CSAF 2.0 7.1.13 puts the path first,
    # as we do, so that rule is checked below on our own terms.)
    audit = audit_tree(str(tmp_path / "mirror" / "white"))
    assert audit.advisory_count == 1
    assert audit.violations_for("year-folders") == []
    assert audit.violations_for("index-txt") == []
    (row,) = changes((tmp_path / "mirror" / "white" / "changes.csv").read_text())
    assert (tmp_path / "mirror" / "white" / row[0]).is_file()

    # The advisory's page links its files in the folder, signature included.
    page = client.get(f"/advisories/{published[Tlp.CLEAR].id}").text
    assert f'/.well-known/csaf/white/{row[0]}.asc"' in page
    assert f'/.well-known/csaf/white/{row[0]}.sha512"' in page

    # The checks can fail: a changed byte breaks the hash and the signature.
    document = mirror.documents[0]
    document.write_bytes(document.read_bytes().replace(b'"WHITE"', b'"GREEN"'))
    assert not csaf_hash_check(document, "sha256")[0]
    assert not csaf_signature_check(document, Path(f"{document}.asc"), mirror.key_file)[0]


@needs_gpg
@pytest.mark.usefixtures("signed_node")
def test_each_reader_gets_exactly_what_the_policy_lets_them_see(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
    tmp_path: Path,
) -> None:
    populate(db, scenario)
    published = {label: publish(db, scenario, label) for label in ALL_LABELS}
    db.commit()
    readers = {
        "vendor": scenario.vendor_users[0],
        "outsider": scenario.outsider,
        "co-coordinator": scenario.my,
    }
    for name, user in readers.items():
        root = tmp_path / name
        root.mkdir()
        mirror = Aggregator(scenario.rest(client, token_for, user), root).mirror()
        seen = {tracking_id for ids in mirror.entries.values() for tracking_id in ids}
        # The same answer as the policy gives through the advisory pages.
        expected = set()
        for advisory in published.values():
            try:
                advisories.get_or_404(db, reader=actor(user), advisory_id=advisory.id)
            except NotFound:
                continue
            expected.add(advisory.tracking_id)
        assert seen == expected, name
        counts = {label: len(ids) for label, ids in mirror.entries.items()}
        if name == "outsider":  # a vendor of another case: the public advisory only
            assert counts == {"WHITE": 1, "GREEN": 0, "AMBER": 0, "RED": 0}
        else:  # participants of the case: every label (AMBER+STRICT and RED share a folder)
            assert counts == {"WHITE": 1, "GREEN": 1, "AMBER": 1, "RED": 2}
        assert published[Tlp.CLEAR].tracking_id in seen
        for label, advisory in published.items():
            folder = advisories.folder_of(advisory)
            path = f"{advisory.published_at:%Y}/{csaf.filename_for(advisory.tracking_id)}"
            index = mirror_text(root, folder, "index.txt")
            listed = path in index.split()
            assert listed == (advisory.tracking_id in seen), (name, label)
            rest = scenario.rest(client, token_for, user)
            for suffix in ("", ".sha256", ".sha512", ".asc"):
                answer = rest.get(f"/.well-known/csaf/{folder}/{path}{suffix}")
                assert answer.status_code == (200 if listed else 404), (name, label, suffix)
    # Anonymous readers get 401 on every restricted folder file, the public one in full.
    for advisory in published.values():
        folder = advisories.folder_of(advisory)
        path = f"{advisory.published_at:%Y}/{csaf.filename_for(advisory.tracking_id)}"
        for suffix in ("", ".sha256", ".sha512", ".asc"):
            status = client.get(f"/.well-known/csaf/{folder}/{path}{suffix}").status_code
            assert status == (200 if folder == "white" else 401), (folder, suffix)


def mirror_text(root: Path, folder: str, name: str) -> str:
    path = root / folder / name
    return path.read_text() if path.exists() else ""


@needs_gpg
@pytest.mark.usefixtures("signed_node")
def test_a_revision_moves_changes_csv_the_feed_and_last_updated(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
    tmp_path: Path,
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    path = f"2026/{csaf.filename_for(public.tracking_id)}"
    url = f"/.well-known/csaf/white/{path}"
    first_hash = client.get(url + ".sha256").text
    clock[0] = NOW + timedelta(hours=5)  # reads later see the same files
    metadata = client.get("/.well-known/csaf/provider-metadata.json")
    assert metadata.json()["last_updated"] == "2026-11-20T02:00:00.000Z"
    assert client.get("/.well-known/csaf/provider-metadata.json").content == metadata.content
    assert changes(client.get("/.well-known/csaf/white/changes.csv").text) == [
        (path, "2026-11-20T02:00:00Z")
    ]

    clock[0] = NOW + timedelta(days=3, hours=4)
    approve_by_both(db, scenario, public.id)
    publication.revise(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        advisory_id=public.id,
        data=AdvisoryRevise(summary="Vendor 2 fixed the issue in 2.4.1."),
    )
    db.commit()
    clock[0] = NOW + timedelta(days=10)
    assert changes(client.get("/.well-known/csaf/white/changes.csv").text) == [
        (path, "2026-11-23T06:00:00Z")
    ]
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert metadata["last_updated"] == "2026-11-23T06:00:00.000Z"
    (entry,) = client.get("/.well-known/csaf/feed-tlp-white.json").json()["feed"]["entry"]
    assert (entry["published"], entry["updated"]) == (
        "2026-11-20T02:00:00.000Z",
        "2026-11-23T06:00:00.000Z",
    )
    assert client.get("/.well-known/csaf/feed-tlp-clear.json").json()["feed"]["entry"] == [entry]
    assert client.get(url + ".sha256").text != first_hash
    (tmp_path / "mirror").mkdir()
    mirror = Aggregator(client, tmp_path / "mirror").mirror()  # the revision verifies too
    assert mirror.entries == {"WHITE": [public.tracking_id]}

    # A restricted publication later never moves the public date.
    clock[0] = NOW + timedelta(days=20)
    publish(db, scenario, Tlp.AMBER)
    db.commit()
    again = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert again["last_updated"] == "2026-11-23T06:00:00.000Z"
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    amber = vendor.get("/.well-known/csaf/feed-tlp-amber.json").json()["feed"]
    assert amber["updated"] == "2026-12-10T02:00:00.000Z"


def test_without_a_key_nothing_is_signed_and_the_role_says_so(
    db: Session, scenario: Scenario, client: TestClient, https_node: Settings
) -> None:
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert metadata["role"] == "csaf_provider"
    assert "pgp_keys" not in metadata
    (entry,) = client.get("/.well-known/csaf/feed-tlp-white.json").json()["feed"]["entry"]
    assert "signature" not in {link["rel"] for link in entry["link"]}
    url = f"/.well-known/csaf/white/2026/{csaf.filename_for(public.tracking_id)}"
    assert client.get(url + ".sha512").status_code == 200
    assert client.get(url + ".asc").status_code == 404
    # Plain HTTP fails requirement 3 (TLS): not even a provider.
    use_settings(https_node.model_copy(update={"base_url": "http://127.0.0.1:8000"}))
    assert client.get("/.well-known/csaf/provider-metadata.json").json()["role"] == (
        "csaf_publisher"
    )


@pytest.fixture
def gnupg_key(tmp_path: Path) -> Path:
    """A passphrase-protected key made and exported by GnuPG, as an operator would."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    base = [str(GPG), "--homedir", str(home), "--batch", "--pinentry-mode", "loopback"]
    secret = "correct horse battery staple"
    try:
        subprocess.run(
            [
                *base,
                "--passphrase",
                secret,
                "--quick-gen-key",
                "Op <op@example>",
                "ed25519",
                "sign",
            ],
            capture_output=True,
            check=True,
        )
        exported = subprocess.run(
            [*base, "--passphrase", secret, "--armor", "--export-secret-keys"],
            capture_output=True,
            check=True,
        ).stdout
        public = subprocess.run(
            [*base, "--armor", "--export"], capture_output=True, check=True
        ).stdout
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)
    (tmp_path / "operator.asc").write_bytes(exported)
    (tmp_path / "operator-public.asc").write_bytes(public)
    return tmp_path / "operator.asc"


@needs_gpg
def test_an_operator_key_with_a_passphrase_signs_and_a_broken_one_is_refused_clearly(
    db: Session,
    scenario: Scenario,
    client: TestClient,
    https_node: Settings,
    gnupg_key: Path,
) -> None:
    tmp_path = gnupg_key.parent
    populate(db, scenario)
    public = publish(db, scenario, Tlp.CLEAR)
    db.commit()
    configured = https_node.model_copy(
        update={
            "csaf_signing_key_path": gnupg_key,
            "csaf_signing_key_passphrase": SecretStr("correct horse battery staple"),
        }
    )
    use_settings(configured)
    (tmp_path / "mirror").mkdir()
    mirror = Aggregator(client, tmp_path / "mirror").mirror()
    assert mirror.metadata["role"] == "csaf_trusted_provider"
    assert mirror.documents  # signed and verified with the key GnuPG made

    cases: dict[str, tuple[dict[str, Any], str]] = {
        "wrong passphrase": (
            {"csaf_signing_key_passphrase": SecretStr("wrong")},
            "wrong or missing passphrase",
        ),
        "public key only": (
            {"csaf_signing_key_path": tmp_path / "operator-public.asc"},
            "holds only a public key",
        ),
    }
    url = f"/.well-known/csaf/white/2026/{csaf.filename_for(public.tracking_id)}.asc"
    for name, (changes_, message) in cases.items():
        use_settings(configured.model_copy(update=changes_))
        for path in ("/.well-known/csaf/provider-metadata.json", url):
            answer = client.get(path)
            assert answer.status_code == 503, (name, path)
            assert message in answer.text, (name, answer.text)
            assert "Traceback" not in answer.text
    use_settings(https_node)


def test_security_txt_points_at_the_provider_metadata(
    client: TestClient, https_node: Settings, database_url: str
) -> None:
    set_clock(lambda: NOW)
    answer = client.get("/.well-known/security.txt")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in answer.text.splitlines())
    assert fields["CSAF"] == f"{BASE}/.well-known/csaf/provider-metadata.json"
    assert fields["Contact"].startswith("mailto:")
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert NOW < expires < NOW + timedelta(days=365)
    set_clock(lambda: NOW + timedelta(days=5))
    assert client.get("/.well-known/security.txt").text == answer.text


def test_unusable_provider_settings_are_refused_with_the_setting_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ASEANCYBER_SECURITY_CONTACT"):
        Settings(_env_file=None, security_contact="security@example.org")
    with pytest.raises(ValidationError, match="ASEANCYBER_CSAF_SIGNING_KEY_PATH"):
        Settings(_env_file=None, csaf_signing_key_path=tmp_path / "none.asc")
