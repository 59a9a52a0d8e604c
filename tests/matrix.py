"""The permission matrix's registry: every shareable record type says how to make one and
where it can be read. ``tests/access/test_permission_matrix.py`` runs the same matrix over
each entry; a shareable model without an entry fails that test."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Tlp
from aseancyber.manifests import MANIFESTS
from tests.readers import World

# (label, green_includes_external) for every distinct visibility a record can have.
LABELS: dict[str, tuple[Tlp, bool]] = {
    "clear": (Tlp.CLEAR, False),
    "green": (Tlp.GREEN, False),
    "green-external": (Tlp.GREEN, True),
    "amber": (Tlp.AMBER, False),
    "amber-strict": (Tlp.AMBER_STRICT, False),
    "red": (Tlp.RED, False),
}

# Which labels each reader may see, for records owned by the author's organisation, written
# by the author, and naming ``recipient_org`` and ``named_user`` as their audience. Written
# out by hand from BRIEF.md's trust model, not derived from the code under test.
EXPECTED: dict[str, set[str]] = {
    "anonymous": {"clear"},
    "author": set(LABELS),
    "colleague": set(LABELS) - {"red"},
    "org_admin": set(LABELS) - {"red"},
    "other_state": {"clear", "green", "green-external"},
    "recipient": set(LABELS),
    "named_user": set(LABELS),
    "named_users_colleague": {"clear", "green", "green-external"},
    "external": {"clear", "green-external"},
    "coordinator": {"clear", "green", "green-external"},
    "platform_admin": {"clear", "green", "green-external"},
}

# Makes one record as ``world.author`` with the given label, audience recipient_org and
# named_user, and ``marker`` in its searchable text; returns its id.
Maker = Callable[[Session, World, Tlp, bool, str], str]


@dataclass(frozen=True)
class Shareable:
    make: Maker
    rest_list: str
    rest_detail: str  # with {id}
    rest_export: str  # JSON with "items", each with "id"
    page_list: str
    page_detail: str  # with {id}
    page_export: str  # JSON with "items"
    search_param: str = "q"
    # Readers whose expectation differs for this kind, with the reason in the entry.
    expected_overrides: tuple[tuple[str, frozenset[str]], ...] = ()

    def expected(self, reader_name: str) -> set[str]:
        """The labels ``reader_name`` may see for records of this kind."""
        return set(dict(self.expected_overrides).get(reader_name, EXPECTED[reader_name]))


@dataclass(frozen=True)
class Probe:
    """One exit path a derived record may leak through: the record is found there when the
    answer is 200 and holds ``needle`` (its id, or a marker in its text)."""

    path: str  # "rest...", "page..." (read with the signed-in browser) or "taxii..."
    url: str
    needle: str
    headers: tuple[tuple[str, str], ...] = ()
    members_only: bool = False  # no anonymous reader can ask (TAXII needs credentials)


@dataclass(frozen=True)
class Made:
    """A derived record as made: its exit paths, to look for it on."""

    probes: tuple[Probe, ...]


# Makes one record derived from the parent ``parent_id`` (of its entry's kind), as ``by``
# (a named recipient of the parent), with ``marker`` in its text.
DerivedMaker = Callable[[Session, World, str, User, str], Made]


@dataclass(frozen=True)
class Derived:
    """A record type derived from a shareable parent (a sighting of a STIX object, a message
    in a case). Made by a named recipient of the parent, it must be visible to exactly the
    readers who may see the parent: no more (a leak), and no fewer."""

    parent: str  # a MATRIX kind
    make: DerivedMaker


# Who makes the derived record: a member of the named recipient organisation, and a user
# named individually (whose organisation may not see the parent).
DERIVED_MAKERS = ("recipient", "named_user")

MATRIX: dict[str, Shareable] = {}
DERIVED: dict[str, Derived] = {}  # derived records, by name


def _gather() -> None:
    """Each package that the site's manifests list keeps its entries in
    ``tests/<package>/matrix.py`` (``ENTRIES``, and ``DERIVED`` when it has derived records):
    a new shareable domain adds that file, not a line here."""
    for manifest in MANIFESTS:
        try:
            entries = importlib.import_module(f"tests.{manifest.name}.matrix")
        except ModuleNotFoundError as missing:
            if missing.name not in {f"tests.{manifest.name}", f"tests.{manifest.name}.matrix"}:
                raise  # a matrix module that fails to import is an error, not "no entries"
            continue
        MATRIX.update(entries.ENTRIES)
        DERIVED.update(getattr(entries, "DERIVED", {}))


# Domain entries import ``Shareable`` from this module, so they are gathered at the end.
_gather()

# For every shareable kind without derived records, why.
NOT_YET = "derived records not covered by this matrix yet"
NO_DERIVED: dict[str, str] = {
    "document": NOT_YET,
    "advisory": "an advisory is itself derived from its case and has its own matrix entry",
    "contact": NOT_YET,
    "norm_assessment": NOT_YET,
    "request": NOT_YET,
    "initiative": "overlaps (derived from two initiatives): "
    "tests/initiatives/overlaps/test_overlaps.py and test_attacks_derived.py",
    "position": NOT_YET,
    "engagement": NOT_YET,
}
