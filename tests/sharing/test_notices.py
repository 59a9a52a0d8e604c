"""Notifications from sharing: named on a TLP:AMBER / RED record, your indicator sighted,
the "shared with you" panel; each only to those who may see what it is about."""

import uuid

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.notify.models import Notification, NotificationKind
from aseancyber.sharing import service, stix
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from aseancyber.sharing.schemas import IndicatorShare, SightingCreate
from aseancyber.sharing.share_service import add_sighting, share_indicator, upload_bundle
from tests.factories import actor
from tests.readers import BrowserFor, ClientsFor, TokenFor, World
from tests.sharing.conftest import make_collection

TAXII_TYPE = "application/taxii+json;version=2.1"


def _inbox(db: Session, user: User, kind: NotificationKind) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def _regional(db: Session, world: World) -> Collection:
    return service.create_collection(
        db,
        actor=actor(world.coordinator),
        title="ASEAN regional",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )


def _share(db: Session, world: World, collection: Collection, tlp: Tlp, **named: list[str]) -> str:
    data = IndicatorShare(
        collection_id=collection.id,
        observable_type="domain-name",
        value=f"c2-{tlp.rank}.evil-notices.net",
        name=f"C2 {tlp}",
        tlp=tlp,
        **named,
    )
    return share_indicator(db, actor=actor(world.author), data=data).id


def test_named_people_and_organisations_are_told_only_when_they_may_see_it(
    db: Session, world: World
) -> None:
    regional = _regional(db, world)
    _share(
        db,
        world,
        regional,
        Tlp.AMBER,
        audience_organisation_ids=[world.recipient_org.id, world.external_org.id],
        audience_user_ids=[world.named_user.id],
    )
    told = {n.user_id for n in db.scalars(select(Notification))}
    assert world.recipient.id in told
    assert world.named_user.id in told
    # The vendor is named but may not read the regional collection: not told anything.
    assert world.external.id not in told
    assert world.named_users_colleague.id not in told
    assert world.other_state.id not in told
    assert world.author.id not in told
    [notice] = _inbox(db, world.recipient, NotificationKind.SHARED_WITH_YOU)
    assert "Test SingCERT shared a TLP:AMBER indicator with you" in notice.title
    assert notice.link.startswith("/sharing/objects/")


def test_green_and_unnamed_records_notify_nobody(db: Session, world: World) -> None:
    regional = _regional(db, world)
    _share(db, world, regional, Tlp.GREEN)
    assert list(db.scalars(select(Notification))) == []


def test_a_sighting_tells_the_owner_who_when_and_how_often(db: Session, world: World) -> None:
    regional = _regional(db, world)
    record = _share(db, world, regional, Tlp.GREEN)
    add_sighting(db, actor=actor(world.other_state), ref=record, data=SightingCreate(count=7))
    for user in (world.author, world.colleague):
        [notice] = _inbox(db, user, NotificationKind.SIGHTING)
        assert notice.title.startswith("Test MyCERT")
        assert "Seen 7 times, last at 20" in notice.body
    assert _inbox(db, world.other_state, NotificationKind.SIGHTING) == []


def test_a_sighting_of_a_red_record_tells_only_who_may_see_the_sighting(
    db: Session, world: World
) -> None:
    regional = _regional(db, world)
    record = _share(db, world, regional, Tlp.RED, audience_user_ids=[world.named_user.id])
    add_sighting(db, actor=actor(world.named_user), ref=record, data=SightingCreate(count=2))
    assert len(_inbox(db, world.author, NotificationKind.SIGHTING)) == 1
    # The author's colleagues are not named on the RED record, so never hear of it.
    assert _inbox(db, world.colleague, NotificationKind.SIGHTING) == []
    assert _inbox(db, world.org_admin, NotificationKind.SIGHTING) == []


