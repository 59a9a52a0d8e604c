"""/healthz says the process answers; /readyz says it can serve, or names what it cannot."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from aseancyber.jobs.worker import InProcessWorker
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS


def test_healthz_answers_without_touching_the_database(app: FastAPI, client: TestClient) -> None:
    app.state.session_factory = sessionmaker(bind=create_engine("sqlite:////nonexistent/x.db"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_answers_503_naming_the_database_when_it_is_down(
    app: FastAPI, client: TestClient
) -> None:
    app.state.session_factory = sessionmaker(bind=create_engine("sqlite:////nonexistent/x.db"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Not ready"
    assert problem["detail"] == "not ready: the database cannot be reached"
    assert "nonexistent" not in response.text  # no address, no driver message


def test_readyz_answers_503_when_the_schema_is_not_migrated(
    app: FastAPI, client: TestClient, scratch_database: str
) -> None:
    engine = create_engine(scratch_database)
    try:
        app.state.session_factory = sessionmaker(bind=engine)
        response = client.get("/readyz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert "run `aseancyber init`" in response.json()["detail"]


def test_readyz_needs_the_in_process_worker_when_jobs_run_in_process(
    app: FastAPI, client: TestClient
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"run_jobs_in_process": True})
    app.state.job_worker = None
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "not ready: the in-process job worker is not running"
    worker = InProcessWorker(
        app.state.session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS, poll_seconds=60
    )
    worker.start()
    try:
        app.state.job_worker = worker
        assert client.get("/readyz").status_code == 200
    finally:
        worker.stop()
        app.state.job_worker = None
