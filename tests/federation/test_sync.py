"""Pull and push over real TAXII 2.1 (the app in-process): TLP decided by the policy."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp, audience_of
from aseancyber.federation import health, sync
from aseancyber.federation.models import (
    Direction,
    Mapping,
    OutcomeKind,
    Peer,
    RunState,
    SyncOutcome,
    SyncRun,
)
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject
from tests.federation.conftest import Setup, indicator, store


def _versions(db: Session, collection_id: str) -> list[tuple[str, Any]]:
    return list(
        db.execute(
            select(StixObject.stix_id, StixObject.version_at)
            .where(StixObject.collection_id == collection_id, StixObject.type == "indicator")
            .order_by(StixObject.stix_id, StixObject.version_at)
        ).tuples()
    )


def _outcomes(db: Session, run_id: str) -> dict[str, tuple[OutcomeKind, str]]:
    rows = db.scalars(select(SyncOutcome).where(SyncOutcome.run_id == run_id)).all()
    return {row.stix_id: (row.outcome, row.reason) for row in rows}


def test_pull_keeps_owner_label_and_is_idempotent(
    db: Session, session_factory: sessionmaker[Session], setup: Setup, client_factory: Any
) -> None:
    world = setup.world
    their_identity = stix.identity_id_for(world.other_state_org.id)
    objects = [indicator(n, label=Tlp.GREEN, created_by=their_identity) for n in range(7)]
    objects.append(indicator(99, label=Tlp.RED, created_by=their_identity))
    store(db, world.other_state, setup.remote, objects[:7])
    # RED, named to SingCERT: our credentials may read it there, so it comes here RED.
    store(db, world.other_state, setup.remote, objects[7:], audience=[world.owner_org.id])
    db.commit()

    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    pulled = db.scalars(
        select(StixObject).where(
            StixObject.collection_id == setup.local.id, StixObject.type == "indicator"
        )
    ).all()
    assert len(pulled) == 8
    assert {row.owner_organisation_id for row in pulled} == {world.other_state_org.id}
    red = next(row for row in pulled if row.tlp is Tlp.RED)
    assert audience_of(db, red).organisation_ids == {world.owner_org.id}
    first = _versions(db, setup.local.id)

    again = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert again.ok
    db.expire_all()
    assert _versions(db, setup.local.id) == first  # nothing duplicated
    # What came from the peer does not echo back to it.
    assert (
        db.scalar(
            select(func.count())
            .select_from(StixObject)
            .where(StixObject.collection_id == setup.remote.id, StixObject.type == "indicator")
        )
        == 8
    )


def test_push_follows_tlp_through_the_policy(
    db: Session, session_factory: sessionmaker[Session], setup: Setup, client_factory: Any
) -> None:
    world = setup.world
    mycert, singcert = world.other_state_org.id, world.owner_org.id
    store(db, world.author, setup.local, [indicator(1, label=Tlp.CLEAR)])
    store(db, world.author, setup.local, [indicator(2, label=Tlp.GREEN)])
    store(db, world.author, setup.local, [indicator(3, label=Tlp.AMBER)])
    store(db, world.author, setup.local, [indicator(4, label=Tlp.AMBER)], audience=[mycert])
    store(db, world.author, setup.local, [indicator(5, label=Tlp.RED)], audience=[singcert])
    store(db, world.author, setup.local, [indicator(6, label=Tlp.RED)], audience=[mycert, singcert])
    store(
        db, world.author, setup.local, [indicator(7, label=Tlp.AMBER_STRICT)], audience=[singcert]
    )
    db.commit()

    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    outcomes = _outcomes(db, report.run_id)
    by_n = {n: outcomes[indicator(n, label=None)["id"]] for n in range(1, 8)}
    assert by_n[1][0] is by_n[2][0] is by_n[4][0] is by_n[6][0] is OutcomeKind.ACCEPTED
    assert by_n[3] == (OutcomeKind.WITHHELD, "TLP:AMBER: Test MyCERT is not in the audience")
    assert by_n[5] == (OutcomeKind.WITHHELD, "TLP:RED: Test MyCERT is not a named recipient")
    assert by_n[7][0] is OutcomeKind.WITHHELD
    assert by_n[7][1].startswith("TLP:AMBER+STRICT")
    arrived = {
        row.stix_id: row.tlp
        for row in db.scalars(
            select(StixObject).where(
                StixObject.collection_id == setup.remote.id, StixObject.type == "indicator"
            )
        )
    }
    expected = {indicator(n, label=None)["id"] for n in (1, 2, 4, 6)}
    assert set(arrived) == expected  # the RED object named only to SingCERT stayed home
    assert arrived[indicator(6, label=None)["id"]] is Tlp.RED  # the label travelled
    run = db.get(SyncRun, report.run_id)
    assert run is not None
    # Four indicators and the five TLP 2.0 marking definitions (TLP:CLEAR) went.
    assert (run.state, run.pushed, run.withheld) == (RunState.SUCCEEDED, 9, 3)
    # Nothing new: the next run pushes nothing again (what it pulls back is a no-op).
    second = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    db.expire_all()
    pushed_again = db.scalar(
        select(func.count())
        .select_from(SyncOutcome)
        .where(SyncOutcome.run_id == second.run_id, SyncOutcome.direction == Direction.PUSH)
    )
    assert pushed_again == 0
    assert len(_versions(db, setup.local.id)) == 7


def test_pull_resumes_after_a_crash_without_loss_or_duplicates(
    db: Session, session_factory: sessionmaker[Session], setup: Setup, client_factory: Any
) -> None:
    world = setup.world
    for n in range(25):
        store(db, world.other_state, setup.remote, [indicator(n, label=Tlp.GREEN)])
    db.commit()
    mapping = db.get(Mapping, setup.mapping.id)
    assert mapping is not None
    mapping.push = False
    db.commit()
    calls = {"pages": 0}

    def crashing(peer: Peer) -> Any:
        client = client_factory(peer)
        original = client.get_objects

        def get_objects(*args: Any, **kwargs: Any) -> Any:
            calls["pages"] += 1
            if calls["pages"] == 3:
                raise RuntimeError("the process died")
            kwargs["limit"] = 10
            return original(*args, **kwargs)

        client.get_objects = get_objects
        return client

    with pytest.raises(RuntimeError, match="the process died"):
        sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=crashing)
    db.expire_all()
    partial = _versions(db, setup.local.id)
    assert 0 < len(partial) < 25  # two pages committed, the rest not
    mapping = db.get(Mapping, setup.mapping.id)
    assert mapping is not None
    assert mapping.pull_added_after is not None

    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok, report.error
    db.expire_all()
    assert _versions(db, setup.local.id) == sorted(_versions(db, setup.remote.id))
    assert len(_versions(db, setup.local.id)) == 25


def test_new_versions_are_pulled_and_the_run_counts_them(
    db: Session, session_factory: sessionmaker[Session], setup: Setup, client_factory: Any
) -> None:
    world = setup.world
    store(db, world.other_state, setup.remote, [indicator(1, label=Tlp.GREEN)])
    db.commit()
    sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    newer = indicator(1, label=Tlp.GREEN, modified="2026-10-02T00:00:00.000Z")
    store(db, world.other_state, setup.remote, [newer])
    db.commit()
    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    db.expire_all()
    assert len(_versions(db, setup.local.id)) == 2
    assert report.pulled >= 1


def test_an_unreachable_peer_backs_off_and_alerts_its_admins(
    db: Session, session_factory: sessionmaker[Session], setup: Setup
) -> None:
    from datetime import timedelta  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    from aseancyber.db import set_clock, utcnow  # noqa: PLC0415
    from aseancyber.federation.client import Credentials, TaxiiClient  # noqa: PLC0415
    from aseancyber.federation.models import PeerAuth  # noqa: PLC0415
    from aseancyber.notify.models import Notification  # noqa: PLC0415

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def down(peer: Peer) -> TaxiiClient:
        http = httpx.Client(transport=httpx.MockTransport(refused))
        return TaxiiClient(
            peer.api_root_url,
            Credentials(PeerAuth.BEARER, "", "x"),
            http=http,
            sleep=lambda _: None,
        )

    start = utcnow()
    set_clock(lambda: start)
    first = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=down)
    assert not first.ok
    assert "cannot reach the peer" in first.error
    assert "after 4 attempts" in first.error
    db.expire_all()
    peer = db.get(Peer, setup.peer.id)
    assert peer is not None
    assert peer.next_attempt_at == start + timedelta(minutes=1)
    assert health.peer_health(db, peer=peer, reader=None).state == "failing"
    set_clock(lambda: start + timedelta(minutes=61))
    sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=down)
    db.expire_all()
    peer = db.get(Peer, setup.peer.id)
    assert peer is not None
    assert peer.consecutive_failures == 2
    assert peer.next_attempt_at == start + timedelta(minutes=61 + 2)
    alerts = db.scalars(
        select(Notification).where(Notification.user_id == setup.world.org_admin.id)
    ).all()
    assert [a.title for a in alerts] == ["Federation peer mycert-node has failed for 61 minutes"]
    # A third failure does not alert again.
    set_clock(lambda: start + timedelta(minutes=70))
    sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=down)
    db.expire_all()
    assert (
        len(
            db.scalars(
                select(Notification).where(Notification.user_id == setup.world.org_admin.id)
            ).all()
        )
        == 1
    )


def test_a_run_cut_short_is_reported_as_interrupted(
    db: Session, session_factory: sessionmaker[Session], setup: Setup, client_factory: Any
) -> None:
    cut_short = SyncRun(peer_id=setup.peer.id, trigger="manual")  # as kill -9 leaves it
    db.add(cut_short)
    db.commit()
    report = sync.sync_peer(session_factory, peer_id=setup.peer.id, client_factory=client_factory)
    assert report.ok
    db.expire_all()
    stale = db.get(SyncRun, cut_short.id)
    assert stale is not None
    assert stale.state is RunState.FAILED
    assert stale.error.startswith("interrupted")
