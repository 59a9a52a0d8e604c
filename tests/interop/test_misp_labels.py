"""Every row of the MISP -> TLP 2.0 table in ``interop.misp_labels`` (and the way back)."""

from typing import Any

import pytest

from aseancyber.access.policy import Tlp
from aseancyber.interop import misp_labels as labels


def _event(*tags: str, distribution: Any = "3") -> dict[str, Any]:
    event: dict[str, Any] = {"Tag": [{"name": tag} for tag in tags]}
    if distribution is not None:
        event["distribution"] = distribution
    return event


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("tlp:clear",), Tlp.CLEAR),
        (("tlp:white",), Tlp.CLEAR),
        (("tlp:green",), Tlp.GREEN),
        (("tlp:amber",), Tlp.AMBER),
        (("tlp:amber+strict",), Tlp.AMBER_STRICT),
        (("tlp:red",), Tlp.RED),
        (("TLP:Amber ",), Tlp.AMBER),  # MISP matches taxonomy tags case-insensitively
        (("tlp:ex:chr",), Tlp.AMBER_STRICT),  # another tlp: tag: unrecognised
        (("tlp:unclear",), Tlp.AMBER_STRICT),
        (("tlp:green", "tlp:red"), Tlp.RED),  # several: the strictest
        (("tlp:clear", "tlp:amber", "type:OSINT"), Tlp.AMBER),
        (("tlp:green", "tlp:purple"), Tlp.AMBER_STRICT),
    ],
)
def test_tlp_tags(tags: tuple[str, ...], expected: Tlp) -> None:
    assert labels.event_label(_event(*tags), collection_default=Tlp.CLEAR) is expected


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        (Tlp.CLEAR, Tlp.GREEN),  # never below GREEN
        (Tlp.GREEN, Tlp.GREEN),
        (Tlp.AMBER, Tlp.AMBER),
        (Tlp.AMBER_STRICT, Tlp.AMBER_STRICT),
    ],
)
def test_no_tlp_tag_takes_the_collection_default_never_below_green(
    default: Tlp, expected: Tlp
) -> None:
    event = _event("type:OSINT", 'misp-galaxy:malpedia="Agent Tesla"')
    assert labels.event_label(event, collection_default=default) is expected
    assert labels.event_label({}, collection_default=default) is expected


@pytest.mark.parametrize(
    ("distribution", "expected"),
    [
        ("0", Tlp.AMBER_STRICT),
        (0, Tlp.AMBER_STRICT),
        ("1", Tlp.AMBER),
        ("2", Tlp.AMBER),
        ("3", Tlp.CLEAR),  # no floor: the tag decides
        (3, Tlp.CLEAR),
        ("4", Tlp.AMBER_STRICT),
        (None, Tlp.CLEAR),  # absent (MISP feed files): no floor
    ],
)
def test_distribution_floors(distribution: Any, expected: Tlp) -> None:
    event = _event("tlp:clear", distribution=distribution)
    assert labels.event_label(event, collection_default=Tlp.GREEN) is expected
    # A floor never lowers a stricter tag.
    red = _event("tlp:red", distribution=distribution)
    assert labels.event_label(red, collection_default=Tlp.GREEN) is Tlp.RED


@pytest.mark.parametrize("distribution", ["7", 7, "-1", -1, "x", "", True, 3.0, [3], "5"])
def test_an_event_distribution_misp_does_not_define_is_refused(distribution: Any) -> None:
    with pytest.raises(labels.DistributionRefused, match="distribution"):
        labels.event_label(
            _event("tlp:green", distribution=distribution), collection_default=Tlp.GREEN
        )


def test_parts_inherit_and_are_never_wider_than_their_event() -> None:
    amber = Tlp.AMBER
    inherit = {"distribution": "5"}
    assert labels.part_label(inherit, event=amber, event_floor=Tlp.AMBER, where="a") is amber
    assert labels.part_label(inherit, event=Tlp.CLEAR, event_floor=Tlp.AMBER_STRICT, where="a") is (
        Tlp.AMBER_STRICT
    )
    assert labels.part_label({}, event=amber, event_floor=None, where="a") is amber
    wider = {"distribution": "3", "Tag": [{"name": "tlp:clear"}]}
    assert labels.part_label(wider, event=amber, event_floor=None, where="a") is amber
    org_only = {"distribution": "0"}
    assert labels.part_label(org_only, event=Tlp.GREEN, event_floor=None, where="a") is (
        Tlp.AMBER_STRICT
    )
    red = {"distribution": "5", "Tag": [{"name": "tlp:red"}]}
    assert labels.part_label(red, event=Tlp.GREEN, event_floor=None, where="a") is Tlp.RED
    with pytest.raises(labels.DistributionRefused, match="attribute x has distribution '9'"):
        labels.part_label({"distribution": "9"}, event=amber, event_floor=None, where="attribute x")


@pytest.mark.parametrize(
    ("label", "tag", "distribution"),
    [
        (Tlp.CLEAR, "tlp:clear", 3),
        (Tlp.GREEN, "tlp:green", 1),
        (Tlp.AMBER, "tlp:amber", 0),
        (Tlp.AMBER_STRICT, "tlp:amber+strict", 0),
        (Tlp.RED, "tlp:red", 0),
    ],
)
def test_feed_tags_and_distribution(label: Tlp, tag: str, distribution: int) -> None:
    assert labels.feed_tag(label)["name"] == tag
    assert labels.DISTRIBUTION_FOR_LABEL[label] == distribution
    # What the feed writes, imported again, is never wider than it was (MISP's distribution
    # levels are coarser than TLP: GREEN comes back AMBER, AMBER comes back AMBER+STRICT).
    event = _event(tag, distribution=str(distribution))
    again = labels.event_label(event, collection_default=Tlp.CLEAR)
    assert again.rank >= label.rank
