"""CSAF 2.0 documents built from a case (checked by :mod:`aseancyber.cases.advisories.validation`).

TLP 2.0 labels map onto CSAF 2.0's TLP 1.0 vocabulary as the domain reference says:
CLEAR -> WHITE; AMBER+STRICT -> RED, with "TLP v2.0: TLP:AMBER+STRICT" in the distribution
text.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aseancyber.access.policy import Tlp
from aseancyber.cases import state
from aseancyber.cases.advisories.models import Advisory, AdvisoryCategory
from aseancyber.cases.models import (
    Case,
    Involvement,
    Participant,
    ParticipantRole,
    Product,
    ProductStatus,
    Vulnerability,
)
from aseancyber.settings import get_settings

CSAF_TLP = {
    Tlp.CLEAR: "WHITE",
    Tlp.GREEN: "GREEN",
    Tlp.AMBER: "AMBER",
    Tlp.AMBER_STRICT: "RED",
    Tlp.RED: "RED",
}
TLP_FOLDERS = {"WHITE": "white", "GREEN": "green", "AMBER": "amber", "RED": "red"}
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


def generic_purl(product: Product, *, ranged: bool) -> str:
    """A ``pkg:generic`` package URL from the vendor, product and (single) version, for
    products recorded without a CPE or purl (CSAF recommended test 6.2.16)."""
    namespace = quote(product.vendor_name.strip(), safe="")
    name = quote(product.product_name.strip(), safe="")
    version = "" if ranged or not product.version_range else product.version_range.strip()
    return f"pkg:generic/{namespace}/{name}" + (f"@{quote(version, safe='')}" if version else "")


def _branch_leaf(product: Product, product_id: str, *, ranged: bool) -> dict[str, Any]:
    full = {"name": product.full_name, "product_id": product_id}
    helper: dict[str, str] = {}
    if product.cpe:
        helper["cpe"] = product.cpe
    if product.purl:
        helper["purl"] = product.purl
    if not helper:
        helper["purl"] = generic_purl(product, ranged=ranged)
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
                        "product": _branch_leaf(product, ids[product.id], ranged=ranged),
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
    status of that party's participants as their recorded events show it
    (:func:`state.involvement_of`), each named with its own status in the summary."""
    by_party: dict[str, list[tuple[Participant, Involvement]]] = {}
    for participant in participants:
        by_party.setdefault(_INVOLVEMENT_PARTY[participant.role], []).append(
            (participant, state.involvement_of(participant))
        )
    result = []
    for party, members in sorted(by_party.items()):
        status = min((status for _, status in members), key=_INVOLVEMENT_ORDER.index)
        summary = "; ".join(f"{m.organisation.name}: {status.value}" for m, status in members)
        result.append(
            {
                "date": _date(max(_last_event(m) for m, _ in members)),
                "party": party,
                "status": status.value,
                "summary": summary[:5000],
            }
        )
    return result


def _last_event(participant: Participant) -> datetime:
    """When the participant's involvement last changed as far as the case records it."""
    events = [
        participant.added_at,
        participant.embargo_answered_at,
        *participant.vendor_events().values(),
    ]
    return max(at for at in events if at is not None)


def acknowledgments_of(participants: list[Participant]) -> list[dict[str, Any]]:
    """Credits: who reported the vulnerability, and the CERTs that coordinated it."""
    credits: list[dict[str, Any]] = []
    for participant in participants:
        if participant.role is ParticipantRole.REPORTER:
            credit: dict[str, Any] = {
                "organization": participant.organisation.name,
                "summary": "reported the vulnerability",
            }
            if participant.user is not None:
                credit["names"] = [participant.user.display_name]
            credits.append(credit)
    credits.extend(
        {"organization": participant.organisation.name, "summary": "coordinated the disclosure"}
        for participant in participants
        if participant.role is ParticipantRole.COORDINATOR
    )
    return credits


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
    affected = product_status.get(ProductStatus.KNOWN_AFFECTED.value, [])
    if vulnerability.cvss_vector and vulnerability.cvss_score is not None and affected:
        # CVSS 4.0 in ``scores`` as CSAF 2.1 names it (``cvss_v4``): the CSAF 2.0 schema lists
        # cvss_v2 and cvss_v3 but does not forbid further keys in a score, and the csaf
        # validator's schema, mandatory and recommended tests (6.2.20 included) accept it;
        # the note above keeps the vector for 2.0 readers that skip unknown keys. Fixed
        # products get no score (recommended test 6.2.19).
        entry["scores"] = [
            {
                "cvss_v4": {
                    "baseScore": vulnerability.cvss_score,
                    "baseSeverity": vulnerability.cvss_severity.upper(),
                    "vectorString": vulnerability.cvss_vector,
                    "version": "4.0",
                },
                "products": affected,
            }
        ]
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
    draft: bool = False,
) -> Built:
    """The CSAF 2.0 document of an advisory, as the case stands.

    ``history`` is the published revision history this revision extends (a revision keeps
    every earlier entry as it was released); without it the history is the first release.
    A ``draft`` (a preview before publication) says so in ``tracking.status`` and carries
    the draft's own label, not the one it will be published with.
    """
    base_url = get_settings().base_url.rstrip("/")
    tree, ids = product_tree(products)
    initial = advisory.published_at or released_at
    document: dict[str, Any] = {
        "category": advisory.category.value,
        "csaf_version": "2.0",
        "distribution": distribution(advisory.tlp if draft else advisory.publish_tlp),
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
                "summary": "Canonical URL",
                "url": canonical_url(advisory, initial_release=initial),
            },
            {
                "category": "external",
                "summary": "The advisory's page",
                "url": f"{base_url}/advisories/{advisory.id}",
            },
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
            "status": "draft" if draft else "final",
            "version": str(advisory.revision),
        },
    }
    credits = acknowledgments_of(participants)
    if credits:
        document["acknowledgments"] = credits
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
    # Keys in alphabetical order at every level (recommended test 6.2.13).
    return Built(_sorted_keys(body), filename_for(advisory.tracking_id))


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def canonical_url(advisory: Advisory, *, initial_release: datetime) -> str:
    """Where the published document lives in its TLP folder (CSAF 2.0 sections 7.1.10-11):
    the publication label's folder, the year of the initial release, the file name."""
    base_url = get_settings().base_url.rstrip("/")
    folder = TLP_FOLDERS[CSAF_TLP[advisory.publish_tlp]]
    return (
        f"{base_url}/.well-known/csaf/{folder}/{initial_release:%Y}/"
        f"{filename_for(advisory.tracking_id)}"
    )
