"""A poisoned object from a peer is a dead letter; the page, the mapping and the peer's
other mappings go on (a fake peer over httpx's mock transport serves the hostile JSON)."""

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp
from aseancyber.federation import service, sync
from aseancyber.federation.client import Credentials, TaxiiClient
from aseancyber.federation.models import DeadLetter, Peer, PeerAuth
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject
from tests.federation.conftest import API_ROOT, Setup, indicator

TAXII_TYPE = "application/taxii+json;version=2.1"
DEEP = 100_000


def poisoned(n: int, raw_property: str) -> bytes:
    """Indicator ``n`` as JSON text with a hostile property spliced in."""
    return orjson.dumps(indicator(n, label=Tlp.GREEN))[:-1] + b"," + raw_property.encode() + b"}"


POISONS = {
    10: ('"x_score": NaN', "not finite"),
    11: ('"x_score": 1e999', "not finite"),
    12: (f'"x_count": {2**70}', "integer"),
    13: ('"x_count": ' + "9" * 5000, "integer"),
    14: ('"name": "\\ud800"', "Unicode"),
    15: ('"x_tree": ' + "[" * 300 + "]" * 300, "nests"),
    16: ('"x_tree": ' + "[" * DEEP + "]" * DEEP, "nests"),
}


def _fake_peer(pages: dict[str, bytes]) -> Any:
    """A TAXII server with one page per collection id: the bytes as they are."""

    def handle(request: httpx.Request) -> httpx.Response:
        collection_id = request.url.path.split("/collections/")[1].split("/")[0]
        return httpx.Response(
            200,
            content=pages[collection_id],
            headers={
                "Content-Type": TAXII_TYPE,
                "X-TAXII-Date-Added-Last": "2026-10-01T00:00:00.000Z",
            },
        )

    def make(peer: Peer) -> TaxiiClient:
        http = httpx.Client(transport=httpx.MockTransport(handle))
        return TaxiiClient(API_ROOT, Credentials(PeerAuth.BEARER, "", "x"), http=http)

    return make


def _envelope(*objects: bytes) -> bytes:
    return b'{"more":false,"objects":[' + b",".join(objects) + b"]}"


def _pulled_ids(db: Session, setup: Setup) -> set[str]:
    return set(
        db.scalars(
            select(StixObject.stix_id).where(
                StixObject.collection_id == setup.local.id, StixObject.type == "indicator"
            )
        )
    )


def _add_mapping(db: Session, setup: Setup, remote: str) -> None:
    service.add_mapping(
        db,
        actor=setup.admin,
        peer=setup.peer,
        remote_collection_id=remote,
        local_collection_id=setup.local.id,
        pull=True,
        push=False,
    )


def test_poisoned_objects_become_dead_letters_and_an_unreadable_page_stops_one_mapping_only(
    db: Session, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    setup.mapping.push = False
    _add_mapping(db, setup, "poisoned")
    _add_mapping(db, setup, "unreadable")
    db.commit()
    good = [orjson.dumps(indicator(n, label=Tlp.GREEN)) for n in (1, 2, 3)]
    pages = {
        setup.remote.id: _envelope(good[2]),
        "poisoned": _envelope(
            good[0], *(poisoned(n, raw) for n, (raw, _) in POISONS.items()), good[1]
        ),
        "unreadable": _envelope(good[0])[:-3],  # cut off: no object of it can be trusted
    }

    report = sync.sync_peer(
        session_factory, peer_id=setup.peer.id, client_factory=_fake_peer(pages)
    )

    db.expire_all()
    assert _pulled_ids(db, setup) == {indicator(n, label=None)["id"] for n in (1, 2, 3)}
    assert report.pulled == 3
    assert report.rejected == len(POISONS)
    letters = {
        letter.stix_id: letter.reason
        for letter in db.scalars(select(DeadLetter).where(DeadLetter.peer_id == setup.peer.id))
    }
    assert set(letters) == {indicator(n, label=None)["id"] for n in POISONS}
    for n, (_, words) in POISONS.items():
        assert words in letters[indicator(n, label=None)["id"]], (n, letters)
    # The unreadable page is that mapping's failure, named; the others ran.
    assert not report.ok
    assert report.error is not None
    assert "is not valid JSON" in report.error


def test_an_object_that_raises_inside_ingest_is_refused_alone(
    db: Session,
    session_factory: sessionmaker[Session],
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Something no check foresaw: the page is stored object by object, one refused."""
    setup.mapping.push = False
    db.commit()
    real = stix.search_text

    def explode(obj: Any) -> str:
        if obj.get("name") == "explode":
            raise RuntimeError("boom")
        return real(obj)

    monkeypatch.setattr(stix, "search_text", explode)
    bomb = indicator(7, label=Tlp.GREEN) | {"name": "explode"}
    objects = [indicator(n, label=Tlp.GREEN) for n in (1, 2)]
    page = _envelope(orjson.dumps(objects[0]), orjson.dumps(bomb), orjson.dumps(objects[1]))

    report = sync.sync_peer(
        session_factory, peer_id=setup.peer.id, client_factory=_fake_peer({setup.remote.id: page})
    )

    assert report.ok, report.error
    assert (report.pulled, report.rejected) == (2, 1)
    db.expire_all()
    assert _pulled_ids(db, setup) == {objects[0]["id"], objects[1]["id"]}
    letter = db.scalars(select(DeadLetter).where(DeadLetter.peer_id == setup.peer.id)).one()
    assert (letter.stix_id, letter.reason) == (bomb["id"], "could not be stored (RuntimeError)")
