"""/metrics shows a dead or stuck background worker from its heartbeat (issue 17), while
/readyz keeps the web tier in service."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.db import utcnow
from aseancyber.jobs.models import WorkerHeartbeat
from tests.ops.test_metrics import samples, scraper

__all__ = ["scraper"]  # the metrics fixture


def test_a_dead_and_a_stuck_worker_show_in_the_metrics_and_readyz_stays_ready(
    client: TestClient, db: Session, scraper: dict[str, str]
) -> None:
    ready = client.get("/readyz").status_code
    found = samples(client.get("/metrics", headers=scraper).text)
    assert ("aseancyber_worker_last_seen_seconds", ()) not in found  # no worker ever ran
    assert found[("aseancyber_workers_alive", ())] == 0

    now = utcnow()
    db.add(
        WorkerHeartbeat(
            worker_id="dead:1:1",
            started_at=now - timedelta(days=1),
            last_seen_at=now - timedelta(hours=2),
            job_id="j-dead",
            job_kind="federation.sync",
            job_started_at=now - timedelta(hours=3),
        )
    )
    db.commit()
    found = samples(client.get("/metrics", headers=scraper).text)
    assert found[("aseancyber_worker_last_seen_seconds", ())] >= 7200
    assert found[("aseancyber_workers_alive", ())] == 0
    assert not [key for key in found if key[0] == "aseancyber_worker_job_running_seconds"]
    assert client.get("/readyz").status_code == ready  # the web tier keeps serving

    db.add_all(
        [
            WorkerHeartbeat(worker_id="idle:1:1", started_at=now, last_seen_at=now),
            WorkerHeartbeat(
                worker_id="stuck:1:1",
                started_at=now - timedelta(hours=1),
                last_seen_at=now - timedelta(seconds=5),
                job_id="j-stuck",
                job_kind="email.send",
                job_started_at=now - timedelta(minutes=20),
            ),
        ]
    )
    db.commit()
    found = samples(client.get("/metrics", headers=scraper).text)
    assert found[("aseancyber_worker_last_seen_seconds", ())] < 60
    assert found[("aseancyber_workers_alive", ())] == 2
    stuck = found[("aseancyber_worker_job_running_seconds", (("kind", "email.send"),))]
    assert 1200 <= stuck < 1200 + 60
    assert ("aseancyber_worker_job_running_seconds", (("kind", "federation.sync"),)) not in found
