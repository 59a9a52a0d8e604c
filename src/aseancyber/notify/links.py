"""Signed, expiring, single-use links (password reset, invitations, acknowledgements)."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.notify.models import UsedLink
from aseancyber.settings import get_settings


@dataclass(frozen=True)
class LinkClaim:
    purpose: str
    subject: str
    nonce: str
    expires_at: datetime


def _signature(payload: bytes) -> str:
    key = hashlib.sha256(b"signed-link:" + get_settings().secret_key.encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode()


def make_token(purpose: str, subject: str, *, max_age_seconds: int | None = None) -> str:
    """A token for ``purpose`` about ``subject`` (a record id), valid once until it expires."""
    age = max_age_seconds or get_settings().signed_link_max_age_seconds
    expires = int((utcnow() + timedelta(seconds=age)).timestamp())
    payload = orjson.dumps({"p": purpose, "s": subject, "n": secrets.token_hex(16), "e": expires})
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(payload).rstrip('=')}"


def read_token(token: str, purpose: str) -> LinkClaim:
    """Check a token's signature, purpose and expiry without spending it."""
    damaged = Invalid("this link is damaged or was not issued by this platform", "link")
    body, _, signature = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:
        raise damaged from error
    # The signature is checked before the payload is parsed: nothing forged is ever read.
    expected = _signature(payload).rstrip("=")
    if not hmac.compare_digest(signature.encode(errors="replace"), expected.encode()):
        raise damaged
    data = orjson.loads(payload)
    if data.get("p") != purpose:
        raise Invalid("this link is not meant for this page", "link")
    expires_at = datetime.fromtimestamp(int(data["e"]), tz=UTC)
    if expires_at <= utcnow():
        raise Invalid("this link has expired; ask for a new one", "link")
    return LinkClaim(purpose, str(data["s"]), str(data["n"]), expires_at)


def consume_token(db: Session, token: str, purpose: str) -> LinkClaim:
    """Check a token and spend it: a second use is refused and records nothing."""
    claim = read_token(token, purpose)
    if db.get(UsedLink, claim.nonce) is not None:
        raise Invalid("this link has already been used", "link")
    try:
        with db.begin_nested():
            db.add(UsedLink(nonce=claim.nonce, purpose=purpose, expires_at=claim.expires_at))
    except IntegrityError as error:  # a concurrent request spent it first
        raise Invalid("this link has already been used", "link") from error
    return claim
