"""Indicator values: refused when they are not values of their type, warned about (and
shared only with "share anyway") when on a warninglist shipped with the project."""

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from aseancyber.app import create_app
from aseancyber.errors import Invalid
from aseancyber.settings import Settings, use_settings
from aseancyber.sharing.indicator_checks import check_value
from tests.readers import BrowserFor, ClientsFor, World
from tests.sharing.conftest import make_collection


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("ipv4-addr", "999.999.1.1", "0-255"),
        ("ipv4-addr", "10.1", "not an IPv4 address"),
        ("ipv4-addr", "2001:db8::1", "IPv6"),
        ("ipv6-addr", "fe80::zz", "not an IPv6 address"),
        ("domain-name", "not a domain at all", "not a domain name (it contains spaces"),
        ("domain-name", "<script>alert(1)</script>", "markup"),
        ("domain-name", "localhost", "not a domain name"),
        ("url", "evil.example.net/x", "not a URL"),
        ("url", "http://bad host/x", "not a URL"),
        ("url", "javascript:alert(1)", "markup"),
        ("email-addr", "someone at example", "not an e-mail address"),
        ("file-sha256", "abc", "64 hexadecimal digits"),
        ("file-md5", "g" * 32, "32 hexadecimal digits"),
    ],
)
def test_a_value_that_is_not_one_is_refused_with_the_reason(
    kind: str, value: str, reason: str
) -> None:
    with pytest.raises(Invalid, match=reason.replace("(", r"\(")) as refused:
        check_value(kind, value)
    assert refused.value.problems[0].field == "value"


@pytest.mark.parametrize(
    ("kind", "value", "listed"),
    [
        ("ipv4-addr", "10.20.30.40", "RFC 1918"),
        ("ipv4-addr", "192.168.0.0/16", "RFC 1918"),
        ("ipv4-addr", "192.0.2.7", "RFC 5737"),
        ("ipv4-addr", "203.0.113.0/24", "RFC 5737"),
        ("ipv6-addr", "2001:db8::1", "RFC 3849"),
        ("ipv4-addr", "127.0.0.1", "Loopback"),
        ("ipv6-addr", "::1", "Loopback"),
        ("ipv4-addr", "169.254.1.1", "Link-local"),
        ("ipv4-addr", "100.64.10.1", "carrier-grade NAT"),
        ("ipv4-addr", "224.0.0.251", "Multicast"),
        ("ipv4-addr", "8.8.8.8", "Public DNS resolver"),
        ("ipv4-addr", "0.0.0.0/0", "RFC 1918"),  # a network holding private space
        ("domain-name", "www.google.com", "benign"),
        ("domain-name", "mail.example.org", "RFC 2606"),
        ("url", "http://192.168.1.1/admin", "RFC 1918"),
        ("url", "https://login.microsoft.com/x", "benign"),
        ("email-addr", "phish@example.com", "RFC 2606"),
    ],
)
def test_reserved_and_benign_values_warn(kind: str, value: str, listed: str) -> None:
    checked = check_value(kind, value)
    assert any(listed in warning for warning in checked.warnings), checked.warnings


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("ipv4-addr", "45.77.1.2", "45.77.1.2"),
        ("ipv6-addr", "2a01:4f8::1", "2a01:4f8::1"),
        ("domain-name", "Evil-C2.Net.", "evil-c2.net"),
        ("url", "HTTP://Evil-C2.net/Path", "http://evil-c2.net/Path"),
        ("file-md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ],
)
def test_ordinary_values_pass_in_canonical_form(kind: str, value: str, stored: str) -> None:
    checked = check_value(kind, value)
    assert checked == checked.__class__(stored, ())


def test_an_operator_replaces_the_shipped_list_with_a_file(
    settings: Settings, tmp_path: Path
) -> None:
    own = tmp_path / "lists.json"
    own.write_text(
        '{"lists": [{"name": "Our partners", "type": "domain", "values": ["partner.net"]}]}'
    )
    use_settings(settings.model_copy(update={"warninglist_path": own}))
    try:
        assert check_value("domain-name", "cdn.partner.net").warnings == ("Our partners",)
        assert check_value("ipv4-addr", "10.0.0.1").warnings == ()  # the shipped list is gone
    finally:
        use_settings(settings)
    assert check_value("domain-name", "cdn.partner.net").warnings == ()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot be read"),
        ("{not json", "is not valid"),
        ('{"lists": [{"name": "x", "type": "cidr", "values": ["10.0.0.300/8"]}]}', "is not valid"),
        ('{"lists": [{"name": "x", "type": "regex", "values": []}]}', "unknown list type"),
    ],
)
def test_a_bad_operator_file_stops_the_start_not_a_share(
    settings: Settings, tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "lists.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RuntimeError, match=problem):
        create_app(settings=settings.model_copy(update={"warninglist_path": path}))


def test_rest_refuses_bad_values_and_wants_share_anyway_for_warnings(
    db: Session, world: World, clients_for: ClientsFor
) -> None:
    own = make_collection(db, world, public_read=False)
    db.commit()
    rest, _ = clients_for(world.author)

    def share(value: str, kind: str = "ipv4-addr", **extra: object) -> object:
        body = {
            "collection_id": own.id,
            "observable_type": kind,
            "value": value,
            "tlp": "TLP:GREEN",
        }
        return rest.post("/api/v1/sharing/indicators", json=body | extra)

    for value, kind, words in (
        ("999.999.1.1", "ipv4-addr", "0-255"),
        ("not a domain at all", "domain-name", "not a domain name"),
        ("<script>alert(1)</script>", "domain-name", "markup"),
    ):
        refused = share(value, kind)
        assert refused.status_code == 422, value  # type: ignore[attr-defined]
        assert words in refused.json()["detail"]  # type: ignore[attr-defined]
    warned = share("10.0.0.1")
    assert warned.status_code == 422  # type: ignore[attr-defined]
    assert "RFC 1918" in warned.json()["detail"]  # type: ignore[attr-defined]
    assert "share_anyway" in warned.json()["detail"]  # type: ignore[attr-defined]
    assert share("10.0.0.1", share_anyway=True).status_code == 201  # type: ignore[attr-defined]
    assert share("45.77.1.2").status_code == 201  # type: ignore[attr-defined]


def test_the_page_asks_to_share_anyway_and_keeps_the_input(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    own = make_collection(db, world, public_read=False)
    db.commit()
    browser = browser_for(world.author)
    form = {
        "csrf_token": browser.csrf,
        "collection_id": own.id,
        "observable_type": "domain-name",
        "value": "updates.windowsupdate.com",
        "name": "suspicious updater",
        "tlp": "TLP:AMBER",
    }
    warned = browser.client.post("/sharing/share", data=form, follow_redirects=False)
    assert warned.status_code == 422
    assert "Well-known benign domain" in warned.text
    assert 'name="share_anyway"' in warned.text
    assert 'value="suspicious updater"' in warned.text
    shared = browser.client.post(
        "/sharing/share", data=form | {"share_anyway": "true"}, follow_redirects=False
    )
    assert shared.status_code == 303, shared.text
    refused = browser.client.post(
        "/sharing/share", data=form | {"value": "999.999.1.1", "observable_type": "ipv4-addr"}
    )
    assert refused.status_code == 422
    assert "each of the four numbers must be 0-255" in refused.text
    assert 'name="share_anyway"' not in refused.text  # an error is not a warning
