"""The slow case actions, before and after: approving and publishing an advisory, and
ending an embargo, in the 150-vendor case, posted from the case page as a coordinator.

Approving and publishing validate the CSAF document. Before, the ``csaf`` validator ran
as a child process per document (``python -m csaf validate ...``: interpreter start and
rule loading each time); after, it runs in-process through its Python API, loaded once.
Both are timed here on the same database, the "before" by swapping the old child-process
validator back in. Ending the embargo is timed too (it notifies every participant).

Run: ``python -m benchmarks.case_actions`` (``ASEANCYBER_BENCH_QUICK=1``: 2 rounds, not 5).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access import service as access_service
from aseancyber.access.models import Organisation, Role, User
from aseancyber.access.policy import Tlp
from aseancyber.app import create_app
from aseancyber.cases import workflow
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories import validation
from aseancyber.cases.advisories.schemas import AdvisoryCreate
from aseancyber.cases.messages import service as messages
from aseancyber.cases.models import Case, EmbargoState
from aseancyber.cases.schemas import EmbargoAction
from aseancyber.db import utcnow
from aseancyber.errors import FieldProblem
from aseancyber.settings import Environment, Settings, use_settings
from aseancyber.web.security import SESSION_COOKIE
from benchmarks.cases import _build, _user

console = Console()


def _child_process_findings(document: bytes, *, preset: str = "basic") -> list[FieldProblem]:
    """The validator as it ran before: one child process per document."""
    completed = subprocess.run(  # noqa: S603 - fixed argument list, input on stdin
        [
            sys.executable,
            "-m",
            "csaf",
            "validate",
            "--spec-version",
            "v20",
            "--no-network",
            "--preset",
            preset,
            "--format",
            "deprecated-json",
            "-",
        ],
        input=document,
        capture_output=True,
        timeout=120,
        check=False,
    )
    report = orjson.loads(completed.stdout)
    if report.get("isValid", False):
        return []
    return [FieldProblem("document", "the CSAF validator rejected the document")]


@contextmanager
def _validator(before: bool) -> Iterator[None]:
    saved = validation.findings
    if before:
        validation.findings = _child_process_findings  # type: ignore[assignment]
    try:
        yield
    finally:
        validation.findings = saved  # type: ignore[assignment]


def _browser(
    factory: sessionmaker[Session], settings: Settings, email: str
) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings=settings, session_factory=factory))
    with factory.begin() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None, email
        new = access_service.start_session(db, user=user, address="bench")
        new.session.second_factor_done = True
        cookie, csrf_token = new.cookie_value, new.session.csrf_token
    client.cookies.set(SESSION_COOKIE, cookie)
    return client, csrf_token


def _timed(call: Callable[[], None]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def _post(client: TestClient, url: str, data: dict[str, str]) -> None:
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303, (url, response.status_code, response.text[-500:])


def main() -> None:
    rounds = 2 if os.environ.get("ASEANCYBER_BENCH_QUICK") == "1" else 5
    folder = Path(tempfile.mkdtemp(prefix="aseancyber-bench-actions-"))
    settings = Settings(
        environment=Environment.TEST,
        secret_key="benchmark-secret-key",  # noqa: S106 - a throwaway database only
        database_url=f"sqlite:///{folder / 'unused.db'}",
        run_jobs_in_process=False,
        _env_file=None,
    )
    use_settings(settings)
    messages.set_storage_dir(folder / "attachments")
    console.rule("case actions: approve, publish, end the embargo (150 vendors)")
    figures: dict[tuple[str, str], list[float]] = {}
    try:
        factory, cases, coordinator_email = _build(folder / "cases.db")
        case_id = cases["large"][0]
        with factory.begin() as db:
            my_cert = db.scalar(select(Organisation).where(Organisation.short_name == "MY"))
            assert my_cert is not None
            _user(db, my_cert, "co@bench.example", Role.COORDINATOR)
        lead = _browser(factory, settings, coordinator_email)
        co = _browser(factory, settings, "co@bench.example")
        actions = f"/cases/{case_id}/actions"
        for mode, before in (("before: child process", True), ("after: in-process", False)):
            with _validator(before):
                for _ in range(rounds):
                    with factory.begin() as db:
                        lead_actor = access_service.actor_for(
                            db.scalars(select(User).where(User.email == coordinator_email)).one()
                        )
                        advisory = advisories.draft(
                            db,
                            actor=lead_actor,
                            case_id=case_id,
                            data=AdvisoryCreate(publish_tlp=Tlp.CLEAR),
                        ).id
                    for name, (client, token) in (("approve", lead), ("approve", co)):
                        figures.setdefault((mode, name), []).append(
                            _timed(
                                partial(
                                    _post,
                                    client,
                                    f"{actions}/approve",
                                    {"csrf_token": token, "advisory_id": advisory},
                                )
                            )
                        )
                    figures.setdefault((mode, "publish"), []).append(
                        _timed(
                            partial(
                                _post,
                                lead[0],
                                f"{actions}/publish",
                                {"csrf_token": lead[1], "advisory_id": advisory},
                            )
                        )
                    )
                    with factory.begin() as db:
                        for step in (
                            EmbargoAction(action="propose", ends_at=utcnow() + timedelta(days=9)),
                            EmbargoAction(action="accept"),
                        ):
                            workflow.embargo(db, actor=lead_actor, case_id=case_id, data=step)
                    figures.setdefault((mode, "end embargo"), []).append(
                        _timed(
                            partial(
                                _post,
                                lead[0],
                                f"{actions}/embargo",
                                {"csrf_token": lead[1], "action": "end", "reason": "bench"},
                            )
                        )
                    )
                    with factory.begin() as db:
                        # Benchmark only: reset the ended embargo so the next round can
                        # propose one again (Vultron never restarts an exited embargo).
                        case = db.get(Case, case_id)
                        assert case is not None
                        case.embargo_state = EmbargoState.NONE
        factory.kw["bind"].dispose()
    finally:
        messages.set_storage_dir(None)
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()
    table = Table(title=f"Slow case actions from the case page (ms, median of {rounds} rounds)")
    table.add_column("action")
    table.add_column("before: child-process validator", justify="right")
    table.add_column("after: in-process validator", justify="right")
    for name in ("approve", "publish", "end embargo"):
        table.add_row(
            name,
            f"{statistics.median(figures[('before: child process', name)]):.0f}",
            f"{statistics.median(figures[('after: in-process', name)]):.0f}",
        )
    console.print(table)
    console.print(
        "  The in-process validator's first use in a process loads its rules once "
        "(seconds); the figures after that are what each later action costs."
    )


if __name__ == "__main__":
    main()
