"""The OEWG survey's capacity-building part: the initiatives in which the state is a
beneficiary or a provider, and only those the reader may see."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Tlp
from aseancyber.initiatives.models import Initiative, InitiativeStatus, InitiativeTag, TagKind
from tests.norms.conftest import NormsWorld
from tests.readers import TokenFor

API = "/api/v1/norms"


def _initiative(
    db: Session, owner: Organisation, title: str, tlp: Tlp, tags: dict[TagKind, list[str]]
) -> Initiative:
    initiative = Initiative(
        title=title,
        status=InitiativeStatus.ONGOING,
        owner_organisation_id=owner.id,
        tlp=tlp,
        tags=[
            InitiativeTag(kind=kind, value=value, position=n)
            for kind, values in tags.items()
            for n, value in enumerate(values)
        ],
    )
    db.add(initiative)
    db.flush()
    return initiative


def test_capacity_building_lists_visible_initiatives_with_the_states_role(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    sg = w.owner_org.member_state
    assert sg is not None
    _initiative(db, w.other_state_org, "Drill for SG", Tlp.GREEN, {TagKind.STATE: ["SG"]})
    _initiative(db, w.owner_org, "Training SG gives", Tlp.CLEAR, {TagKind.STATE: ["MY"]})
    _initiative(db, w.other_state_org, "SG funds it", Tlp.GREEN, {TagKind.FUNDER: [sg.name]})
    _initiative(db, w.other_state_org, "Hidden for SG", Tlp.AMBER, {TagKind.STATE: ["SG"]})
    _initiative(db, w.other_state_org, "Not about SG", Tlp.GREEN, {TagKind.STATE: ["MY"]})
    db.commit()

    def programmes(headers: dict[str, str]) -> dict[str, list[str]]:
        survey = client.get(f"{API}/states/SG/survey", headers=headers).json()
        part = survey["part_4_capacity_building"]["programmes"]
        return {p["title"]: p["role"] for p in part}

    # The author's state: the AMBER initiative of another state's CERT is not shared with it.
    assert programmes(token_for(w.author)) == {
        "Drill for SG": ["beneficiary"],
        "Training SG gives": ["provider"],
        "SG funds it": ["provider"],
    }
    # Its owner sees the AMBER one too.
    assert "Hidden for SG" in programmes(token_for(w.other_state))
    # Anonymous readers: public initiatives only.
    assert programmes({}) == {"Training SG gives": ["provider"]}
