"""A small TAXII 2.1 client over httpx: what federation needs, with retries and back-off.

taxii2-client is the reference client, but it parses every envelope into Python objects
and offers no hook for back-off or for sending stored JSON text as is; this client keeps
envelopes as bytes where it can and retries transport failures, 429 and 5xx answers with
exponential back-off (``backoff * 2**attempt`` seconds, honouring ``Retry-After``).
"""

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from aseancyber.federation.models import PeerAuth
from aseancyber.sharing.envelope_stream import EnvelopeError, decode_document

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


class TaxiiError(Exception):
    """The peer could not be reached, or answered with an error (its message kept)."""

    def __init__(
        self, message: str, status: int | None = None, *, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.unreachable = unreachable  # no answer, or only 429/5xx, after every attempt


@dataclass(frozen=True)
class Credentials:
    auth: PeerAuth
    username: str
    secret: str

    def header(self) -> str:
        if self.auth is PeerAuth.BEARER:
            return f"Bearer {self.secret}"
        raw = f"{self.username}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


@dataclass(frozen=True)
class ObjectsPage:
    objects: list[dict[str, Any]]
    more: bool
    next: str | None
    date_added_last: str | None


class TaxiiClient:
    """One peer's API root; every method raises :class:`TaxiiError` with a clear message."""

    def __init__(
        self,
        api_root_url: str,
        credentials: Credentials,
        *,
        http: httpx.Client | None = None,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
    ) -> None:
        self.root = api_root_url if api_root_url.endswith("/") else api_root_url + "/"
        self.owns_http = http is None  # a client passed in is closed by whoever made it
        self.http = http or httpx.Client(timeout=timeout)
        self.headers = {"Accept": TAXII_MEDIA_TYPE, "Authorization": credentials.header()}
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    def _request(
        self, method: str, url: str, *, params: dict[str, str] | None = None, body: bytes = b""
    ) -> httpx.Response:
        headers = dict(self.headers)
        if body:
            headers["Content-Type"] = TAXII_MEDIA_TYPE
        problem = ""
        for attempt in range(self.attempts):
            wait = self.backoff * 2**attempt
            try:
                response = self.http.request(
                    method, url, params=params, content=body or None, headers=headers
                )
            except httpx.HTTPError as error:
                problem = f"cannot reach the peer: {type(error).__name__}: {error}"
            else:
                if response.status_code not in RETRIED_STATUSES:
                    if response.status_code >= 400:
                        raise TaxiiError(_error_text(response), response.status_code)
                    return response
                problem = _error_text(response)
                wait = max(wait, _retry_after(response))
            if attempt + 1 < self.attempts:
                self.sleep(wait)
        raise TaxiiError(f"{problem} (after {self.attempts} attempts)", unreachable=True)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            value = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            raise TaxiiError("the peer answered with text that is not JSON") from None
        if not isinstance(value, dict):
            raise TaxiiError("the peer answered with JSON that is not an object")
        return value

    def _objects_url(self, collection_id: str) -> str:
        return f"{self.root}collections/{quote(collection_id, safe='')}/objects/"

    def get_objects(
        self,
        collection_id: str,
        *,
        added_after: str | None = None,
        next_token: str | None = None,
        limit: int = 1000,
        match_id: str | None = None,
        match_version: str = "all",
    ) -> ObjectsPage:
        """One page of objects, every version, in ascending date_added (section 5.4)."""
        params = {"limit": str(limit), "match[version]": match_version}
        if added_after:
            params["added_after"] = added_after
        if next_token:
            params["next"] = next_token
        if match_id:
            params["match[id]"] = match_id
        response = self._request("GET", self._objects_url(collection_id), params=params)
        # Not orjson: it turns integers past 64 bits into floats (a silent change) and
        # refuses a whole page for one NaN; here each such object is refused on its own.
        try:
            envelope = decode_document(response.content) if response.content else {}
        except EnvelopeError as error:
            raise TaxiiError(f"the peer's page {error.problems[0].message}") from None
        if not isinstance(envelope, dict):
            raise TaxiiError("the peer answered with JSON that is not an object")
        objects = envelope.get("objects") or []
        if not isinstance(objects, list):
            raise TaxiiError("the peer's envelope has an objects member that is not a list")
        following = envelope.get("next")
        return ObjectsPage(
            objects=objects,
            more=bool(envelope.get("more", False)),
            next=following if isinstance(following, str) and following else None,
            date_added_last=response.headers.get("X-TAXII-Date-Added-Last"),
        )

    def add_objects(
        self, collection_id: str, bodies: Sequence[str], *, polls: int = 5
    ) -> dict[str, Any]:
        """POST stored JSON texts as one envelope (section 5.5); the final status resource."""
        envelope = b'{"objects":[' + ",".join(bodies).encode() + b"]}"
        status = self._json(self._request("POST", self._objects_url(collection_id), body=envelope))
        for attempt in range(polls):
            if status.get("status") != "pending" or not isinstance(status.get("id"), str):
                break
            self.sleep(self.backoff * 2**attempt)
            status = self.status(status["id"])
        return status

    def status(self, status_id: str) -> dict[str, Any]:
        """A status resource (section 4.3)."""
        return self._json(self._request("GET", f"{self.root}status/{quote(status_id, safe='')}/"))


def _error_text(response: httpx.Response) -> str:
    detail = ""
    try:
        body = orjson.loads(response.content)
        if isinstance(body, dict):
            detail = " ".join(
                str(body[key]) for key in ("title", "description") if body.get(key)
            ).strip()
    except orjson.JSONDecodeError:
        detail = response.text[:200].strip()
    return f"the peer answered {response.status_code}" + (f": {detail}" if detail else "")


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0
