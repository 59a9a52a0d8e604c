"""MISP sharing controls mapped to TLP 2.0, failing closed, in both directions.

Importing, an event's label is the strictest of what its TLP tags say and what its
distribution level allows; an attribute or MISP object is never wider than its event and
may be stricter (its own tags and distribution). Every row below is tested
(``tests/interop/test_misp_labels.py``):

====================================================  ======================================
MISP input                                            TLP 2.0 label (at least)
====================================================  ======================================
tag ``tlp:clear`` or ``tlp:white``                    TLP:CLEAR
tag ``tlp:green``                                     TLP:GREEN
tag ``tlp:amber``                                     TLP:AMBER
tag ``tlp:amber+strict``                              TLP:AMBER+STRICT
tag ``tlp:red``                                       TLP:RED
any other ``tlp:`` tag (``tlp:ex:chr``, typos, ...)   TLP:AMBER+STRICT (unrecognised marking)
several TLP tags                                      the strictest of them
no TLP tag                                            the collection's default, never below
                                                      TLP:GREEN
distribution 0 (your organisation only)               TLP:AMBER+STRICT
distribution 1 (this community only)                  TLP:AMBER
distribution 2 (connected communities)                TLP:AMBER
distribution 3 (all communities)                      no floor (the tags decide)
distribution 4 (sharing group)                        TLP:AMBER+STRICT (the MISP group's
                                                      members are not known here: only the
                                                      importing organisation reads it)
distribution 5 (inherit event), attribute or object   the event's
distribution absent (MISP feed files omit it)         no floor (the tags decide)
distribution anything else (7, "x", -1, true)         refused, naming the value
====================================================  ======================================

The label is then the stricter of the tag row and the distribution row. TLP tags are
matched case-insensitively with surrounding spaces ignored, as MISP's taxonomy does.

Exporting (the feed), an event carries the MISP taxonomy tag of its label and the
distribution level that keeps MISP from spreading it wider: CLEAR -> 3 (all
communities), GREEN -> 1 (this community only), AMBER, AMBER+STRICT and RED -> 0 (your
organisation only).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from aseancyber.access.policy import Tlp, stricter
from aseancyber.sharing.stix import UNRECOGNISED_MARKING_LABEL

TLP_TAGS: dict[str, Tlp] = {
    "tlp:clear": Tlp.CLEAR,
    "tlp:white": Tlp.CLEAR,
    "tlp:green": Tlp.GREEN,
    "tlp:amber": Tlp.AMBER,
    "tlp:amber+strict": Tlp.AMBER_STRICT,
    "tlp:red": Tlp.RED,
}
TAG_FOR_LABEL: dict[Tlp, str] = {
    Tlp.CLEAR: "tlp:clear",
    Tlp.GREEN: "tlp:green",
    Tlp.AMBER: "tlp:amber",
    Tlp.AMBER_STRICT: "tlp:amber+strict",
    Tlp.RED: "tlp:red",
}
# The colours MISP's TLP taxonomy gives its tags.
TAG_COLOURS: dict[Tlp, str] = {
    Tlp.CLEAR: "#ffffff",
    Tlp.GREEN: "#339900",
    Tlp.AMBER: "#FFC000",
    Tlp.AMBER_STRICT: "#FFC000",
    Tlp.RED: "#CC0033",
}
INHERIT_EVENT = 5
DISTRIBUTION_FLOORS: dict[int, Tlp | None] = {
    0: Tlp.AMBER_STRICT,
    1: Tlp.AMBER,
    2: Tlp.AMBER,
    3: None,
    4: Tlp.AMBER_STRICT,
}
DISTRIBUTION_FOR_LABEL: dict[Tlp, int] = {
    Tlp.CLEAR: 3,
    Tlp.GREEN: 1,
    Tlp.AMBER: 0,
    Tlp.AMBER_STRICT: 0,
    Tlp.RED: 0,
}


class DistributionRefused(ValueError):
    """A distribution level that is not one of MISP's."""


def tag_names(tags: Any) -> list[str]:
    """The names of a MISP ``Tag`` list (dicts with ``name``, or plain strings)."""
    if not isinstance(tags, list):
        return []
    names = []
    for tag in tags:
        name = tag.get("name") if isinstance(tag, Mapping) else tag
        if isinstance(name, str):
            names.append(name)
    return names


def tags_label(names: Iterable[str]) -> Tlp | None:
    """The strictest label the ``tlp:`` tags among ``names`` give, or None without any."""
    label: Tlp | None = None
    for name in names:
        key = name.strip().lower()
        if not key.startswith("tlp:"):
            continue
        found = TLP_TAGS.get(key, UNRECOGNISED_MARKING_LABEL)
        label = found if label is None else stricter(label, found)
    return label


def distribution_floor(
    value: Any, *, inherited: Tlp | None = None, where: str = "event"
) -> Tlp | None:
    """What a ``distribution`` value makes a record at least (None: no floor).

    ``inherited`` is the event's floor, for distribution 5 on an attribute or object.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DistributionRefused(f"{where} has distribution {value!r}, which MISP does not define")
    text = str(value).strip()
    if not text.isdigit() or int(text) not in (*DISTRIBUTION_FLOORS, INHERIT_EVENT):
        raise DistributionRefused(f"{where} has distribution {value!r}, which MISP does not define")
    level = int(text)
    if level == INHERIT_EVENT:
        if where == "event":
            raise DistributionRefused(
                "event has distribution 5 (inherit), which only attributes use"
            )
        return inherited
    return DISTRIBUTION_FLOORS[level]


def event_label(event: Mapping[str, Any], *, collection_default: Tlp) -> Tlp:
    """The label of an imported event: its TLP tags (else the collection's default, never
    below GREEN), made at least as strict as its distribution level."""
    label = tags_label(tag_names(event.get("Tag")))
    if label is None:
        label = stricter(collection_default, Tlp.GREEN)
    floor = distribution_floor(event.get("distribution"))
    return label if floor is None else stricter(label, floor)


def part_label(part: Mapping[str, Any], *, event: Tlp, event_floor: Tlp | None, where: str) -> Tlp:
    """The label of an attribute or MISP object: never wider than its event, stricter when
    its own tags or distribution say so."""
    label = event
    own = tags_label(tag_names(part.get("Tag")))
    if own is not None:
        label = stricter(label, own)
    floor = distribution_floor(part.get("distribution"), inherited=event_floor, where=where)
    return label if floor is None else stricter(label, floor)


def feed_tag(label: Tlp) -> dict[str, Any]:
    """The MISP tag an event of ``label`` carries in the feed."""
    return {"name": TAG_FOR_LABEL[label], "colour": TAG_COLOURS[label], "exportable": True}
