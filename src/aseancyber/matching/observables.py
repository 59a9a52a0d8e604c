"""Observables: recognising IPs, CIDRs, domains, URLs, e-mail addresses and file hashes in raw
text, and writing each in one canonical form so that equal things compare equal.

Canonical forms: IP addresses as :mod:`ipaddress` prints them (``2001:db8::1``), a CIDR as
its network (``10.0.0.0/8``, host bits cleared), a host route (``/32``, ``/128``) as the bare
address; domain names lower-case without a trailing dot; e-mail addresses lower-case;
URLs with a lower-case scheme and host; hashes lower-case hex. The same functions normalise
the literals of stored patterns (:func:`normalise_value`), so a pattern written
``[domain-name:value = 'Evil.Example.']`` matches ``evil.example``: domain names, hashes
and URL hosts are case-insensitive by their standards even where a string compare is not.
"""

import ipaddress
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aseancyber.sharing.urls import canonical_url

# The object path each kind of observable is compared on, as patterns write it.
PATHS = {
    "ipv4-addr": "ipv4-addr:value",
    "ipv6-addr": "ipv6-addr:value",
    "domain-name": "domain-name:value",
    "url": "url:value",
    "email-addr": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.SHA-1",
    "sha256": "file:hashes.SHA-256",
}
HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}
HASH_NAMES = {"MD5": "MD5", "SHA1": "SHA-1", "SHA256": "SHA-256"}
MAX_LENGTH = 2048

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_LABEL = r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_EMAIL = re.compile(rf"[a-z0-9!#$%&'*+/=?^_`{{|}}~.-]{{1,64}}@(?:{_LABEL}\.)+[a-z]{{2,63}}")
_URL = re.compile(r"[a-z][a-z0-9+.-]{1,15}://[^\s/?#]+[^\s]*", re.IGNORECASE)
# Candidates in free text (a log line): each is checked by :func:`detect` before use.
_IN_TEXT = re.compile(
    r"""(?ix)
    (?P<url>\b[a-z][a-z0-9+.-]{1,15}://[^\s"'<>]+)
  | (?P<email>(?<![a-z0-9!#$%&*+?^_`{|}~.-])  # at the start of a token only: "=" separates
      [a-z0-9!#$%&*+?^_`{|}~.-]{1,64}@[a-z0-9.-]+\.[a-z]{2,63})
  | (?P<ip6>(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|\d+\.\d+\.\d+\.\d+)(?:/\d{1,3})?)
  | (?P<ip4>\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?\b)
  | (?P<hash>\b[0-9a-f]{32}(?:[0-9a-f]{8})?(?:[0-9a-f]{24})?\b)
  | (?P<domain>\b(?:[a-z0-9_-]{1,63}\.)+[a-z][a-z0-9-]{1,62}\b)
    """
)


@dataclass(frozen=True, slots=True)
class Observable:
    """One observable in canonical form; IPs and CIDRs also as an integer network."""

    kind: str  # a key of PATHS
    value: str
    ip_version: int = 0
    network: int = 0  # the address (or network) as an integer
    prefix: int = 0  # 32 / 128 for a single address

    @property
    def path(self) -> str:
        return PATHS[self.kind]

    @property
    def sco_type(self) -> str:
        return self.path.partition(":")[0]

    def sco(self) -> dict[str, Any]:
        """The observable as a STIX cyber-observable object (what patterns are tested on)."""
        if self.kind in ("md5", "sha1", "sha256"):
            return {"type": "file", "hashes": {PATHS[self.kind].rpartition(".")[2]: self.value}}
        return {"type": self.sco_type, "value": self.value}


def refang(text: str) -> str:
    """Undo the usual defanging of shared indicators: ``hxxp://evil[.]example``."""
    if "[" not in text and "hxxp" not in text.lower() and "(.)" not in text:
        return text
    text = text.replace("[.]", ".").replace("(.)", ".").replace("[:]", ":").replace("[@]", "@")
    return re.sub(r"^hxxp", "http", text, flags=re.IGNORECASE)


