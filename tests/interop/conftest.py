"""Fixtures for MISP and OpenCTI interop: realistic MISP event files and REST clients."""

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session

from aseancyber.sharing.models import Collection
from tests.cli.conftest import (  # noqa: F401 - the CLI fixtures, for ``aseancyber misp``
    cli_engine,
    cli_path,
    cli_url,
    initialised,
    initialised_template,
    invoke,
    run_cli,
)
from tests.readers import World
from tests.sharing.conftest import make_collection, taxii_conn

__all__ = ["taxii_conn"]  # the sharing fixture, used here too

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict[str, Any]:
    """A fixture file, parsed (a fresh copy each call: tests change them)."""
    return copy.deepcopy(orjson.loads((DATA / name).read_bytes()))


@pytest.fixture
def circl_event() -> dict[str, Any]:
    """A MISP event shaped like the CIRCL OSINT feed's: TLP:GREEN, ip-dst, domain, url and
    sha256 attributes (to_ids and context-only ones), a file object and a Malpedia galaxy."""
    return load("circl_osint_event.json")


@pytest.fixture
def shared(db: Session, world: World) -> Collection:
    """A collection of the owner organisation that every signed-in reader may read (each
    object still filtered by its label and audience)."""
    collection = make_collection(db, world, public_read=True)
    db.commit()
    return collection
