"""Capacity-building programmes of a member state, for part 4 of the OEWG survey export
(declared in the initiatives manifest; the norms export receives it, it never imports us)."""

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.policy import Reader, visible_to
from aseancyber.initiatives.models import Initiative, InitiativeTag, TagKind


def capacity_building(db: Session, *, reader: Reader, state: MemberState) -> list[dict[str, Any]]:
    """The visible initiatives the state benefits from or provides, with its role in each."""
    providing_orgs = select(Organisation.id).where(Organisation.member_state_id == state.id)
    beneficiary = _tagged(TagKind.STATE, [state.iso2])
    provider = or_(
        Initiative.owner_organisation_id.in_(providing_orgs),
        _tagged(TagKind.FUNDER, [state.name, state.iso2]),
        _tagged(TagKind.IMPLEMENTER, [state.name, state.iso2]),
    )
    found = db.execute(
        select(Initiative, beneficiary.label("beneficiary"), provider.label("provider"))
        .where(visible_to(reader, Initiative), or_(beneficiary, provider))
        .order_by(Initiative.start_on.desc(), Initiative.title, Initiative.id)
    ).all()
    programmes = []
    for initiative, is_beneficiary, is_provider in found:
        roles = [
            name
            for name, held in (("beneficiary", is_beneficiary), ("provider", is_provider))
            if held
        ]
        programmes.append(
            {
                "title": initiative.title,
                "role": roles,
                "status": initiative.status.value,
                "programme": initiative.programme,
                "sectoral_body": initiative.sectoral_body.name
                if initiative.sectoral_body
                else None,
                "start_on": initiative.start_on.isoformat() if initiative.start_on else None,
                "end_on": initiative.end_on.isoformat() if initiative.end_on else None,
                "themes": initiative.values(TagKind.THEME),
                "beneficiaries": initiative.values(TagKind.STATE),
                "audience": initiative.values(TagKind.AUDIENCE),
                "norms": initiative.norms,
                "funders": initiative.funders,
                "implementers": initiative.implementers,
                "tlp": initiative.tlp.value,
                "link": f"/initiatives/{initiative.id}",
            }
        )
    return programmes


def _tagged(kind: TagKind, values: list[str]) -> ColumnElement[bool]:
    return exists(
        select(InitiativeTag.id).where(
            InitiativeTag.initiative_id == Initiative.id,
            InitiativeTag.kind == kind,
            InitiativeTag.value.in_(values),
        )
    )
