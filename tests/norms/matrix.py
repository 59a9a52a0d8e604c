"""The permission-matrix entry for norm assessments (merged into ``tests/matrix.py``)."""

import itertools
from datetime import date

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.norms import service
from aseancyber.norms.catalogue import get_norm_or_404
from aseancyber.norms.models import ActionLevel, AssessmentStatus, NormAction
from aseancyber.norms.reference import load_norms
from tests.factories import actor
from tests.matrix import Shareable
from tests.readers import World

_numbers = itertools.count(1)


def fresh_action(db: Session, letter: str = "a") -> NormAction:
    """A new practical action under norm ``letter`` (the catalogue is loaded if missing)."""
    load_norms(db)
    norm = get_norm_or_404(db, letter=letter)
    n = next(_numbers)
    action = NormAction(
        norm_id=norm.id,
        code=f"{letter}.{900 + n}",
        title=f"Matrix action {n}",
        level=ActionLevel.NATIONAL,
        position=900 + n,
    )
    db.add(action)
    db.flush()
    return action


def _make_assessment(db: Session, world: World, tlp: Tlp, external: bool, marker: str) -> str:
    return service.share_with_label(
        db,
        actor=actor(world.author),
        action_id=fresh_action(db).id,
        status=AssessmentStatus.IN_PROGRESS,
        evidence=f"Evidence {marker}",
        assessed_on=date(2026, 1, 15),
        tlp=tlp,
        organisation_ids={world.recipient_org.id},
        user_ids={world.named_user.id},
        green_includes_external=external,
    ).id


ENTRIES: dict[str, Shareable] = {
    "norm_assessment": Shareable(
        make=_make_assessment,
        rest_list="/api/v1/norms/assessments",
        rest_detail="/api/v1/norms/assessments/{id}",
        rest_export="/api/v1/norms/assessments/export?format=json",
        page_list="/norms/assessments",
        page_detail="/norms/assessments/{id}",
        page_export="/norms/assessments/export?format=json",
    ),
}
