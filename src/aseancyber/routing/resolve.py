"""Who is responsible for each finding: the batch resolution, without writing anything.

A finding is an IPv4/IPv6 address, a domain name or an AS number (``AS4788``). The rules,
most specific first, each named in the answer:

- ``registry:asn``: the constituency registry names the finding's AS;
- ``registry:domain``: the registry names a suffix of the domain (the longest wins);
- ``registry:country``: the registry names the finding's country;
- ``directory:national-cert``: the country is a member state; its national CERT (from the
  community directory) is responsible;
- ``directory:cctld``: the domain ends in a member state's country-code top-level domain;
- ``non-member``: the country is known but is not a member state and no entry names it;
- ``unknown``: no country could be found (unrouted address, unknown AS, generic TLD).

Countries of addresses come from ``iptocc`` (offline registry data), ASes from the
operator's table (:mod:`aseancyber.routing.table`).
"""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from socket import AF_INET, inet_pton
from typing import Literal

import iptocc
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.routing.models import ConstituencyEntry, ConstituencyKind
from aseancyber.routing.table import LookupTable

FindingKind = Literal["ipv4", "ipv6", "domain", "asn"]
RULE_REGISTRY_ASN = "registry:asn"
RULE_REGISTRY_DOMAIN = "registry:domain"
RULE_REGISTRY_COUNTRY = "registry:country"
RULE_NATIONAL_CERT = "directory:national-cert"
RULE_CCTLD = "directory:cctld"
RULE_NON_MEMBER = "non-member"
RULE_UNKNOWN = "unknown"
MAX_PROBLEMS = 20

