"""Stored OpenPGP signatures of published CSAF documents (CSAF 2.0 section 7.1.19).

An OpenPGP signature carries its creation time, so signing on every read would serve a
different ``.asc`` each time (valid, but an aggregator mirroring the folder would see a
change that is none). A signature is therefore made once per (signing key, exact document
bytes) and stored: when the advisory is published or revised, or at the first read after
the operator changed the key (a key rotation re-signs: the new fingerprint has no row yet).
Reads serve the stored one.
"""

import hashlib
import logging
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.cases.provider import signing
from aseancyber.cases.provider.models import CsafSignature
from aseancyber.db import defer_write, insert_missing, utcnow

log = logging.getLogger(__name__)


def _stored(db: Session, *, fingerprint: str, digest: str) -> str | None:
    return db.scalar(
        select(CsafSignature.signature).where(
            CsafSignature.key_fingerprint == fingerprint, CsafSignature.content_sha256 == digest
        )
    )


def _store(db: Session, *, row: dict[str, object]) -> None:
    # Another process may have signed the same bytes first: theirs stays, both are valid.
    insert_missing(db, CsafSignature, [row])


def signature_for(
    db: Session, *, key: signing.SigningKey, advisory_id: str, content: bytes
) -> bytes:
    """The stored signature of ``content`` by ``key``, made and stored first if there is none
    (on a read-only request, stored right after the read)."""
    digest = hashlib.sha256(content).hexdigest()
    found = _stored(db, fingerprint=key.fingerprint, digest=digest)
    if found is not None:
        return found.encode("ascii")
    made = signing.signature(key, content)
    row: dict[str, object] = {
        "key_fingerprint": key.fingerprint,
        "content_sha256": digest,
        "advisory_id": advisory_id,
        "signature": made.decode("ascii"),
        "signed_at": utcnow(),
    }
    if not defer_write(db, partial(_store, row=row)):
        _store(db, row=row)
    return made


def sign_published(db: Session, *, advisory_id: str, content: bytes) -> None:
    """Sign a document just published or revised with the configured key, if any. A key
    that cannot be used does not stop the publication: its ``.asc`` then answers 503 with
    the key's problem until the operator fixes it (the files are signed at that read)."""
    try:
        key = signing.configured_key()
    except signing.SigningUnavailable as problem:
        log.warning("CSAF document %s published unsigned: %s", advisory_id, problem.detail)
        return
    if key is not None:
        signature_for(db, key=key, advisory_id=advisory_id, content=content)
