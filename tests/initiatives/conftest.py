"""Fixtures for initiatives: pillars and sectoral bodies, and a helper to register initiatives."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.community.models import Pillar, SectoralBody
from aseancyber.initiatives import service
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.schemas import InitiativeCreate
from aseancyber.norms.reference import load_norms
from tests.factories import actor
from tests.readers import World

Register = Callable[..., Initiative]


@pytest.fixture
def bodies(db: Session) -> dict[str, SectoralBody]:
    load_norms(db)  # initiatives link to the norms catalogue
    found = {}
    for pillar_code, pillar_name, code, name in (
        ("AEC", "ASEAN Economic Community", "ADGMIN", "ASEAN Digital Ministers' Meeting"),
        (
            "APSC",
            "ASEAN Political-Security Community",
            "SOMTC-WG-CC",
            "Working Group on Cybercrime",
        ),
        ("APSC", "ASEAN Political-Security Community", "ARF-ISM-ICTS", "ARF ISM on ICT Security"),
    ):
        pillar = db.scalar(select(Pillar).where(Pillar.code == pillar_code))
        if pillar is None:
            pillar = Pillar(code=pillar_code, name=pillar_name)
            db.add(pillar)
            db.flush()
        body = db.scalar(select(SectoralBody).where(SectoralBody.code == code))
        if body is None:
            body = SectoralBody(code=code, name=name, pillar_id=pillar.id)
            db.add(body)
            db.flush()
        found[code] = body
    return found


TRAINING: dict[str, Any] = {
    "title": "Incident response training for national CERTs",
    "summary": "Hands-on incident response training for analysts of the national CERTs of "
    "Malaysia and the Philippines: triage, containment, eradication and lessons learned.",
    "activities": "Five-day course in Kuala Lumpur; live-fire labs on a shared cyber range.",
    "status": "ongoing",
    "start_on": "2026-03-01",
    "end_on": "2026-06-30",
    "sectoral_body": "ADGMIN",
    "programme": "ASCCE",
    "beneficiary_states": ["MY", "PH"],
    "themes": ["incident_ci"],
    "target_audience": ["technical"],
    "norms": ["g", "k"],
    "tlp": "TLP:GREEN",
}

SAME_TRAINING_OTHER_BODY: dict[str, Any] = {
    "title": "Building incident handling skills in CSIRTs",
    "summary": "A course for CSIRT staff from Malaysia and the Philippines on handling "
    "incidents end to end: detection, triage, containment and recovery.",
    "activities": "Workshop in Manila with hands-on labs; handling playbooks.",
    "status": "planned",
    "start_on": "2026-04-01",
    "end_on": "2026-05-31",
    "sectoral_body": "ARF-ISM-ICTS",
    "programme": "AJCCBC",
    "beneficiary_states": ["MY", "PH"],
    "themes": ["incident_ci"],
    "target_audience": ["technical"],
    "tlp": "TLP:GREEN",
}


@pytest.fixture
def register(db: Session, world: World, bodies: dict[str, SectoralBody]) -> Register:
    """Register an initiative as ``world.author`` (or ``by``) from keyword fields."""

    def make(by: Any = None, **fields: Any) -> Initiative:
        data = InitiativeCreate.model_validate(fields)
        return service.create(db, actor=actor(by or world.author), data=data)

    return make