_ASN = re.compile(r"^AS(?:N)?\s?(\d{1,10})$", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class OrganisationInfo:
    id: str
    name: str
    short_name: str
    member_state_iso2: str | None


@dataclass
class Directory:
    """The registry and the member states' national CERTs, as plain dictionaries."""

    member_states: dict[str, str] = field(default_factory=dict)  # iso2 -> name
    organisations: dict[str, OrganisationInfo] = field(default_factory=dict)
    # Country -> (organisation id, rule); ``None`` (no country) maps to no organisation.
    country_org: dict[str | None, str | None] = field(default_factory=dict)
    country_rule: dict[str | None, str] = field(default_factory=dict)
    asn_org: dict[int, str] = field(default_factory=dict)
    domain_org: dict[str, str] = field(default_factory=dict)


def load_directory(db: Session) -> Directory:
    """The registry and national CERTs as they are now (a few small queries)."""
    directory = Directory()
    for state in db.scalars(select(MemberState).order_by(MemberState.iso2)):
        directory.member_states[state.iso2] = state.name
    certs = db.scalars(
        select(Organisation)
        .join(MemberState, Organisation.member_state_id == MemberState.id)
        .where(Organisation.kind == OrganisationKind.NATIONAL_CERT)
        .order_by(Organisation.name)
    ).all()
    entries = db.scalars(select(ConstituencyEntry).order_by(ConstituencyEntry.key)).all()
    for organisation in [*certs, *(entry.organisation for entry in entries)]:
        directory.organisations[organisation.id] = OrganisationInfo(
            organisation.id,
            organisation.name,
            organisation.short_name,
            organisation.member_state.iso2 if organisation.member_state is not None else None,
        )
    directory.country_rule[None] = RULE_UNKNOWN
    directory.country_org[None] = None
    for cert in certs:
        assert cert.member_state is not None
        iso2 = cert.member_state.iso2
        if iso2 not in directory.country_org:  # several CERTs: the first by name
            directory.country_org[iso2] = cert.id
            directory.country_rule[iso2] = RULE_NATIONAL_CERT
    for iso2 in directory.member_states:
        directory.country_rule.setdefault(iso2, RULE_NATIONAL_CERT)
    for entry in entries:
        if entry.kind is ConstituencyKind.COUNTRY:
            directory.country_org[entry.key] = entry.organisation_id
            directory.country_rule[entry.key] = RULE_REGISTRY_COUNTRY
        elif entry.kind is ConstituencyKind.ASN:
            directory.asn_org[int(entry.key)] = entry.organisation_id
        else:
            directory.domain_org[entry.key] = entry.organisation_id
    return directory


@dataclass(frozen=True)
class Finding:
    value: str  # normalised: compressed address, lower-case domain, "AS<n>"
    kind: FindingKind
    number: int = 0  # the address as an integer, or the AS number


def normalise_domain(text: str) -> str | None:
    """The lower-case ASCII (IDNA) form of a domain name, or None if it is not one."""
    candidate = text.strip().rstrip(".").lower()
    if not candidate or len(candidate) > 253 or "." not in candidate:
        return None
    if not candidate.isascii():
        try:
            candidate = candidate.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = candidate.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return candidate


def parse_finding(text: str) -> Finding | None:
    """One finding from text, or None when it is no address, domain or AS number."""
    value = text.strip()
    if not value or len(value) > 253:
        return None
    try:  # dotted-quad IPv4 first: most findings are, and inet_pton is the cheap check
        number = int.from_bytes(inet_pton(AF_INET, value), "big")
    except OSError:
        pass
    else:
        return Finding(value, "ipv4", number)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        kind: FindingKind = "ipv4" if address.version == 4 else "ipv6"
        return Finding(str(address), kind, int(address))
    match = _ASN.match(value)
    if match:
        number = int(match.group(1))
        return Finding(f"AS{number}", "asn", number) if number < 1 << 32 else None
    domain = normalise_domain(value)
    return Finding(domain, "domain") if domain else None


def parse_findings(values: Sequence[str], field_name: str = "findings") -> list[Finding]:
    """Every finding, or :class:`Invalid` naming the items that are none (by position)."""
    found: list[Finding] = []
    problems: list[FieldProblem] = []
    for position, text in enumerate(values):
        finding = parse_finding(text)
        if finding is None:
            if len(problems) < MAX_PROBLEMS:
                shown = text.strip()[:80]
                problems.append(
                    FieldProblem(
                        f"{field_name}[{position}]",
                        f"{shown!r} is not an IP address, a domain name or an AS number (AS123)",
                    )
                )
            continue
        found.append(finding)
    if problems:
        raise Invalid(problems)
    return found


@dataclass
class Resolution:
    """Columns, one entry per finding, in the order given."""

    countries: list[str | None]
    asns: list[int]
    organisation_ids: list[str | None]
    rules: list[str]


def resolve_ipv4_text(
    addresses: list[str], *, table: LookupTable, directory: Directory
) -> Resolution:
    """Resolve a batch of dotted-quad IPv4 addresses (the fast path; OSError on others)."""
    countries: list[str | None] = iptocc.country_code(addresses)
    asns = table.asns_v4_text(addresses)
    return _decide(countries, asns, directory)


def _decide(countries: list[str | None], asns: list[int], directory: Directory) -> Resolution:
    organisation_ids = list(map(directory.country_org.get, countries))
    rules = list(map(directory.country_rule.get, countries, repeat(RULE_NON_MEMBER)))
    by_asn = list(map(directory.asn_org.get, asns))
    # Registry AS entries are few: visit only the findings one of them names.
    for position in compress(count(), by_asn):
        organisation_ids[position] = by_asn[position]
        rules[position] = RULE_REGISTRY_ASN
    return Resolution(countries, asns, organisation_ids, rules)


def resolve(findings: Sequence[Finding], *, table: LookupTable, directory: Directory) -> Resolution:
    """Resolve parsed findings of any kind (addresses in one batch, the rest one by one)."""
    size = len(findings)
    countries: list[str | None] = [None] * size
    asns = [0] * size
    addresses = [(i, f) for i, f in enumerate(findings) if f.kind in ("ipv4", "ipv6")]
    if addresses:
        codes = iptocc.country_code([f.value for _, f in addresses])
        for (position, _), code in zip(addresses, codes, strict=True):
            countries[position] = code
        v4 = [(i, f.number) for i, f in addresses if f.kind == "ipv4"]
        for (position, _), asn in zip(v4, table.asns_v4([n for _, n in v4]), strict=True):
            asns[position] = asn
        for position, finding in addresses:
            if finding.kind == "ipv6":
                asns[position] = table.asn_v6(finding.number)
    for position, finding in enumerate(findings):
        if finding.kind == "asn":
            asns[position] = finding.number
            country = table.names.get(finding.number, ("", ""))[1]
            countries[position] = country or None
    resolution = _decide(countries, asns, directory)
    for position, finding in enumerate(findings):
        if finding.kind == "domain":
            _resolve_domain(resolution, position, finding.value, directory)
    return resolution


def _resolve_domain(
    resolution: Resolution, position: int, domain: str, directory: Directory
) -> None:
    labels = domain.split(".")
    for start in range(len(labels)):
        suffix = ".".join(labels[start:])
        if suffix in directory.domain_org:
            resolution.organisation_ids[position] = directory.domain_org[suffix]
            resolution.rules[position] = RULE_REGISTRY_DOMAIN
            return
    tld = labels[-1].upper()
    if len(tld) == 2 and tld in directory.member_states:
        resolution.countries[position] = tld
        resolution.organisation_ids[position] = directory.country_org.get(tld)
        if directory.country_rule.get(tld) == RULE_REGISTRY_COUNTRY:
            resolution.rules[position] = RULE_REGISTRY_COUNTRY
        else:
            resolution.rules[position] = RULE_CCTLD
    else:
        resolution.rules[position] = RULE_UNKNOWN


@dataclass(frozen=True)
class Routed:
    """One finding with everything the answer shows."""

    value: str
    kind: FindingKind
    country: str | None
    asn: int | None
    as_name: str
    state_iso2: str | None
    state_name: str | None
    organisation: OrganisationInfo | None
    rule: str


def rows(
    findings: Sequence[Finding], resolution: Resolution, *, table: LookupTable, directory: Directory
) -> list[Routed]:
    """The resolution as one row per finding, with names for people."""
    out = []
    for position, finding in enumerate(findings):
        organisation_id = resolution.organisation_ids[position]
        organisation = directory.organisations.get(organisation_id) if organisation_id else None
        country = resolution.countries[position]
        state = organisation.member_state_iso2 if organisation is not None else None
        if state is None and country in directory.member_states:
            state = country
        asn = resolution.asns[position] or None
        out.append(
            Routed(
                value=finding.value,
                kind=finding.kind,
                country=country,
                asn=asn,
                as_name=table.names.get(asn, ("", ""))[0] if asn else "",
                state_iso2=state,
                state_name=directory.member_states.get(state) if state else None,
                organisation=organisation,
                rule=resolution.rules[position],
            )
        )
    return out
