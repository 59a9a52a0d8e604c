"""Fixtures for MISP and OpenCTI interop: realistic MISP event files and REST clients."""

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict[str, Any]:
    """A fixture file, parsed (a fresh copy each call: tests change them)."""
    return copy.deepcopy(orjson.loads((DATA / name).read_bytes()))


@pytest.fixture
def circl_event() -> dict[str, Any]:
    """A MISP event shaped like the CIRCL OSINT feed's: TLP:GREEN, ip-dst, domain, url and
    sha256 attributes (to_ids and context-only ones), a file object and a Malpedia galaxy."""
    return load("circl_osint_event.json")
