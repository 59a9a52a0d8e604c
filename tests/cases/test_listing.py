"""A large case's detail stays bounded: first pages inline, the rest a cursor away; counts
never include messages the reader may not read."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind
from aseancyber.cases import catalogue, participants
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import MessageAudience
from aseancyber.cases.models import ParticipantRole
from aseancyber.cases.schemas import MessageCreate, ParticipantAdd, ProductCreate
from tests.cases.conftest import Scenario
from tests.factories import actor, make_org
from tests.readers import TokenFor


def _grow(db: Session, scenario: Scenario, vendors: int) -> None:
    sg = actor(scenario.sg)
    for n in range(vendors):
        organisation = make_org(db, kind=OrganisationKind.VENDOR, name=f"Extra vendor {n}")
        seat = participants.add(
            db,
            actor=sg,
            case_id=scenario.case.id,
            data=ParticipantAdd(role=ParticipantRole.VENDOR, organisation_id=organisation.id),
        )
        catalogue.add_product(
            db,
            actor=sg,
            case_id=scenario.case.id,
            data=ProductCreate(
                vendor_name=f"Extra {n:02d}", product_name="Box", vendor_participant_id=seat.id
            ),
        )
    db.commit()


def _all(rest: TestClient, url: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        page = rest.get(url, params={"limit": 7, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def test_detail_is_bounded_and_lists_page_through_everything(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    _grow(db, scenario, 20)
    rest = scenario.rest(client, token_for, scenario.vendor_users[2])
    base = f"/api/v1/cases/{scenario.case.id}"
    detail = rest.get(base).json()
    assert detail["participant_count"] == 26
    assert detail["participant_summary"]["roles"]["vendor"] == 23
    shown = {p["id"] for p in detail["participants"]}
    assert len(shown) <= 11
    assert scenario.vendor_seats[2].id in shown  # the reader's own seat is always there
    assert detail["participants_next_cursor"] is not None
    assert detail["products_total"] == 20
    assert len(detail["products"]) == 10
    everyone = _all(rest, f"{base}/participants")
    assert len({p["id"] for p in everyone}) == 26
    assert len(_all(rest, f"{base}/products")) == 20
    assert rest.get(f"{base}/participants", params={"cursor": "garbage"}).status_code == 422


def test_thread_counts_are_capped_and_respect_audiences(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    sg = actor(scenario.sg)
    for n in range(messages.COUNT_CAP + 3):
        messages.post(
            db,
            actor=sg,
            case_id=scenario.case.id,
            data=MessageCreate(
                body=f"note {n}",
                audience=MessageAudience.COORDINATORS if n % 2 else MessageAudience.ALL,
            ),
        )
    db.commit()
    base = f"/api/v1/cases/{scenario.case.id}"
    coordinator = scenario.rest(client, token_for, scenario.my).get(f"{base}/threads").json()
    assert coordinator["items"][0]["message_count"] == messages.COUNT_CAP
    assert coordinator["items"][0]["more_messages"] is True
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    counted = vendor.get(f"{base}/threads").json()["items"][0]
    assert counted["message_count"] == (messages.COUNT_CAP + 3 + 1) // 2
    assert counted["more_messages"] is False
    assert vendor.get(base).json()["threads"][0]["message_count"] == counted["message_count"]


def test_a_muted_participant_gets_no_message_notifications(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    from sqlalchemy import func, select  # noqa: PLC0415

    from aseancyber.notify.models import Notification  # noqa: PLC0415

    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    seat = scenario.vendor_seats[0]
    muted = vendor.patch(
        f"/api/v1/cases/{scenario.case.id}/participants/{seat.id}",
        json={"version": seat.version, "muted": True},
    )
    assert muted.status_code == 200, muted.text

    def inbox(user_id: str) -> int:
        return (
            db.scalar(
                select(func.count()).where(
                    Notification.user_id == user_id, Notification.kind == "case_message"
                )
            )
            or 0
        )

    db.expire_all()  # the mute was saved by the API's own transaction
    before = (inbox(scenario.vendor_users[0].id), inbox(scenario.vendor_users[1].id))
    messages.post(
        db, actor=actor(scenario.sg), case_id=scenario.case.id, data=MessageCreate(body="hello")
    )
    assert inbox(scenario.vendor_users[0].id) == before[0]
    assert inbox(scenario.vendor_users[1].id) == before[1] + 1