def _ip(text: str) -> Observable | None:
    if _CANONICAL_IPV4.fullmatch(text):
        # The common case without the ipaddress module (several times slower).
        return Observable("ipv4-addr", text, 4, int.from_bytes(socket.inet_aton(text)), 32)
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        return None
    network = interface.network
    if "/" not in text and interface.version == 4 and text.count(".") != 3:
        return None  # "10.1" is a valid address to inet_aton, never to a person
    bits = network.max_prefixlen
    value = str(interface.ip) if network.prefixlen == bits else str(network)
    kind = "ipv4-addr" if interface.version == 4 else "ipv6-addr"
    return Observable(
        kind, value, interface.version, int(network.network_address), network.prefixlen
    )


def ip_observable(text: str) -> Observable | None:
    """An IPv4 / IPv6 address or network in canonical form, as the free-text scanner reads
    one; ``None`` when ``text`` is neither."""
    return _ip(text)


def detect(raw: str) -> Observable | None:
    """The observable a raw string is, in canonical form; ``None`` when it is none of them."""
    text = refang(raw.strip().strip("\"'<>"))
    if not text or len(text) > MAX_LENGTH:
        return None
    if _URL.fullmatch(text):
        return Observable("url", canonical_url(text))
    lowered = text.lower()
    if len(text) in HASH_LENGTHS and _HEX.fullmatch(text):
        return Observable(HASH_LENGTHS[len(text)], lowered)
    if ":" in text or text[0].isdigit():
        found = _ip(text)
        if found is not None:
            return found
    if "@" in lowered and _EMAIL.fullmatch(lowered):
        return Observable("email-addr", lowered)
    domain = lowered.rstrip(".")
    if _DOMAIN.fullmatch(domain):
        return Observable("domain-name", domain)
    return None


def in_text(line: str) -> Iterator[Observable]:
    """Every observable found in a line of free text (a log line), each once, in order.

    A URL also yields its host as a domain name or IP address: a log showing a request to
    ``https://evil.example/x`` has seen ``evil.example``.
    """
    seen: set[str] = set()
    for found in _IN_TEXT.finditer(line):
        observable = _FROM_TEXT[found.lastgroup or ""](found.group())
        if observable is None or observable.value in seen:
            continue
        # Canonical values of different kinds never coincide, so the value alone is the key.
        seen.add(observable.value)
        yield observable
        if observable.kind == "url":
            host = _url_host(observable)
            if host is not None and host.value not in seen:
                seen.add(host.value)
                yield host


def _text_domain(text: str) -> Observable | None:
    domain = text.lower()
    return Observable("domain-name", domain) if _DOMAIN.fullmatch(domain) else None


def _text_hash(text: str) -> Observable | None:
    return Observable(HASH_LENGTHS[len(text)], text.lower()) if len(text) in HASH_LENGTHS else None


def _text_email(text: str) -> Observable | None:
    lowered = text.lower()
    return Observable("email-addr", lowered) if _EMAIL.fullmatch(lowered) else None


def _text_url(text: str) -> Observable | None:
    return Observable("url", canonical_url(text)) if len(text) <= MAX_LENGTH else None


# Each named group of _IN_TEXT already has its kind's shape: only the checks it lacks remain.
_FROM_TEXT = {
    "url": _text_url,
    "email": _text_email,
    "ip6": _ip,
    "ip4": _ip,
    "hash": _text_hash,
    "domain": _text_domain,
}


def _url_host(url: Observable) -> Observable | None:
    rest = url.value.partition("://")[2]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if host.startswith("["):
        return detect(host[1:].partition("]")[0])
    return detect(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)


def normalise_value(path: str, value: str) -> str:
    """A pattern literal compared on ``path``, in the canonical form of that path's values."""
    if path in ("ipv4-addr:value", "ipv6-addr:value"):
        if _CANONICAL_IPV4.fullmatch(value):
            return value  # what _ip gives it, without building an observable
        found = _ip(value)
        return found.value if found is not None else value
    if path == "domain-name:value":
        return value.lower().rstrip(".")
    if path == "email-addr:value" or path.startswith("file:hashes."):
        return value.lower()
    if path == "url:value" and "://" in value:
        return canonical_url(value)
    return value


def hash_name(name: str) -> str:
    """``sha256``, ``SHA256`` and ``SHA-256`` are the same hash: the STIX vocabulary name."""
    key = name.upper().replace("-", "").replace("_", "")
    return HASH_NAMES.get(key, name)


def parse_network(text: str) -> tuple[int, int, int] | None:
    """(version, network as int, prefix length) of an address or CIDR; ``None`` if neither."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), network.prefixlen
