"""REST message upload with attachments (multipart), mirroring the case page's form."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import Attachment, Message
from aseancyber.storage import MAX_ATTACHMENT_BYTES
from tests.cases.conftest import Scenario
from tests.readers import TokenFor


def _counts(db: Session) -> tuple[int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Message)) or 0,
        db.scalar(select(func.count()).select_from(Attachment)) or 0,
    )


def test_upload_stores_files_readable_by_the_audience_only(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    url = f"/api/v1/cases/{scenario.case.id}/messages/upload"
    sent = vendor.post(
        url,
        data={"body": "Crash log attached.", "audience": "coordinators"},
        files=[("attachments", ("../../etc/crash.log", b"segfault at 0x41414141", "text/x-log"))],
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "crash.log"  # no path survives
    assert attachment["media_type"] == "text/plain"  # from the extension, not the upload
    download = f"/api/v1/cases/{scenario.case.id}/attachments/{attachment['id']}"
    coordinator = scenario.rest(client, token_for, scenario.my)
    got = coordinator.get(download)
    assert got.status_code == 200
    assert got.content == b"segfault at 0x41414141"
    assert got.headers["content-disposition"] == 'attachment; filename="crash.log"'
    # Another vendor of the same case may not read a coordinators-only message's file.
    other_vendor = scenario.rest(client, token_for, scenario.vendor_users[1])
    assert other_vendor.get(download).status_code == 404
    outsider = scenario.rest(client, token_for, scenario.outsider)
    assert outsider.post(url, data={"body": "x"}).status_code == 404


def test_refused_uploads_name_the_problem_and_keep_nothing(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    vendor = scenario.rest(client, token_for, scenario.vendor_users[0])
    url = f"/api/v1/cases/{scenario.case.id}/messages/upload"
    before = _counts(db)
    too_big = vendor.post(
        url,
        data={"body": "big"},
        files=[("attachments", ("dump.txt", b"x" * (MAX_ATTACHMENT_BYTES + 1)))],
    )
    assert too_big.status_code == 413, too_big.text
    assert "dump.txt is larger than the 5 MiB attachment limit" in too_big.text
    wrong_type = vendor.post(
        url, data={"body": "exe"}, files=[("attachments", ("tool.exe", b"MZ"))]
    )
    assert wrong_type.status_code == 422
    assert "tool.exe: only these file types are accepted" in wrong_type.text
    too_many = vendor.post(
        url,
        data={"body": "many"},
        files=[("attachments", (f"f{n}.txt", b"x")) for n in range(messages.MAX_ATTACHMENTS + 1)],
    )
    assert too_many.status_code == 422
    assert "at most 5 files" in too_many.text
    no_body = vendor.post(url, data={"audience": "all"}, files=[("attachments", ("a.txt", b"x"))])
    assert no_body.status_code == 422
    assert "body" in no_body.text
    unknown = vendor.post(
        url, data={"body": "x", "secret": "1"}, files=[("attachments", ("a.txt", b"x"))]
    )
    assert unknown.status_code == 422
    assert "unknown field secret" in unknown.text
    json_body = vendor.post(url, json={"body": "x"})
    assert json_body.status_code == 415
    assert "multipart/form-data" in json_body.text
    assert _counts(db) == before
