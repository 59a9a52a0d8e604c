"""Initiatives link to the norms catalogue: letters and action codes resolve to catalogue
records, unknown ones are refused by name, and pages show the norm's name with a link."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.errors import Invalid
from aseancyber.initiatives import service
from aseancyber.initiatives.models import InitiativeNorm
from aseancyber.initiatives.reports import gaps
from aseancyber.initiatives.schemas import InitiativeCreate, InitiativeUpdate
from tests.factories import actor
from tests.initiatives.conftest import TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"


def test_letters_and_action_codes_link_to_the_catalogue(
    db: Session, world: World, register: Register
) -> None:
    initiative = register(**{**TRAINING, "norms": ["k", "g.1", "(g)"]})
    assert initiative.norms == ["g", "k"]
    assert [a.code for a in initiative.norm_actions] == ["g.1"]
    assert all(isinstance(link, InitiativeNorm) for link in initiative.norm_links)
    assert {link.norm.short_name for link in initiative.norm_links} == {
        "Protect own critical infrastructure",
        "Do not harm CERTs",
    }
    changed = service.update(
        db,
        actor=actor(world.author),
        initiative_id=initiative.id,
        data=InitiativeUpdate(version=initiative.version, norms=["h"]),
    )
    assert changed.norms == ["h"]
    found = service.list_(db, reader=actor(world.author), filters=service.parse_filters(norm="h"))
    assert [i.id for i in found.items] == [initiative.id]


def test_a_norm_not_in_the_catalogue_is_refused_by_name(
    db: Session, world: World, register: Register
) -> None:
    with pytest.raises(Invalid) as refused:
        register(**{**TRAINING, "norms": ["g.99"]})
    assert "g.99" in str(refused.value)
    assert refused.value.problems[0].field == "norms"
    assert service.check_row(db, InitiativeCreate.model_validate({**TRAINING, "norms": ["g.99"]}))


def test_pages_and_gaps_name_the_norm_and_link_to_it(
    *,
    db: Session,
    world: World,
    register: Register,
    browser_for: BrowserFor,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    initiative = register(**{**TRAINING, "norms": ["k", "g.1"]})
    db.commit()
    page = browser_for(world.author).client.get(f"/initiatives/{initiative.id}")
    assert 'href="/norms#norm-k"' in page.text
    assert "Do not harm CERTs" in page.text
    assert "g.1" in page.text
    coverage = gaps.coverage(db, reader=actor(world.coordinator))
    assert coverage.norms_by_states.links["k"] == "/norms#norm-k"
    assert any("(k) Do not harm CERTs" in label for _, label in coverage.norms_by_states.rows)
    gaps_page = browser_for(world.coordinator).client.get("/initiatives/gaps")
    assert 'href="/norms#norm-a"' in gaps_page.text
    read = client.get(f"{API}/{initiative.id}", headers=token_for(world.author)).json()
    assert read["norms"] == ["g", "k", "g.1"]
