"""Hash and OpenPGP signature files of published CSAF documents (CSAF 2.0 sections 7.1.18-20).

The signing key is an OpenPGP secret key file the operator provides
(``ASEANCYBER_CSAF_SIGNING_KEY_PATH``, passphrase in ``ASEANCYBER_CSAF_SIGNING_KEY_PASSPHRASE``),
or, on a development node only, the key ``aseancyber csaf-key`` generated once in ``var/``.
It is never fetched. Signatures are made with Sequoia-PGP (``pysequoia``), detached and
ASCII-armored, over exactly the bytes the folder serves; any OpenPGP implementation (GnuPG,
as aggregators use) verifies them with the public key published in provider-metadata.json.

A key that is configured but cannot be used (unreadable, no secret part, wrong passphrase,
expired or revoked) is refused with a message naming the problem: the node never pretends to
sign, and never signs with a key it could not check.
"""

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pysequoia

from aseancyber.errors import ServiceError
from aseancyber.settings import Environment, get_settings

HASH_ALGORITHMS = ("sha256", "sha512")
DEMO_KEY_PATH = Path("var/csaf-signing-key.asc")


class SigningUnavailable(ServiceError):
    """The configured signing key cannot be used; the operator must fix the configuration."""

    status = 503
    title = "CSAF signing key unavailable"


@dataclass(frozen=True)
class SigningKey:
    """A loaded OpenPGP signing key: its fingerprint, public part and signer."""

    fingerprint: str  # upper-case hex of the primary key, as CSAF pgp_keys shows it
    public_key: str  # the ASCII-armored certificate, without any secret part
    signer: pysequoia.PySigner


def _parse(content: bytes, where: str, passphrase: str | None) -> SigningKey:
    try:
        secret = pysequoia.Tsk.from_bytes(content)
    except Exception as error:  # the library raises plain exceptions for any parse failure
        raise SigningUnavailable(f"{where} is not an OpenPGP key: {str(error)[:120]}") from None
    # A file with only the public part parses too; it armors as a public key block.
    if "PRIVATE KEY BLOCK" not in str(secret):
        raise SigningUnavailable(f"{where} holds only a public key; a secret key is needed")
    certificate = secret.extract_certificate()
    if certificate.is_revoked:
        raise SigningUnavailable(f"the OpenPGP key in {where} is revoked")
    expires = certificate.expiration
    if expires is not None and expires <= datetime.now(UTC):
        raise SigningUnavailable(f"the OpenPGP key in {where} expired on {expires:%Y-%m-%d}")
    try:
        signer = secret.signer(passphrase)
    except Exception:
        raise SigningUnavailable(
            f"cannot unlock the OpenPGP key in {where}: wrong or missing passphrase "
            "(ASEANCYBER_CSAF_SIGNING_KEY_PASSPHRASE), or no signing-capable key"
        ) from None
    return SigningKey(certificate.fingerprint.upper(), str(certificate), signer)


@cache
def _load(path: str, passphrase: str | None, modified_ns: int) -> SigningKey:
    # Keyed on the file's modification time too: replacing the key file takes effect.
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise SigningUnavailable(
            f"cannot read the CSAF signing key {path}: {error.strerror}"
        ) from None
    return _parse(content, path, passphrase)


def key_path() -> Path | None:
    """The signing key file in use: the configured one, or the demo key on development."""
    settings = get_settings()
    if settings.csaf_signing_key_path is not None:
        return settings.csaf_signing_key_path
    if settings.environment is Environment.DEVELOPMENT and DEMO_KEY_PATH.is_file():
        return DEMO_KEY_PATH
    return None


def configured_key() -> SigningKey | None:
    """The signing key, or None when none is configured; SigningUnavailable when one is
    configured but cannot be used."""
    path = key_path()
    if path is None:
        return None
    try:
        modified = path.stat().st_mtime_ns
    except OSError as error:
        raise SigningUnavailable(
            f"cannot read the CSAF signing key {path}: {error.strerror}"
        ) from None
    secret = get_settings().csaf_signing_key_passphrase
    passphrase = secret.get_secret_value() if secret is not None else None
    return _load(str(path), passphrase, modified)


def generate(path: Path, *, user_id: str) -> tuple[SigningKey, bool]:
    """The key in ``path``, generated there first (Ed25519, no passphrase, file mode 0600)
    when there is none; and whether it was generated now."""
    if path.exists():
        return _parse(path.read_bytes(), str(path), None), False
    secret = pysequoia.Tsk.generate(user_id)
    armored = pysequoia.armor(bytes(secret), pysequoia.ArmorKind.SecretKey)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(armored)
    return _parse(armored.encode("ascii"), str(path), None), True


def signature(key: SigningKey, content: bytes) -> bytes:
    """A detached, ASCII-armored OpenPGP signature of ``content``."""
    return pysequoia.sign(key.signer, content, mode=pysequoia.SignatureMode.DETACHED)


def hash_file(content: bytes, *, filename: str, algorithm: str) -> str:
    """The ``.sha256``/``.sha512`` file of ``content``: ``<hex>  <filename>`` (as sha256sum)."""
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"unsupported hash algorithm {algorithm}")
    return f"{hashlib.new(algorithm, content).hexdigest()}  {filename}\n"
