"""Checking an indicator value before it is shared: refuse what is not a value of its type,
warn about what is rarely worth sharing (like MISP warninglists).

A value that is not an address, domain, URL, e-mail address or hash of the chosen type is
refused with the reason (``999.999.1.1``, ``not a domain at all``, markup). A value in a
warninglist (private, reserved and documentation ranges, well-known benign domains) is a
warning: it is shared only when the sharer says "share anyway".

The warninglists are data shipped in the package (``warninglists/warninglists.json``,
curated from the IANA special-purpose registries and the RFCs each list names); nothing is
downloaded. An operator replaces the file with ``ASEANCYBER_WARNINGLIST_PATH``.
"""

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import orjson

from aseancyber.errors import Invalid
from aseancyber.settings import get_settings
from aseancyber.sharing.urls import canonical_url

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LABEL = r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_EMAIL = re.compile(rf"[a-z0-9!#$%&'*+/=?^_`{{|}}~.-]{{1,64}}@{_DOMAIN.pattern}")
_URL = re.compile(r"([a-z][a-z0-9+.-]{1,15})://([^\s/?#]+)([^\s]*)", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-f]+")
HASH_LENGTHS = {"file-md5": 32, "file-sha256": 64}
MARKUP = re.compile(r"[<>\"`]|javascript:", re.IGNORECASE)


@dataclass(frozen=True)
class Warninglist:
    name: str
    networks: tuple[IpNetwork, ...] = ()
    domains: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CheckedValue:
    """A value that may be shared, in the form it is stored, and the lists it is on."""

    value: str
    warnings: tuple[str, ...]


def _load(text: bytes, source: str) -> tuple[Warninglist, ...]:
    try:
        document = orjson.loads(text)
        lists = []
        for entry in document["lists"]:
            values = [str(v).strip().lower() for v in entry["values"]]
            if entry["type"] == "cidr":
                networks = tuple(ipaddress.ip_network(v, strict=False) for v in values)
                lists.append(Warninglist(str(entry["name"]), networks=networks))
            elif entry["type"] == "domain":
                lists.append(Warninglist(str(entry["name"]), domains=frozenset(values)))
            else:
                raise ValueError(f"unknown list type {entry['type']!r}")
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise RuntimeError(f"the warninglist file {source} is not valid: {error}") from None
    return tuple(lists)


@lru_cache(maxsize=4)
def warninglists_from(path: Path | None) -> tuple[Warninglist, ...]:
    """The warninglists in the operator's file ``path``, else the ones shipped; the app loads
    them at start-up, so a file that is missing or not valid stops the start, not a share."""
    if path is not None:
        try:
            text = path.read_bytes()
        except OSError as error:
            raise RuntimeError(f"the warninglist file {path} cannot be read: {error}") from None
        return _load(text, str(path))
    shipped = resources.files("aseancyber.sharing").joinpath("warninglists/warninglists.json")
    return _load(shipped.read_bytes(), "shipped with aseancyber")


def warninglists() -> tuple[Warninglist, ...]:
    """The warninglists in force: the file settings name, else the one shipped."""
    return warninglists_from(get_settings().warninglist_path)


def _network_warnings(network: IpNetwork) -> list[str]:
    return [
        w.name
        for w in warninglists()
        if any(
            n.version == network.version and (network.subnet_of(n) or n.subnet_of(network))  # type: ignore[arg-type]
            for n in w.networks
        )
    ]


def _domain_warnings(domain: str) -> list[str]:
    labels = domain.split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels))}
    return [w.name for w in warninglists() if suffixes & w.domains]


def _refuse(message: str) -> Invalid:
    return Invalid(message, "value")


def _ip(value: str, version: int) -> tuple[str, list[str]]:
    kind = f"IPv{version}"
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        if version == 4 and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
            raise _refuse(
                f"{value!r} is not an IPv4 address: each of the four numbers must be 0-255"
            ) from None
        raise _refuse(
            f"{value!r} is not an {kind} address or network (e.g. "
            f"{'203.0.113.7 or 203.0.113.0/24' if version == 4 else '2001:db8::7'})"
        ) from None
    if network.version != version:
        raise _refuse(f"{value!r} is an IPv{network.version} address: choose that type")
    if "/" not in value:
        return str(network.network_address), _network_warnings(network)
    return str(network), _network_warnings(network)


def _domain(value: str) -> tuple[str, list[str]]:
    domain = value.lower().rstrip(".")
    if not _DOMAIN.fullmatch(domain) or len(domain) > 253:
        reason = "it contains spaces" if " " in domain else "it is not labels separated by dots"
        raise _refuse(f"{value!r} is not a domain name ({reason}; e.g. evil.example.net)")
    return domain, _domain_warnings(domain)


def _url(value: str) -> tuple[str, list[str]]:
    found = _URL.fullmatch(value)
    if found is None:
        raise _refuse(f"{value!r} is not a URL (scheme://host/path, without spaces)")
    host = found.group(2).rpartition("@")[2].lower()
    if host.startswith("["):
        host_text = host[1:].partition("]")[0]
    else:
        host_text = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        address = ipaddress.ip_address(host_text)
    except ValueError:
        if not _DOMAIN.fullmatch(host_text.rstrip(".")):
            raise _refuse(f"{value!r} is not a URL: {host_text!r} is not a host name") from None
        warnings = _domain_warnings(host_text.rstrip("."))
    else:
        warnings = _network_warnings(ipaddress.ip_network(address))
    return canonical_url(value), warnings


def _email(value: str) -> tuple[str, list[str]]:
    lowered = value.lower()
    if not _EMAIL.fullmatch(lowered):
        raise _refuse(f"{value!r} is not an e-mail address (name@domain.example)")
    return lowered, _domain_warnings(lowered.rpartition("@")[2])


def _hash(value: str, length: int, name: str) -> tuple[str, list[str]]:
    lowered = value.lower()
    if len(lowered) != length or not _HEX.fullmatch(lowered):
        raise _refuse(f"{value!r} is not an {name} hash ({length} hexadecimal digits)")
    return lowered, []


def check_value(observable_type: str, value: str) -> CheckedValue:
    """The value to store for ``observable_type``; :class:`Invalid` naming the reason if it is
    not one, and the names of the warninglists it is on."""
    text = value.strip()
    if MARKUP.search(text):
        raise _refuse(
            'contains markup or script characters (<, >, ", `): an indicator value is an '
            "address, domain, URL, e-mail address or hash"
        )
    if observable_type == "ipv4-addr":
        canonical, warnings = _ip(text, 4)
    elif observable_type == "ipv6-addr":
        canonical, warnings = _ip(text, 6)
    elif observable_type == "domain-name":
        canonical, warnings = _domain(text)
    elif observable_type == "url":
        canonical, warnings = _url(text)
    elif observable_type == "email-addr":
        canonical, warnings = _email(text)
    elif observable_type in HASH_LENGTHS:
        name = "SHA-256" if observable_type == "file-sha256" else "MD5"
        canonical, warnings = _hash(text, HASH_LENGTHS[observable_type], name)
    else:
        raise Invalid(f"unknown observable type {observable_type!r}", "observable_type")
    return CheckedValue(canonical, tuple(dict.fromkeys(warnings)))
