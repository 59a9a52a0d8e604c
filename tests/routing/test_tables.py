"""The operator's IP-to-ASN files and the in-memory table, without a database."""

import ipaddress
import itertools

import pytest

from aseancyber.routing import asn_files, table


def _ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


def test_pfx2as_reads_multi_origin_and_as_sets() -> None:
    parsed = asn_files.read(
        ["1.0.0.0\t24\t13335\n", "1.0.4.0\t22\t38803_56203\n", "2001:db8::\t32\t{64500,64501}\n"],
        "pfx2as",
    )
    assert [(r.family, r.asn, r.origins) for r in parsed.ranges] == [
        (4, 13335, ""),
        (4, 38803, "38803_56203"),
        (6, 64500, "{64500,64501}"),
    ]
    assert parsed.ranges[1].start == _ip("1.0.4.0")
    assert parsed.ranges[1].end == _ip("1.0.7.255")


def test_iptoasn_reads_ranges_names_and_skips_not_routed() -> None:
    parsed = asn_files.read(
        [
            "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n",
            "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n",
            "2403:e800::\t2403:e800:ffff:ffff:ffff:ffff:ffff:ffff\t4788\tMY\tTMNET-AS-AP\n",
        ],
        "iptoasn",
    )
    assert [(r.family, r.asn) for r in parsed.ranges] == [(4, 13335), (6, 4788)]
    assert parsed.names == {13335: ("CLOUDFLARENET", "US"), 4788: ("TMNET-AS-AP", "MY")}


@pytest.mark.parametrize(
    ("line", "file_format", "message"),
    [
        ("1.0.0.0\t33\t1\n", "pfx2as", "line 2"),
        ("1.0.0.0\t24\tABC\n", "pfx2as", "is not a number"),
        ("1.0.0.0\n", "pfx2as", "expected prefix"),
        ("1.0.0.9\t1.0.0.1\t5\tUS\tX\n", "iptoasn", "before its start"),
        ("1.0.0.0\t24\t99999999999\n", "pfx2as", "beyond 32 bits"),
    ],
)
def test_bad_lines_are_named(line: str, file_format: str, message: str) -> None:
    with pytest.raises(asn_files.AsnFileProblem, match=message):
        asn_files.read(["# comment\n", line], file_format)


def test_format_is_detected_from_the_first_line() -> None:
    assert asn_files.detect_format("1.0.0.0\t24\t13335") == "pfx2as"
    assert asn_files.detect_format("1.0.0.0\t1.0.0.255\t13335\tUS\tX") == "iptoasn"
    with pytest.raises(asn_files.AsnFileProblem):
        asn_files.detect_format("1.0.0.0 24 13335")


def test_nested_prefixes_flatten_with_the_most_specific_winning() -> None:
    parsed = asn_files.read(
        [
            "10.0.0.0\t8\t1\n",
            "10.1.0.0\t16\t2\n",
            "10.1.2.0\t24\t3\n",
            "10.200.0.0\t16\t4\n",
            "10.1.0.0\t16\t2\n",  # a duplicate line changes nothing
        ],
        "pfx2as",
    )
    flat = asn_files.flatten(parsed.ranges)
    assert [(str(ipaddress.ip_address(r.start)), r.asn) for r in flat] == [
        ("10.0.0.0", 1),
        ("10.1.0.0", 2),
        ("10.1.2.0", 3),
        ("10.1.3.0", 2),
        ("10.2.0.0", 1),
        ("10.200.0.0", 4),
        ("10.201.0.0", 1),
    ]
    for before, after in itertools.pairwise(flat):
        assert before.end < after.start
    lookup = table.build((1, None), [(r.family, r.start, r.end, r.asn) for r in flat])
    cases = {
        "9.255.255.255": 0,
        "10.0.0.0": 1,
        "10.1.1.255": 2,
        "10.1.2.0": 3,
        "10.1.2.255": 3,
        "10.1.3.0": 2,
        "10.199.255.255": 1,
        "10.200.0.1": 4,
        "10.255.255.255": 1,
        "11.0.0.0": 0,
        "255.255.255.255": 0,
    }
    assert lookup.asns_v4_text(list(cases)) == list(cases.values())


def test_adjacent_ranges_of_one_as_merge() -> None:
    parsed = asn_files.read(["10.0.0.0\t24\t7\n", "10.0.1.0\t24\t7\n"], "pfx2as")
    assert len(asn_files.flatten(parsed.ranges)) == 1


def test_ipv6_lookup_and_gaps() -> None:
    parsed = asn_files.read(
        ["2001:db8::\t32\t64500\n", "2001:db8:1::\t48\t64501\n", "2400::\t12\t4788\n"], "pfx2as"
    )
    flat = asn_files.flatten(parsed.ranges)
    lookup = table.build((1, None), [(r.family, r.start, r.end, r.asn) for r in flat])
    assert lookup.asn_of(6, _ip("2001:db8::1")) == 64500
    assert lookup.asn_of(6, _ip("2001:db8:1::5")) == 64501
    assert lookup.asn_of(6, _ip("2001:db8:2::")) == 64500
    assert lookup.asn_of(6, _ip("2001:db9::")) == 0
    assert lookup.asn_of(6, _ip("2400:1::1")) == 4788
    assert lookup.asn_of(6, _ip("::1")) == 0
    assert lookup.asn_of(4, _ip("1.2.3.4")) == 0  # no IPv4 ranges at all


def test_non_ipv4_text_is_refused_by_the_fast_path() -> None:
    lookup = table.build((1, None), [(4, 0, 10, 1)])
    with pytest.raises(OSError, match="illegal IP address"):
        lookup.asns_v4_text(["1.2.3.4", "example.org"])
