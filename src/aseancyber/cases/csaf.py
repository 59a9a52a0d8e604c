"""CSAF 2.0 documents: built from a case, checked with the ``csaf`` validator, imported.

The validator is the PyPI package ``csaf`` run as ``csaf validate --spec-version v20
--no-network --preset basic``; its findings (not a stack trace) answer a bad upload.
TLP 2.0 labels map onto CSAF 2.0's TLP 1.0 vocabulary as the domain reference says:
CLEAR -> WHITE; AMBER+STRICT -> RED, with "TLP v2.0: TLP:AMBER+STRICT" in the distribution
text.
"""

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from aseancyber.access.policy import Tlp
from aseancyber.cases.models import (
    Advisory,
    AdvisoryCategory,
    Case,
    Involvement,
    Participant,
    ParticipantRole,
    Product,
    ProductStatus,
    Vulnerability,
)
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.settings import get_settings

CSAF_TLP = {
    Tlp.CLEAR: "WHITE",
    Tlp.GREEN: "GREEN",
    Tlp.AMBER: "AMBER",
    Tlp.AMBER_STRICT: "RED",
    Tlp.RED: "RED",
}
TLP_FOLDERS = {"WHITE": "white", "GREEN": "green", "AMBER": "amber", "RED": "red"}
VALIDATE_COMMAND = (
    "validate",
    "--spec-version",
    "v20",
    "--no-network",
    "--preset",
    "basic",
    "--format",
    "deprecated-json",
    "-",
)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _date(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def distribution(label: Tlp) -> dict[str, Any]:
    """``document.distribution`` for a TLP 2.0 label."""
    result: dict[str, Any] = {
        "tlp": {"label": CSAF_TLP[label], "url": "https://www.first.org/tlp/"}
    }
    if label is Tlp.AMBER_STRICT:
        result["text"] = "TLP v2.0: TLP:AMBER+STRICT"
    else:
        result["text"] = f"TLP v2.0: {label.value}"
    return result


def filename_for(tracking_id: str) -> str:
    """The file name CSAF 2.0 section 5.1 derives from ``document.tracking.id``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking_id.lower()) + ".json"


def _product_id(index: int) -> str:
    return f"CSAFPID-{index:04d}"


def _branch_leaf(product: Product, product_id: str) -> dict[str, Any]:
    full = {"name": product.full_name, "product_id": product_id}
    helper: dict[str, str] = {}
    if product.cpe:
        helper["cpe"] = product.cpe
    if product.purl:
        helper["purl"] = product.purl
    if helper:
        full["product_identification_helper"] = helper  # type: ignore[assignment]
    return full


def product_tree(products: list[Product]) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``product_tree`` (vendor > product name > version) and product ids by our ids."""
    ids = {product.id: _product_id(index + 1) for index, product in enumerate(products)}
    vendors: dict[str, dict[str, list[Product]]] = {}
    for product in products:
        vendors.setdefault(product.vendor_name, {}).setdefault(product.product_name, []).append(
            product
        )
    branches = []
    for vendor, names in vendors.items():
        name_branches = []
        for name, versions in names.items():
            leaves = []
            for product in versions:
                version = product.version_range or "unspecified"
                ranged = product.version_range.startswith("vers:") or bool(
                    re.search(
                        r"[<>=*]|\b(before|after|prior|through|all|earlier|later)\b",
                        version,
                        re.IGNORECASE,
                    )
                )
                leaves.append(
                    {
                        "category": "product_version_range" if ranged else "product_version",
                        "name": version,
                        "product": _branch_leaf(product, ids[product.id]),
                    }
                )
            name_branches.append({"category": "product_name", "name": name, "branches": leaves})
        branches.append({"category": "vendor", "name": vendor, "branches": name_branches})
    return {"branches": branches}, ids


_INVOLVEMENT_PARTY = {
    ParticipantRole.COORDINATOR: "coordinator",
    ParticipantRole.VENDOR: "vendor",
    ParticipantRole.DEPLOYER: "user",
    ParticipantRole.REPORTER: "discoverer",
    ParticipantRole.OTHER_CERT: "other",
}


_INVOLVEMENT_ORDER = (
    Involvement.DISPUTED,
    Involvement.NOT_CONTACTED,
    Involvement.CONTACT_ATTEMPTED,
    Involvement.OPEN,
    Involvement.IN_PROGRESS,
    Involvement.COMPLETED,
)


def involvements_of(participants: list[Participant]) -> list[dict[str, Any]]:
    """One involvement per party (CSAF allows one per party and date): the least advanced
    status of that party's participants, each named with its own status in the summary."""
    by_party: dict[str, list[Participant]] = {}
    for participant in participants:
        by_party.setdefault(_INVOLVEMENT_PARTY[participant.role], []).append(participant)
    result = []
    for party, members in sorted(by_party.items()):
        status = min((m.involvement for m in members), key=_INVOLVEMENT_ORDER.index)
        summary = "; ".join(f"{m.organisation.name}: {m.involvement.value}" for m in members)
        result.append({"party": party, "status": status.value, "summary": summary[:5000]})
    return result


def _notes(vulnerability: Vulnerability) -> list[dict[str, str]]:
    notes = [
        {
            "category": "description",
            "title": "Description",
            "text": vulnerability.description or vulnerability.title,
        }
    ]
    if vulnerability.cvss_vector:
        # CSAF 2.0 scores know CVSS v2 and v3 only: the CVSS 4.0 vector travels in a note.
        notes.append(
            {
                "category": "other",
                "title": "CVSS 4.0",
                "text": f"{vulnerability.cvss_vector} (base score {vulnerability.cvss_score}, "
                f"{vulnerability.cvss_severity})",
            }
        )
    if vulnerability.epss_score is not None:
        percentile = vulnerability.epss_percentile
        notes.append(
            {
                "category": "other",
                "title": "EPSS",
                "text": f"EPSS {vulnerability.epss_score:.5f}"
                + (f", percentile {percentile:.5f}" if percentile is not None else ""),
            }
        )
    if vulnerability.ssvc_decision:
        inputs = ", ".join(f"{k}={v}" for k, v in sorted(vulnerability.ssvc_inputs.items()))
        notes.append(
            {
                "category": "other",
                "title": "SSVC decision",
                "text": f"{vulnerability.ssvc_table}: {vulnerability.ssvc_decision} ({inputs})",
            }
        )
    return notes


def _remediations(
    vulnerability: Vulnerability, product_status: dict[str, list[str]], category: AdvisoryCategory
) -> list[dict[str, Any]]:
    """Remediations for affected, fixed and (advisories) still-investigated products."""
    affected = product_status.get("known_affected", [])
    fixed = product_status.get("fixed", [])
    under = product_status.get("under_investigation", [])
    remediations: list[dict[str, Any]] = []
    if affected:
        remediations.append(
            {
                "category": "vendor_fix" if vulnerability.remediation else "none_available",
                "details": vulnerability.remediation
                or "No fix is available yet; follow the coordinators' advice.",
                "product_ids": affected,
            }
        )
    if fixed:
        remediations.append(
            {
                "category": "vendor_fix",
                "details": vulnerability.remediation or "These versions contain the fix.",
                "product_ids": fixed,
            }
        )
    if under and category is AdvisoryCategory.SECURITY_ADVISORY:
        remediations.append(
            {
                "category": "none_available",
                "details": "The vendor is still investigating.",
                "product_ids": under,
            }
        )
    return remediations


def _vulnerability(
    vulnerability: Vulnerability,
    *,
    statuses: dict[str, ProductStatus],
    ids: dict[str, str],
    participants: list[Participant],
    category: AdvisoryCategory,
    release_date: datetime,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": vulnerability.title}
    if vulnerability.cve:
        entry["cve"] = vulnerability.cve
    if vulnerability.cwe:
        entry["cwe"] = {"id": vulnerability.cwe, "name": vulnerability.cwe_name or "Unknown"}
    entry["notes"] = _notes(vulnerability)
    grouped: dict[str, list[str]] = {}
    for product_id, status in statuses.items():
        if product_id in ids:
            grouped.setdefault(status.value, []).append(ids[product_id])
    if not grouped and category is AdvisoryCategory.VEX:
        grouped = {ProductStatus.UNDER_INVESTIGATION.value: sorted(ids.values())}
    product_status = {key: sorted(value) for key, value in sorted(grouped.items())}
    if product_status:
        entry["product_status"] = product_status
    remediations = _remediations(vulnerability, product_status, category)
    if remediations:
        entry["remediations"] = remediations
    not_affected = product_status.get("known_not_affected", [])
    if not_affected:
        entry["threats"] = [
            {
                "category": "impact",
                "details": "The vendor states that this product is not affected.",
                "product_ids": not_affected,
            }
        ]
    involvements = involvements_of(participants)
    if involvements:
        entry["involvements"] = involvements
    entry["release_date"] = _date(release_date)
    return entry


@dataclass(frozen=True)
class Built:
    document: dict[str, Any]
    filename: str


def build(
    *,
    advisory: Advisory,
    case: Case,
    participants: list[Participant],
    products: list[Product],
    vulnerabilities: list[Vulnerability],
    statuses: dict[str, dict[str, ProductStatus]],
    publisher_name: str,
    released_at: datetime,
    history: list[dict[str, Any]] | None = None,
    revision_summary: str = "",
) -> Built:
    """The CSAF 2.0 document of an advisory, as the case stands.

    ``history`` is the published revision history this revision extends (a revision keeps
    every earlier entry as it was released); without it the history is the first release.
    """
    base_url = get_settings().base_url.rstrip("/")
    tree, ids = product_tree(products)
    initial = advisory.published_at or released_at
    document: dict[str, Any] = {
        "category": advisory.category.value,
        "csaf_version": "2.0",
        "distribution": distribution(advisory.publish_tlp),
        "lang": "en",
        "notes": [
            {
                "category": "summary",
                "title": "Summary",
                "text": advisory.summary or case.summary or advisory.title,
            }
        ],
        "publisher": {
            "category": "coordinator",
            "name": publisher_name,
            "namespace": base_url,
        },
        "references": [
            {
                "category": "self",
                "summary": "This advisory",
                "url": f"{base_url}/advisories/{advisory.id}/csaf",
            }
        ],
        "title": advisory.title,
        "tracking": {
            "current_release_date": _date(released_at),
            "generator": {"engine": {"name": "aseancyber", "version": "0.1.0"}},
            "id": advisory.tracking_id,
            "initial_release_date": _date(initial),
            "revision_history": [
                *(history or []),
                {
                    "date": _date(released_at),
                    "number": str(advisory.revision),
                    "summary": revision_summary
                    or ("Initial release." if advisory.revision == 1 else "Revised."),
                },
            ],
            "status": "final",
            "version": str(advisory.revision),
        },
    }
    body: dict[str, Any] = {"document": document}
    if products:
        body["product_tree"] = tree
    body["vulnerabilities"] = [
        _vulnerability(
            vulnerability,
            statuses=statuses.get(vulnerability.id, {}),
            ids=ids,
            participants=participants,
            category=advisory.category,
            release_date=released_at,
        )
        for vulnerability in vulnerabilities
    ]
    return Built(body, filename_for(advisory.tracking_id))


# --- validation ------------------------------------------------------------------------------


def findings(document: bytes) -> list[FieldProblem]:
    """The csaf validator's failures for ``document`` (empty when it is valid CSAF 2.0)."""
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, input on stdin
            [sys.executable, "-m", "csaf", *VALIDATE_COMMAND],
            input=document,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return [FieldProblem("document", f"the CSAF validator could not run: {error}")]
    try:
        report = orjson.loads(completed.stdout)
    except orjson.JSONDecodeError:
        detail = completed.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        return [FieldProblem("document", f"the CSAF validator failed: {detail[0][:300]}")]
    problems = []
    for test in report.get("tests", []):
        if test.get("isValid", True):
            continue
        for finding in test.get("errors", [])[:50]:
            where = finding.get("instancePath") or "/"
            problems.append(
                FieldProblem("document", f"{test.get('name')}: {where}: {finding.get('message')}")
            )
    if not problems and not report.get("isValid", False):
        problems.append(FieldProblem("document", "the CSAF validator rejected the document"))
    return problems


def check_valid(document: dict[str, Any]) -> None:
    """Refuse a document the validator does not accept, with its findings."""
    problems = findings(orjson.dumps(document))
    if problems:
        raise Invalid(problems)
