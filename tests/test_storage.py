"""The file store: local directory and S3-compatible bucket behind one interface."""

import datetime as dt
import hashlib
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from aseancyber import storage
from aseancyber.settings import Settings

ACCESS = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_the_signature_is_aws_signature_version_4() -> None:
    # The "GET Object" example of the Amazon S3 API reference (Signature Version 4,
    # authenticating with the Authorization header): its published signature.
    headers = storage.sign(
        method="GET",
        host="examplebucket.s3.amazonaws.com",
        path="/test.txt",
        query="",
        headers={"Range": "bytes=0-9"},
        payload=b"",
        region="us-east-1",
        access_key=ACCESS,
        secret_key=SECRET,
        now=dt.datetime(2013, 5, 24, tzinfo=dt.UTC),
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_a_local_store_keeps_bytes_under_names_it_makes(tmp_path: Path) -> None:
    store = storage.LocalStore(tmp_path / "blobs")
    name = store.put(b"pcap bytes")
    assert re.fullmatch(r"[0-9a-f]{40}", name)
    assert store.get(name) == b"pcap bytes"
    assert store.put(b"pcap bytes") != name  # never the same name twice
    store.delete(name)
    assert store.get(name) is None
    store.delete(name)  # deleting twice is fine
    (tmp_path / "secret").write_bytes(b"not a blob")
    for hostile in ("../secret", "/etc/passwd", "A" * 40, "", "0" * 39):
        assert store.get(hostile) is None
    store.delete("../secret")
    assert (tmp_path / "secret").exists()


class Bucket:
    """An S3 endpoint in memory that checks every request's SigV4 signature with the secret
    (recomputed from what arrived on the wire), as S3 does."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.fail_with: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        stamp = dt.datetime.strptime(request.headers["x-amz-date"] + "+0000", "%Y%m%dT%H%M%SZ%z")
        expected = storage.sign(
            method=request.method,
            host=request.headers["host"],
            path=request.url.raw_path.decode(),
            query="",
            headers={},
            payload=request.content,
            region="ap-southeast-1",
            access_key=ACCESS,
            secret_key=SECRET,
            now=stamp,
        )
        if request.headers["authorization"] != expected["authorization"]:
            return httpx.Response(403, text="SignatureDoesNotMatch")
        if request.headers["x-amz-content-sha256"] != hashlib.sha256(request.content).hexdigest():
            return httpx.Response(400, text="XAmzContentSHA256Mismatch")
        if self.fail_with is not None:
            return httpx.Response(self.fail_with)
        key = request.url.path.removeprefix("/evidence/")
        if request.method == "PUT":
            self.objects[key] = request.content
            return httpx.Response(200)
        if request.method == "GET":
            if key not in self.objects:
                return httpx.Response(404, text="NoSuchKey")
            return httpx.Response(200, content=self.objects[key])
        if request.method == "DELETE":
            self.objects.pop(key, None)
            return httpx.Response(204)
        return httpx.Response(405)


def _s3(bucket: Bucket, secret: str = SECRET) -> storage.S3Store:
    return storage.S3Store(
        endpoint="https://store.example.org:9000",
        bucket="evidence",
        region="ap-southeast-1",
        access_key=ACCESS,
        secret_key=secret,
        prefix="attachments",
        transport=httpx.MockTransport(bucket),
    )


def test_an_s3_store_puts_gets_and_deletes_signed_objects() -> None:
    bucket = Bucket()
    store = _s3(bucket)
    name = store.put(b"%PDF-1.4 evidence")
    assert bucket.objects == {f"attachments/{name}": b"%PDF-1.4 evidence"}
    assert store.get(name) == b"%PDF-1.4 evidence"
    store.delete(name)
    assert store.get(name) is None
    assert store.get("../../other-bucket/key") is None  # never sent


def test_an_s3_store_that_refuses_or_is_down_answers_503_naming_it() -> None:
    with pytest.raises(storage.StoreError, match="HTTP 403") as refused:
        _s3(Bucket(), secret="wrong").put(b"x")
    assert refused.value.status == 503
    bucket = Bucket()
    bucket.fail_with = 500
    with pytest.raises(storage.StoreError, match="HTTP 500"):
        _s3(bucket).get("0" * 40)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    store = _s3(Bucket())
    store.client = httpx.Client(transport=httpx.MockTransport(down))
    with pytest.raises(storage.StoreError, match="did not answer"):
        store.put(b"x")


def test_settings_choose_the_store_and_refuse_an_incomplete_s3_one(tmp_path: Path) -> None:
    local = storage.store_for(Settings(attachments_dir=tmp_path))
    assert isinstance(local, storage.LocalStore)
    assert local.directory == tmp_path
    with pytest.raises(ValidationError, match="ASEANCYBER_S3_BUCKET"):
        Settings(file_store="s3", s3_endpoint="https://s3.example.org", s3_access_key="a")
    with pytest.raises(ValidationError, match="http"):
        Settings(
            file_store="s3",
            s3_endpoint="s3.example.org",
            s3_bucket="b",
            s3_access_key="a",
            s3_secret_key="s",
        )
    s3 = storage.store_for(
        Settings(
            file_store="s3",
            s3_endpoint="https://s3.example.org/",
            s3_bucket="b",
            s3_access_key="a",
            s3_secret_key="s",
        )
    )
    assert isinstance(s3, storage.S3Store)
    assert s3.endpoint == "https://s3.example.org"
