"""Storing indicators for matching tests: through sharing's ingest, as TAXII and pages do."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.sharing import ingest, stix
from aseancyber.sharing.models import Collection
from tests.cli.conftest import (  # noqa: F401 - the CLI fixtures, for ``aseancyber match``
    cli_engine,
    cli_path,
    cli_url,
    initialised,
    initialised_template,
    invoke,
    run_cli,
)
from tests.factories import actor


def indicator(
    pattern: str,
    *,
    tlp: Tlp = Tlp.GREEN,
    name: str = "",
    valid_from: str = "2020-01-01T00:00:00Z",
    valid_until: str | None = None,
    revoked: bool = False,
    stix_id: str | None = None,
    modified: str = "2026-01-01T00:00:00.000Z",
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": name or pattern[:100],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": valid_from,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[tlp]],
    }
    if valid_until is not None:
        obj["valid_until"] = valid_until
    if revoked:
        obj["revoked"] = True
    return obj


def store(
    db: Session,
    *,
    author: User,
    collection: Collection,
    objects: Iterable[dict[str, Any]],
    audience: Iterable[str] = (),
    audience_users: Iterable[str] = (),
    green_includes_external: bool = False,
) -> list[str]:
    """Store objects as ``author`` in ``collection``; the record ids of the new versions."""
    report = ingest.ingest(
        db,
        actor=actor(author),
        collection=collection,
        objects=list(objects),
        audience_organisation_ids=audience,
        audience_user_ids=audience_users,
        green_includes_external=green_includes_external,
    )
    assert report.failures == 0, report.failed
    return report.stored_ids
