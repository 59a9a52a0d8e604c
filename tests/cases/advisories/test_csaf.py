"""CSAF 2.0: every produced document passes `csaf validate --spec-version v20 --no-network
--preset basic`; TLP 2.0 maps onto CSAF's labels; imports create products and
vulnerabilities; a malformed upload gets the validator's findings."""

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind
from aseancyber.access.policy import Tlp
from aseancyber.cases import catalogue, participants, workflow
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import AdvisoryCategory
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.models import ParticipantRole, ProductStatus
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import (
    EmbargoAction,
    ParticipantAdd,
    ProductCreate,
    StatusSet,
    VulnerabilityCreate,
)
from aseancyber.errors import Invalid
from aseancyber.settings import Settings, use_settings
from tests.cases.conftest import Scenario, accept_embargo_everywhere, approve_by_both
from tests.factories import actor, make_org
from tests.readers import TokenFor

VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def csaf_cli(path: Path) -> subprocess.CompletedProcess[str]:
    """The validator exactly as the issue names it (the console script of PyPI ``csaf``)."""
    script = shutil.which("csaf", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "csaf"]
    return subprocess.run(
        [
            *command,
            "validate",
            "--spec-version",
            "v20",
            "--no-network",
            "--preset",
            "basic",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def populate(db: Session, scenario: Scenario) -> list[str]:
    """Three vendor products with different statuses for one scored vulnerability."""
    sg = actor(scenario.sg)
    products = [
        catalogue.add_product(
            db,
            actor=sg,
            case_id=scenario.case.id,
            data=ProductCreate(
                vendor_name=f"Vendor {n}",
                product_name="GridGate",
                version_range=version,
                purl=f"pkg:generic/gridgate{n}@2.3" if n == 1 else "",
                vendor_participant_id=scenario.vendor_seats[n].id,
            ),
        ).id
        for n, version in enumerate(["vers:generic/>=2.0|<2.4", "2.3", ""])
    ]
    vulnerability = catalogue.add_vulnerability(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=VulnerabilityCreate(
            title="Stack buffer overflow in the Modbus parser",
            cve="CVE-2026-12345",
            cwe="CWE-121",
            cwe_name="Stack-based Buffer Overflow",
            description="A crafted frame overflows a stack buffer.",
            remediation="Update the firmware to 2.4.",
            cvss_vector=VECTOR,
        ),
    )
    for product_id, status in zip(
        products,
        [ProductStatus.KNOWN_AFFECTED, ProductStatus.KNOWN_NOT_AFFECTED, ProductStatus.FIXED],
        strict=True,
    ):
        catalogue.set_status(
            db,
            actor=sg,
            case_id=scenario.case.id,
            vulnerability_id=vulnerability.id,
            data=StatusSet(product_id=product_id, status=status),
        )
    return products


@pytest.mark.parametrize(
    ("category", "label"),
    [
        (AdvisoryCategory.SECURITY_ADVISORY, Tlp.CLEAR),
        (AdvisoryCategory.SECURITY_ADVISORY, Tlp.GREEN),
        (AdvisoryCategory.SECURITY_ADVISORY, Tlp.AMBER),
        (AdvisoryCategory.SECURITY_ADVISORY, Tlp.AMBER_STRICT),
        (AdvisoryCategory.SECURITY_ADVISORY, Tlp.RED),
        (AdvisoryCategory.VEX, Tlp.CLEAR),
    ],
)
def test_published_documents_pass_the_csaf_validator(
    category: AdvisoryCategory, label: Tlp, db: Session, scenario: Scenario, tmp_path: Path
) -> None:
    populate(db, scenario)
    sg = actor(scenario.sg)
    advisory = advisories.draft(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=AdvisoryCreate(category=category, publish_tlp=label, summary="Fixed in 2.4."),
    )
    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    assert advisory.document is not None
    path = tmp_path / "advisory.json"
    path.write_text(json.dumps(advisory.document))
    result = csaf_cli(path)
    assert result.returncode == 0, result.stdout + result.stderr
    distribution = advisory.document["document"]["distribution"]
    expected = {
        Tlp.CLEAR: "WHITE",
        Tlp.GREEN: "GREEN",
        Tlp.AMBER: "AMBER",
        Tlp.AMBER_STRICT: "RED",
        Tlp.RED: "RED",
    }[label]
    assert distribution["tlp"]["label"] == expected
    if label is Tlp.AMBER_STRICT:
        assert "TLP v2.0: TLP:AMBER+STRICT" in distribution["text"]
    notes = advisory.document["vulnerabilities"][0]["notes"]
    assert any(VECTOR in note["text"] for note in notes)  # CVSS 4.0 travels in a note


def test_a_draft_is_not_published_during_an_embargo_nor_before_approval(
    db: Session, scenario: Scenario
) -> None:
    populate(db, scenario)
    sg = actor(scenario.sg)
    advisory = advisories.draft(db, actor=sg, case_id=scenario.case.id, data=AdvisoryCreate())
    with pytest.raises(Invalid, match="must approve"):
        publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    from datetime import timedelta  # noqa: PLC0415

    from aseancyber.db import utcnow  # noqa: PLC0415

    workflow.embargo(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=EmbargoAction(action="propose", ends_at=utcnow() + timedelta(days=3)),
    )
    accept_embargo_everywhere(db, scenario)
    approve_by_both(db, scenario, advisory.id)
    with pytest.raises(Invalid, match="embargo is active"):
        publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)


def test_import_creates_products_and_vulnerabilities(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    populate(db, scenario)
    sg = actor(scenario.sg)
    advisory = advisories.draft(db, actor=sg, case_id=scenario.case.id, data=AdvisoryCreate())
    document = advisories.document_for(db, case=scenario.case, advisory=advisory).document
    db.commit()
    rest = scenario.rest(client, token_for, scenario.my)
    target = f"/api/v1/cases/{scenario.other_case.id}/csaf-import"
    response = rest.post(target, content=json.dumps(document))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "products_created": 3,
        "vulnerabilities_created": 1,
        "vulnerabilities_updated": 0,
        "statuses_set": 3,
    }
    again = rest.post(target, content=json.dumps(document)).json()
    assert again["products_created"] == 0
    assert again["vulnerabilities_updated"] == 1
    detail = rest.get(f"/api/v1/cases/{scenario.other_case.id}").json()
    assert {p["product_name"] for p in detail["products"]} == {"GridGate"}
    assert detail["vulnerabilities"][0]["cwe"] == "CWE-121"


@pytest.mark.parametrize(
    ("content", "finding"),
    [
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"document": {"category": "csaf_base"}}', "'csaf_version' is a required property"),
    ],
)
def test_a_malformed_upload_gets_the_validators_findings(
    *,
    content: bytes,
    finding: str,
    db: Session,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    rest = scenario.rest(client, token_for, scenario.sg)
    response = rest.post(f"/api/v1/cases/{scenario.case.id}/csaf-import", content=content)
    assert response.status_code == 422
    assert finding in response.text
    assert "Traceback" not in response.text


def test_provider_metadata_and_protected_folders(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    populate(db, scenario)
    sg = actor(scenario.sg)
    advisory = advisories.draft(
        db, actor=sg, case_id=scenario.case.id, data=AdvisoryCreate(publish_tlp=Tlp.AMBER)
    )
    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    db.commit()
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    assert metadata["metadata_version"] == "2.0"
    assert any(d["directory_url"].endswith("/amber/") for d in metadata["distributions"])
    assert client.get("/.well-known/csaf/amber/index.txt").status_code == 401
    assert client.get("/.well-known/csaf/white/index.txt").text == ""
    assert client.get("/.well-known/csaf/purple/index.txt").status_code == 404
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    path = vendor.get("/.well-known/csaf/amber/index.txt").text.strip()
    assert path.endswith(".json")
    assert (
        vendor.get(f"/.well-known/csaf/amber/{path}").json()["document"]["distribution"]["tlp"][
            "label"
        ]
        == "AMBER"
    )
    outsider = scenario.rest(client, token_for, scenario.outsider)
    assert outsider.get("/.well-known/csaf/amber/index.txt").text == ""
    assert outsider.get(f"/.well-known/csaf/amber/{path}").status_code == 404


def csaf_extended(path: Path) -> subprocess.CompletedProcess[str]:
    """The validator's ``extended`` preset: schema, mandatory (6.1.x) and recommended (6.2.x)
    tests; a recommended finding makes the run fail (exit 1) just as a mandatory one does."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "csaf",
            "validate",
            "--spec-version",
            "v20",
            "--no-network",
            "--preset",
            "extended",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def https_node(settings: Settings) -> Iterator[None]:
    """A node served over HTTPS, as production is: CSAF canonical URLs start with https://
    (recommended test 6.2.11), which the tests' plain-HTTP base URL cannot give."""
    use_settings(settings.model_copy(update={"base_url": "https://cyber.asean.example"}))
    yield
    use_settings(settings)


@pytest.mark.usefixtures("https_node")
def test_documents_pass_the_recommended_tests_and_say_what_the_case_recorded(
    db: Session, scenario: Scenario, tmp_path: Path, client: TestClient
) -> None:
    populate(db, scenario)
    sg = actor(scenario.sg)
    lab = make_org(db, kind=OrganisationKind.RESEARCHER, name="Case Research Lab")
    participants.add(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=ParticipantAdd(role=ParticipantRole.REPORTER, organisation_id=lab.id),
    )
    for n, events in enumerate(["VF", "V", ""]):
        for event in events:
            workflow.record_vendor_event(
                db,
                actor=actor(scenario.vendor_users[n]),
                case_id=scenario.case.id,
                participant_id=scenario.vendor_seats[n].id,
                event=event,
            )
    advisory = advisories.draft(
        db,
        actor=sg,
        case_id=scenario.case.id,
        data=AdvisoryCreate(publish_tlp=Tlp.CLEAR, summary="Fixed in 2.4."),
    )
    # The draft preview is a draft, labelled as the draft itself is (the case's TLP:AMBER),
    # not with the label it will be published under.
    preview = advisories.document_for(db, case=scenario.case, advisory=advisory).document
    assert preview["document"]["tracking"]["status"] == "draft"
    assert preview["document"]["distribution"]["tlp"]["label"] == "AMBER"
    draft_path = tmp_path / "draft.json"
    draft_path.write_text(json.dumps(preview))
    checked = csaf_extended(draft_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=scenario.case.id, advisory_id=advisory.id)
    document = advisory.document
    assert document is not None
    assert document["document"]["tracking"]["status"] == "final"
    assert document["document"]["distribution"]["tlp"]["label"] == "WHITE"
    path = tmp_path / "final.json"
    path.write_text(json.dumps(document))
    result = csaf_extended(path)
    assert result.returncode == 0, result.stdout + result.stderr

    vulnerability = document["vulnerabilities"][0]
    assert vulnerability["scores"] == [
        {
            "cvss_v4": {
                "baseScore": 9.3,
                "baseSeverity": "CRITICAL",
                "vectorString": VECTOR,
                "version": "4.0",
            },
            "products": vulnerability["product_status"]["known_affected"],
        }
    ]
    vendors = next(i for i in vulnerability["involvements"] if i["party"] == "vendor")
    # The least advanced vendor sets the party's status; each vendor's own is named.
    assert vendors["status"] == "contact_attempted"
    assert "Case Vendor 0: completed" in vendors["summary"]
    assert "Case Vendor 1: in_progress" in vendors["summary"]
    assert "Case Vendor 2: contact_attempted" in vendors["summary"]
    canonical = [r["url"] for r in document["document"]["references"] if r["category"] == "self"]
    assert canonical[0].startswith("https://cyber.asean.example/.well-known/csaf/white/2026/")
    assert canonical[0].endswith(
        f"/.well-known/csaf/white/2026/{csaf.filename_for(advisory.tracking_id)}"
    )
    assert list(document) == sorted(document)

    assert document["document"]["acknowledgments"][0] == {
        "organization": "Case Research Lab",
        "summary": "reported the vulnerability",
    }

    # The public page of the TLP:CLEAR advisory shows what the document says.
    db.commit()
    page = client.get(f"/advisories/{advisory.id}")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    for expected in (
        "<td>Vendor 0</td><td>GridGate</td><td>vers:generic/&gt;=2.0|&lt;2.4</td><td>Affected</td>",
        "<td>Vendor 1</td><td>GridGate</td><td>2.3</td><td>Not affected</td>",
        "<td>Vendor 2</td><td>GridGate</td><td>unspecified</td><td>Fixed</td>",
        "CWE-121 Stack-based Buffer Overflow",
        "CVSS 4.0</dt><dd><strong>9.3 Critical</strong>",
        "<strong>Vendor fix</strong>: Update the firmware to 2.4.",
        "Case Research Lab: reported the vulnerability",
        "Case SingCERT: coordinated the disclosure",
    ):
        assert expected in text, expected
