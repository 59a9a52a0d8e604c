"""Where the bytes of uploaded files live (case attachments, request files, norm evidence):
one interface, configured in settings, so no domain knows whether they sit in a local
directory or in an S3-compatible object store.

- ``local`` (the default): one file a blob in ``ASEANCYBER_ATTACHMENTS_DIR``; right for one
  host (and for ``make run``).
- ``s3``: one object a blob in a bucket of an S3-compatible store (``ASEANCYBER_S3_ENDPOINT``,
  path-style addressing, so MinIO, Ceph RGW, Garage and AWS all answer), signed with AWS
  Signature Version 4; what several server hosts sharing one database need.

A blob is named by the store with 40 random hex digits and is never overwritten; a name of
any other shape is refused before it reaches the disk or the network, so a stored name
can never point outside the store. The rows that describe a file (name, media type, size,
SHA-256, who may read it) stay in the database; the store keeps bytes only.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.errors import ServiceError
from aseancyber.settings import Settings, get_settings

NAME = re.compile(r"[0-9a-f]{40}")

# Attachments (case messages, request files, norm evidence): the size limit, and the media
# type of each allowed extension (the type is taken from this list, never from the upload).
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ALLOWED_TYPES = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".zip": "application/zip",
    ".pcap": "application/vnd.tcpdump.pcap",
}


class StoredFileColumns:
    """Mixin for a table whose rows each describe one stored file (case attachments, request
    files, norm evidence): the cleaned display name, the media type served, the size and
    SHA-256 of the bytes, and the name the store keeps them under."""

    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)


class StoreError(ServiceError):
    """The store did not take or give back a blob (store unreachable, refusing): the request
    answers 503 with this message, and its transaction is rolled back."""

    status = 503
    title = "File store unavailable"


class FileStore(Protocol):
    def put(self, content: bytes) -> str:
        """Keep ``content`` under a new name, and return the name."""
        ...

    def get(self, name: str) -> bytes | None:
        """The blob's bytes, or ``None`` when there is none of that name."""
        ...

    def delete(self, name: str) -> None:
        """Forget the blob (nothing happens when there is none)."""
        ...


def new_name() -> str:
    return secrets.token_hex(20)


def valid(name: str) -> bool:
    return NAME.fullmatch(name) is not None


class LocalStore:
    """Blobs as files in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.absolute()

    def put(self, content: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = new_name()
        with (self.directory / name).open("xb") as handle:  # "x": never overwrite
            handle.write(content)
        return name

    def get(self, name: str) -> bytes | None:
        path = self.directory / name
        if not valid(name) or not path.is_file():
            return None
        return path.read_bytes()

    def delete(self, name: str) -> None:
        if valid(name):
            (self.directory / name).unlink(missing_ok=True)


class S3Store:
    """Blobs as objects in a bucket of an S3-compatible store (path-style URLs, SigV4)."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        prefix: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.prefix = prefix.strip("/")
        self.client = httpx.Client(transport=transport, timeout=timeout_seconds)

    def _path(self, name: str) -> str:
        key = f"{self.prefix}/{name}" if self.prefix else name
        return f"/{quote(self.bucket)}/{quote(key)}"

    def _send(self, method: str, name: str, content: bytes = b"") -> httpx.Response:
        path = self._path(name)
        host = httpx.URL(self.endpoint).netloc.decode()
        headers = sign(
            method=method,
            host=host,
            path=path,
            query="",
            headers={},
            payload=content,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
            now=dt.datetime.now(dt.UTC),
        )
        try:
            return self.client.request(
                method, f"{self.endpoint}{path}", content=content, headers=headers
            )
        except httpx.HTTPError as error:
            raise StoreError(
                f"the file store at {self.endpoint} did not answer: {error}"
            ) from error

    def put(self, content: bytes) -> str:
        name = new_name()
        response = self._send("PUT", name, content)
        if response.status_code != 200:
            raise StoreError(f"the file store refused a file: HTTP {response.status_code}")
        return name

    def get(self, name: str) -> bytes | None:
        if not valid(name):
            return None
        response = self._send("GET", name)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise StoreError(f"the file store refused a read: HTTP {response.status_code}")
        return response.content

    def delete(self, name: str) -> None:
        if not valid(name):
            return
        response = self._send("DELETE", name)
        if response.status_code not in {200, 204, 404}:
            raise StoreError(f"the file store refused a delete: HTTP {response.status_code}")


def sign(
    *,
    method: str,
    host: str,
    path: str,
    query: str,
    headers: dict[str, str],
    payload: bytes,
    region: str,
    access_key: str,
    secret_key: str,
    now: dt.datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers that sign a request with AWS Signature Version 4 (``headers`` plus
    ``host``, ``x-amz-date``, ``x-amz-content-sha256`` and ``Authorization``). ``path`` is
    already URI-encoded; ``query`` is the canonical query string."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    payload_hash = hashlib.sha256(payload).hexdigest()
    signed = {k.lower(): v.strip() for k, v in headers.items()}
    signed.update({"host": host, "x-amz-date": stamp, "x-amz-content-sha256": payload_hash})
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            path,
            query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_hash,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


def store_for(settings: Settings) -> FileStore:
    """The store ``settings`` name."""
    if settings.file_store == "s3":
        return S3Store(
            endpoint=settings.s3_endpoint,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            prefix=settings.s3_prefix,
        )
    return LocalStore(settings.attachments_dir)


_override: FileStore | None = None


@lru_cache(maxsize=1)
def _configured() -> FileStore:
    return store_for(get_settings())


def file_store() -> FileStore:
    """The process's file store (from settings, unless a test put another in its place)."""
    return _override if _override is not None else _configured()


def use_file_store(store: FileStore | None) -> None:
    """Put ``store`` in place of the configured one (tests); ``None`` restores it."""
    global _override  # noqa: PLW0603 - one process-wide store, swapped only by tests
    _override = store
