"""Exports of norms assessments: CSV and JSON, and a state's record shaped like the UN
OEWG national survey of implementation (its four parts). Each export holds only what the
reader may see, and is itself audited."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader, visible_to
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.errors import Invalid
from aseancyber.norms import service
from aseancyber.norms.evidence import NOT_SHARED, EvidenceItem
from aseancyber.norms.history import code_key
from aseancyber.norms.models import AssessmentStatus
from aseancyber.norms.regional import Profile, profile
from aseancyber.reporting import ProgrammeProvider


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str
    count: int


CSV_COLUMNS = (
    "id",
    "member_state_iso2",
    "norm_letter",
    "action_code",
    "action_title",
    "status",
    "responsible_agency",
    "assessed_on",
    "visibility",
    "tlp",
    "evidence",
    "links",
    "updated_at",
)


def _spreadsheet_safe(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    # A leading = + - @ makes spreadsheet programs evaluate the cell as a formula.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _audit_export(db: Session, reader: Reader, what: str, ids: list[str], fmt: str) -> None:
    audit.record(
        db,
        action=f"norm_assessment.{what}",
        record_kind="norm_assessment",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(ids)}", f"format={fmt}"],
        after={"ids": ids},
        actor=reader,
    )


def export(
    db: Session, *, reader: Reader, filters: service.AssessmentFilters, format: str
) -> Export:
    """The visible, filtered assessments as JSON or CSV; the export itself is audited."""
    if format not in {"json", "csv"}:
        raise Invalid("must be json or csv", "format")
    assessments = service.all_visible(db, reader=reader, filters=filters)
    reads = [service.read(a) for a in assessments]
    reads.sort(key=lambda r: (r.member_state_iso2, r.norm_letter, code_key(r.action_code)))
    if format == "json":
        rows = [r.model_dump(mode="json") for r in reads]
        content = orjson.dumps({"items": rows, "count": len(rows)}, option=orjson.OPT_INDENT_2)
        media_type = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for r in reads:
            item = r.model_dump(mode="json")
            writer.writerow([_spreadsheet_safe(item[column]) for column in CSV_COLUMNS])
        content = buffer.getvalue().encode()
        media_type = "text/csv; charset=utf-8"
    _audit_export(db, reader, "export", [r.id for r in reads], format)
    return Export(content, media_type, f"norm-assessments.{format}", len(reads))


def oewg_survey(
    db: Session, *, reader: Reader, iso2: str, programmes: ProgrammeProvider | None
) -> dict[str, Any]:
    """A state's visible record in the four parts of the UN OEWG national survey; part 4's
    programmes come from ``programmes`` (the initiatives registry, through its manifest)."""
    data = profile(db, reader=reader, iso2=iso2)
    state = data.state

    def documents(kind: DocumentKind) -> list[dict[str, Any]]:
        found = db.scalars(
            select(Document)
            .where(
                Document.member_state_id == state.id,
                Document.kind == kind,
                visible_to(reader, Document),
            )
            .order_by(Document.title)
        )
        return [
            {"title": d.title, "link": d.link or f"/documents/{d.id}", "tlp": d.tlp.value}
            for d in found
        ]

    norms_part = []
    ids = []
    for section in data.sections:
        actions = []
        for line in section.lines:
            if line.assessment is None:
                continue
            a = line.assessment
            ids.append(a.id)
            actions.append(
                {
                    "action_code": line.action.code,
                    "action": line.action.title,
                    "level": line.action.level.value,
                    "status": a.status.value,
                    "responsible_agency": a.responsible_agency,
                    "evidence": a.evidence,
                    "links": list(a.links),
                    "assessed_on": a.assessed_on.isoformat(),
                    "tlp": a.tlp.value,
                }
            )
        norms_part.append(
            {
                "norm": section.norm.letter,
                "short_name": section.norm.short_name,
                "implementation": section.cell.text,
                "implementation_base": section.cell.base,
                "actions": actions,
                "evidence_from_practice": [_evidence(item) for item in section.evidence],
            }
        )
    threat_documents = db.scalar(
        select(func.count())
        .select_from(Document)
        .where(
            Document.member_state_id == state.id,
            Document.kind == DocumentKind.THREAT_ASSESSMENT,
            visible_to(reader, Document),
        )
    )
    found = [] if programmes is None else programmes(db, reader=reader, state=state)
    _audit_export(db, reader, "survey_export", ids, "json")
    return {
        "survey": "UN OEWG on ICTs: national survey of implementation (shape)",
        "member_state": {"iso2": state.iso2, "name": state.name},
        "generated_at": datetime.now(UTC).isoformat(),
        "note": "Only what the state has shared with the reader is included.",
        "part_1_international_law": {
            "national_positions": documents(DocumentKind.POSITION_PAPER),
            "legislation": documents(DocumentKind.LEGISLATION),
        },
        "part_2_norms": norms_part,
        "part_3_confidence_building_measures": {
            "evidence_from_practice": [_evidence(item) for item in data.cbm_evidence],
            "national_strategies_shared": documents(DocumentKind.NATIONAL_STRATEGY),
            "critical_infrastructure_categories_shared": documents(DocumentKind.CI_CATEGORIES),
            # Nothing visible is "not shared", never 0: there may be what the reader cannot see.
            "threat_assessments_shared": threat_documents or NOT_SHARED,
        },
        "part_4_capacity_building": {
            "programmes": found,
            "needs": capacity_needs(data, found),
            "offers": [p for p in found if "provider" in p["role"] and p["status"] in OPEN],
            "provider_role": provider_role(found),
            "note": "Cooperation and capacity-building initiatives of the registry in which "
            "the state is a beneficiary or a provider (its organisation runs it, or it is "
            "named as funder or implementer), as far as they are shared with the reader.",
        },
    }


OPEN = {"planned", "ongoing"}
NEEDING = (AssessmentStatus.NOT_STARTED, AssessmentStatus.PLANNED, AssessmentStatus.IN_PROGRESS)


def capacity_needs(data: Profile, programmes: list[dict[str, Any]]) -> dict[str, Any]:
    """What the state still needs: its shared actions not yet implemented, and the themes of
    the capacity building it receives."""
    actions = [
        {
            "norm": section.norm.letter,
            "action_code": line.action.code,
            "action": line.action.title,
            "status": line.assessment.status.value,
        }
        for section in data.sections
        for line in section.lines
        if line.assessment is not None and line.assessment.status in NEEDING
    ]
    received = [p for p in programmes if "beneficiary" in p["role"]]
    return {
        "actions_not_yet_implemented": actions,
        "themes_of_capacity_building_received": sorted(
            {theme for p in received for theme in p["themes"]}
        ),
        "note": "From the self-assessments and initiatives shared with the reader; an action "
        "whose assessment is not shared is not listed (it may or may not be a need).",
    }


def provider_role(programmes: list[dict[str, Any]]) -> dict[str, Any]:
    """The state as a provider of capacity building: how much, for whom, on what."""
    provided = [p for p in programmes if "provider" in p["role"]]
    if not provided:
        return {"programmes_provided": NOT_SHARED, "note": "No programme shared with you."}
    return {
        "programmes_provided": len(provided),
        "ongoing_or_planned": sum(1 for p in provided if p["status"] in OPEN),
        "beneficiary_states": sorted({iso for p in provided for iso in p["beneficiaries"]}),
        "themes": sorted({theme for p in provided for theme in p["themes"]}),
        "note": "Over the initiatives shared with you.",
    }


def _evidence(item: EvidenceItem) -> dict[str, str]:
    return {"title": item.title, "value": item.value, "source": item.source, "base": item.detail}
