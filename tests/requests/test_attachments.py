"""Attachments of requests and of norm assessments (evidence files), matrix style: for every
label and every reader, the file is listed and downloaded exactly when the reader may see
its parent record (404 otherwise, on REST and pages alike); bad uploads are refused naming
the problem and leave nothing behind; every download is audited."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber import storage
from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.norms import attachments as norm_attachments
from aseancyber.norms.models import NormAssessmentAttachment
from aseancyber.requests import attachments as request_attachments
from aseancyber.requests import files
from aseancyber.requests.models import RequestAttachment
from tests.factories import actor
from tests.matrix import EXPECTED, LABELS
from tests.norms.matrix import _make_assessment
from tests.readers import BrowserFor, ClientsFor, TokenFor, World
from tests.requests.matrix import make_request

PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture(autouse=True)
def stored_files(tmp_path: Path) -> Iterator[Path]:
    storage.use_file_store(storage.LocalStore(tmp_path / "attachments"))
    yield tmp_path / "attachments"
    storage.use_file_store(None)


def _attach_request(db: Session, world: World, record_id: str) -> str:
    added = request_attachments.upload(
        db,
        actor=actor(world.author),
        request_id=record_id,
        uploads=[files.Upload("report.pdf", PDF)],
    )
    return added[0].id


def _attach_assessment(db: Session, world: World, record_id: str) -> str:
    added = norm_attachments.upload(
        db,
        actor=actor(world.author),
        assessment_id=record_id,
        uploads=[files.Upload("evidence.pdf", PDF)],
    )
    return added[0].id


PARENTS: dict[str, tuple[Callable[..., str], Callable[[Session, World, str], str], str, str]] = {
    "request": (make_request, _attach_request, "/api/v1/requests/{id}", "/requests/{id}"),
    "norm_assessment": (
        _make_assessment,
        _attach_assessment,
        "/api/v1/norms/assessments/{id}",
        "/norms/assessments/{id}",
    ),
}


@pytest.mark.parametrize("parent", sorted(PARENTS))
@pytest.mark.parametrize("reader_name", sorted(EXPECTED))
def test_files_are_seen_exactly_with_their_parent(
    parent: str, reader_name: str, db: Session, world: World, clients_for: ClientsFor
) -> None:
    make, attach, rest_base, page_base = PARENTS[parent]
    made = {}
    for name, (tlp, external) in LABELS.items():
        record_id = make(db, world, tlp, external, f"files{name}")
        made[name] = (record_id, attach(db, world, record_id))
    db.commit()
    user = None if reader_name == "anonymous" else getattr(world, reader_name)
    rest, page = clients_for(user)
    for name, (record_id, file_id) in made.items():
        visible = name in EXPECTED[reader_name]
        listing = rest.get(rest_base.format(id=record_id) + "/attachments")
        rest_file = rest.get(rest_base.format(id=record_id) + f"/attachments/{file_id}")
        page_file = page.get(page_base.format(id=record_id) + f"/attachments/{file_id}")
        if visible:
            assert listing.status_code == 200, (name, listing.text)
            assert [item["id"] for item in listing.json()] == [file_id]
            assert rest_file.status_code == 200, name
            assert rest_file.content == PDF, name
            assert page_file.status_code == 200, name
            assert page_file.content == PDF, name
            assert rest_file.headers["x-content-type-options"] == "nosniff"
            assert rest_file.headers["content-type"] == "application/pdf"
        else:
            hidden = (401, 404) if user is None else (404,)
            assert listing.status_code in hidden, name
            assert rest_file.status_code in hidden, name
            assert page_file.status_code in (*hidden, 303), name
            # Nothing of the file leaks (its id in the answer is the caller's own input).
            assert ".pdf" not in listing.text + rest_file.text + page_file.text, name


def _audit_count(db: Session, action: str) -> int:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
        or 0
    )


def test_downloads_are_audited(
    db: Session, world: World, client: TestClient, token_for: TokenFor
) -> None:
    request_id = make_request(db, world, Tlp.AMBER, False, "audited")
    file_id = _attach_request(db, world, request_id)
    assessment_id = _make_assessment(db, world, Tlp.GREEN, False, "audited")
    evidence_id = _attach_assessment(db, world, assessment_id)
    db.commit()
    requests_before = _audit_count(db, "request.attachment_download")
    norms_before = _audit_count(db, "norm_assessment.attachment_download")
    headers = token_for(world.recipient)
    assert (
        client.get(
            f"/api/v1/requests/{request_id}/attachments/{file_id}", headers=headers
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/norms/assessments/{assessment_id}/attachments/{evidence_id}", headers=headers
        ).status_code
        == 200
    )
    assert _audit_count(db, "request.attachment_download") == requests_before + 1
    assert _audit_count(db, "norm_assessment.attachment_download") == norms_before + 1


def _post(client: TestClient, url: str, headers: dict[str, str], *items: tuple[str, bytes]) -> Any:
    return client.post(
        url,
        headers=headers,
        files=[
            ("attachments", (name, content, "application/octet-stream")) for name, content in items
        ],
    )


def test_bad_uploads_are_refused_naming_the_problem_and_keep_nothing(
    db: Session, world: World, client: TestClient, token_for: TokenFor, stored_files: Path
) -> None:
    request_id = make_request(db, world, Tlp.AMBER, False, "bad")
    assessment_id = _make_assessment(db, world, Tlp.GREEN, False, "bad")
    db.commit()
    headers = token_for(world.author)
    for url in (
        f"/api/v1/requests/{request_id}/attachments",
        f"/api/v1/norms/assessments/{assessment_id}/attachments",
    ):
        too_big = _post(client, url, headers, ("big.pdf", b"x" * (files.MAX_BYTES + 1)))
        assert too_big.status_code == 413, too_big.text
        assert "big.pdf is larger than the limit of 5 MiB" in too_big.json()["detail"]
        wrong_type = _post(client, url, headers, ("ok.pdf", PDF), ("run.exe", b"MZ"))
        assert wrong_type.status_code == 422
        assert "run.exe: only these file types are accepted" in wrong_type.json()["detail"]
        empty = _post(client, url, headers, ("empty.txt", b""))
        assert empty.status_code == 422
        assert "empty.txt is empty" in empty.json()["detail"]
        too_many = _post(client, url, headers, *[(f"f{n}.txt", b"x") for n in range(6)])
        assert too_many.status_code == 422
        assert "at most 5 files" in too_many.json()["detail"]
        hostile = _post(client, url, headers, ("../../etc/pass wd.txt", b"fine"))
        assert hostile.status_code == 201, hostile.text
        assert hostile.json()[0]["filename"] == "pass wd.txt"
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(RequestAttachment)) == 1
    assert db.scalar(select(func.count()).select_from(NormAssessmentAttachment)) == 1
    # The refused uploads left no file behind.
    assert len(list(stored_files.iterdir())) == 2


def test_only_those_who_may_edit_add_files(
    db: Session, world: World, client: TestClient, token_for: TokenFor
) -> None:
    assessment_id = _make_assessment(db, world, Tlp.GREEN, False, "edit")
    hidden_id = _make_assessment(db, world, Tlp.AMBER, False, "hidden")
    db.commit()
    url = "/api/v1/norms/assessments/{}/attachments"
    other = token_for(world.other_state)
    assert _post(client, url.format(assessment_id), other, ("a.txt", b"x")).status_code == 403
    assert _post(client, url.format(hidden_id), other, ("a.txt", b"x")).status_code == 404
    viewer = token_for(world.colleague)
    assert _post(client, url.format(assessment_id), viewer, ("a.txt", b"x")).status_code == 403


def test_page_upload_and_download(db: Session, world: World, browser_for: BrowserFor) -> None:
    request_id = make_request(db, world, Tlp.AMBER, False, "page")
    db.commit()
    browser = browser_for(world.recipient)
    response = browser.client.post(
        f"/requests/{request_id}/attachments",
        data={"csrf_token": browser.csrf},
        files=[("attachments", ("answer.txt", b"the answer", "text/plain"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = browser.client.get(response.headers["location"])
    assert "1 file(s) added." in page.text
    assert "answer.txt" in page.text
    bad = browser.client.post(
        f"/requests/{request_id}/attachments",
        data={"csrf_token": browser.csrf},
        files=[("attachments", ("answer.html", b"<script>", "text/html"))],
    )
    assert "only these file types are accepted" in bad.text


def test_evidence_page_upload_is_for_the_assessing_state(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    assessment_id = _make_assessment(db, world, Tlp.GREEN, False, "pageupload")
    db.commit()
    author = browser_for(world.author)
    page = author.client.get(f"/norms/assessments/{assessment_id}")
    assert 'enctype="multipart/form-data"' in page.text
    response = author.client.post(
        f"/norms/assessments/{assessment_id}/attachments",
        data={"csrf_token": author.csrf},
        files=[("attachments", ("minutes.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    shown = author.client.get(response.headers["location"]).text
    assert "minutes.pdf" in shown
    # Another state's analyst sees the file, but gets no upload form and cannot upload.
    other = browser_for(world.other_state)
    seen = other.client.get(f"/norms/assessments/{assessment_id}").text
    assert "minutes.pdf" in seen
    assert 'enctype="multipart/form-data"' not in seen
    refused = other.client.post(
        f"/norms/assessments/{assessment_id}/attachments",
        data={"csrf_token": other.csrf},
        files=[("attachments", ("x.txt", b"x", "text/plain"))],
        follow_redirects=False,
    )
    assert refused.status_code == 403