def test_sightings_keep_when_and_how_often_and_show_who(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    regional = _regional(db, world)
    record = _share(db, world, regional, Tlp.GREEN)
    db.commit()
    rest, _ = clients_for(world.other_state)
    seen = rest.post(
        f"/api/v1/sharing/objects/{record}/sightings",
        json={
            "count": 3,
            "first_seen": "2026-11-01T00:00:00Z",
            "last_seen": "2026-11-02T00:00:00Z",
            "description": "on our mail gateway",
        },
    )
    assert seen.status_code == 201, seen.text
    backwards = rest.post(
        f"/api/v1/sharing/objects/{record}/sightings",
        json={"first_seen": "2026-11-02T00:00:00Z", "last_seen": "2026-11-01T00:00:00Z"},
    )
    assert backwards.status_code == 422
    future = rest.post(
        f"/api/v1/sharing/objects/{record}/sightings",
        json={"first_seen": "2099-01-01T00:00:00Z"},
    )
    assert future.status_code == 422
    _, owner_page = clients_for(world.author)
    html = owner_page.get(f"/sharing/objects/{record}").text
    table = html.split("<h2>Sightings</h2>", 1)[1].split("</table>", 1)[0]
    assert "Test MyCERT" in table
    assert "<td>3</td>" in table
    assert "2026-11-01T00:00:00.000000Z" in table
    assert "on our mail gateway" in table


def test_the_shared_with_you_panel_lists_only_what_names_you(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    public = make_collection(db, world, public_read=True)
    _share(db, world, public, Tlp.AMBER, audience_organisation_ids=[world.recipient_org.id])
    _share(db, world, public, Tlp.GREEN)
    db.commit()
    dashboard = browser_for(world.recipient).client.get("/").text
    panel = dashboard.split("Shared with you", 1)[1]
    assert "C2 TLP:AMBER" in panel
    assert "C2 TLP:GREEN" not in panel
    assert "Shared with you" not in browser_for(world.other_state).client.get("/").text


def _sighting_of(stix_id: str, count: int) -> dict[str, object]:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": "2026-11-30T08:00:00.000Z",
        "modified": "2026-11-30T08:00:00.000Z",
        "sighting_of_ref": stix_id,
        "count": count,
        "last_seen": "2026-11-30T07:59:00.000Z",
        "object_marking_refs": [stix.MARKING_FOR_LABEL[Tlp.GREEN]],
    }


def _stix_id(db: Session, record_id: str) -> str:
    stored = db.get(StixObject, record_id)
    assert stored is not None
    return stored.stix_id


def test_sightings_posted_by_file_tell_the_owner_as_the_form_does(
    db: Session, world: World
) -> None:
    regional = _regional(db, world)
    seen = _stix_id(db, _share(db, world, regional, Tlp.GREEN))
    hidden = _stix_id(
        db, _share(db, world, regional, Tlp.RED, audience_user_ids=[world.named_user.id])
    )
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [_sighting_of(seen, 12), _sighting_of(hidden, 3)],
    }
    upload_bundle(
        db, actor=actor(world.other_state), collection_id=regional.id, content=orjson.dumps(bundle)
    )
    [notice] = _inbox(db, world.author, NotificationKind.SIGHTING)
    assert "Seen 12 times" in notice.body
    assert notice.link.endswith(db.scalar(select(StixObject.id).where(StixObject.stix_id == seen)))
    # The RED record is out of the poster's sight: a sighting of its id tells nobody anything.
    assert all("Seen 3 times" not in n.body for n in db.scalars(select(Notification)))


def test_sightings_posted_over_taxii_tell_the_owner(
    db: Session, world: World, client: TestClient, token_for: TokenFor
) -> None:
    regional = _regional(db, world)
    seen = _stix_id(db, _share(db, world, regional, Tlp.GREEN))
    db.commit()
    envelope = {"objects": [_sighting_of(seen, 4)]}
    posted = client.post(
        f"/taxii2/api/collections/{regional.id}/objects/",
        headers=token_for(world.other_state) | {"Accept": TAXII_TYPE, "Content-Type": TAXII_TYPE},
        content=orjson.dumps(envelope),
    )
    assert posted.status_code == 202, posted.text
    assert posted.json()["success_count"] == 1
    db.expire_all()
    [notice] = _inbox(db, world.author, NotificationKind.SIGHTING)
    assert "Seen 4 times" in notice.body
    assert _inbox(db, world.other_state, NotificationKind.SIGHTING) == []
