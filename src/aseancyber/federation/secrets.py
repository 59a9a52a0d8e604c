"""Peer credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from settings.

``federation_key`` is a Fernet key; when it is unset, one is derived from ``secret_key`` with
HKDF-SHA256, so rotating the secret key also makes stored peer credentials unreadable
(they must be entered again), which is the safe failure.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from aseancyber.errors import Invalid
from aseancyber.settings import Settings, get_settings


def _fernet(settings: Settings) -> Fernet:
    if settings.federation_key:
        try:
            return Fernet(settings.federation_key.encode())
        except ValueError:
            raise Invalid(
                "ASEANCYBER_FEDERATION_KEY must be a Fernet key (32 url-safe base64 bytes)",
                "federation_key",
            ) from None
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"aseancyber-federation",
        info=b"peer-credentials",
    ).derive(settings.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret: str, settings: Settings | None = None) -> str:
    """The secret encrypted for storage."""
    return _fernet(settings or get_settings()).encrypt(secret.encode()).decode()


def decrypt(stored: str, settings: Settings | None = None) -> str:
    """The stored secret in clear; a clear error when the key changed since it was stored."""
    try:
        return _fernet(settings or get_settings()).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise Invalid(
            "the peer's stored credentials cannot be decrypted with the current key: "
            "enter them again",
            "secret",
        ) from None
