"""Security headers on every kind of answer; no inline script or style in any page; the
session cookie Secure in production (and production refusing insecure cookies)."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from aseancyber.initiatives.reports.charts import shade_class, shade_stylesheet
from aseancyber.settings import Environment, Settings
from aseancyber.web.security import CONTENT_SECURITY_POLICY, DOCUMENT_SECURITY_POLICY
from tests.factories import PASSWORD
from tests.readers import ClientsFor, TokenFor, World

SRC = Path(__file__).resolve().parents[2] / "src" / "aseancyber"
# Standalone documents (a file, a PDF): own inline styles, served with DOCUMENT_SECURITY_POLICY.
STANDALONE = {
    "initiatives/reports/templates/report_document.html",
    "positions/templates/adopted.html",
}
TAXII_TYPE = "application/taxii+json;version=2.1"

SAMPLES = [
    ("GET", "/", {}, 200),  # page
    ("GET", "/tlp", {}, 200),
    ("GET", "/api/docs", {}, 200),
    ("GET", "/api/openapi.json", {}, 200),
    ("GET", "/api/v1/sharing/collections", {}, 200),  # REST
    ("GET", "/taxii2/", {"Accept": TAXII_TYPE}, 401),  # TAXII
    ("GET", "/static/site.css", {}, 200),  # static
    ("GET", "/no-such-page", {"Accept": "text/html"}, 404),
    ("GET", "/api/v1/no-such-thing", {}, 404),
    ("GET", "/api/v1/sharing/objects", {"Accept": "application/json"}, 200),
    ("GET", "/api/v1/sharing/objects?limit=many", {}, 422),  # validation error
    ("GET", "/tlp%00", {}, 422),  # refused before routing
    ("POST", "/api/v1/sharing/indicators", {"Content-Length": str(10**9)}, 413),  # body limit
]


def _check_fixed_headers(headers: httpx.Headers) -> None:
    get = headers.get
    assert get("content-security-policy") == CONTENT_SECURITY_POLICY
    assert get("x-content-type-options") == "nosniff"
    assert get("x-frame-options") == "DENY"
    assert get("referrer-policy") == "same-origin"


@pytest.mark.parametrize(("method", "path", "headers", "status"), SAMPLES)
def test_every_kind_of_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    answer = client.request(method, path, headers=headers)
    assert answer.status_code == status, answer.text[:300]
    _check_fixed_headers(answer.headers)
    if "set-cookie" not in answer.headers:  # anonymous, and no cookie set: may be cached
        assert "no-store" not in answer.headers.get("cache-control", "")


def test_an_unexpected_error_answer_carries_them_too(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/v1/explode", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/explode")
    assert answer.status_code == 500
    _check_fixed_headers(answer.headers)


def test_the_policy_forbids_inline_script_framing_plugins_and_foreign_forms() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "script-src" not in DOCUMENT_SECURITY_POLICY  # default-src 'none': no script
    assert "frame-ancestors 'none'" in DOCUMENT_SECURITY_POLICY


def test_authenticated_answers_are_never_cached(
    client: TestClient, clients_for: ClientsFor, token_for: TokenFor, world: World
) -> None:
    rest, browser = clients_for(world.author)
    for answer in (
        rest.get("/api/v1/sharing/collections"),  # bearer token
        rest.get("/api/v1/no-such-thing"),
        browser.get("/"),  # session cookie
        browser.get("/account"),
        client.get("/taxii2/", headers=token_for(world.author) | {"Accept": TAXII_TYPE}),
    ):
        assert answer.status_code in {200, 404}, answer.text[:300]
        assert answer.headers["cache-control"] == "no-store"
        _check_fixed_headers(answer.headers)
    # Static files are the same for everyone: they may be cached even when signed in.
    assert "no-store" not in browser.get("/static/site.css").headers.get("cache-control", "")


def test_signing_in_is_not_cached(client: TestClient, world: World) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": world.author.email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "aseancyber_session=" in answer.headers["set-cookie"]
    assert answer.headers["cache-control"] == "no-store"


def test_standalone_documents_get_their_own_stricter_policy(
    clients_for: ClientsFor, world: World
) -> None:
    rest, _ = clients_for(world.author)
    answer = rest.get("/api/v1/initiatives/report", params={"format": "html"})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-security-policy"] == DOCUMENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"


def _templates() -> list[Path]:
    return sorted(SRC.rglob("templates/**/*.html"))


def test_no_page_template_has_inline_script_handlers_or_styles() -> None:
    offending = []
    for template in _templates():
        name = str(template.relative_to(SRC))
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offending.append(f"{name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offending.append(f"{name}: on* event handler")
        if "javascript:" in text:
            offending.append(f"{name}: javascript: URL")
        if name not in STANDALONE and re.search(r"<style|\sstyle\s*=", text):
            offending.append(f"{name}: inline style")
    assert offending == []


def test_heat_map_classes_match_the_stylesheet() -> None:
    css = (SRC / "web" / "static" / "site.css").read_text()
    for rule in shade_stylesheet().splitlines():
        assert rule in css
    assert [shade_class(v, 10) for v in (0, 1, 5, 10, 50)] == [
        "shade-0",
        "shade-1",
        "shade-5",
        "shade-10",
        "shade-10",
    ]


def test_the_api_reference_needs_no_script_and_fetches_nothing(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/sharing/indicators" in page.text
    assert "/api/openapi.json" in page.text
    assert "<script" not in page.text
    assert "cdn" not in page.text.lower()


def _production(**values: object) -> Settings:
    return Settings(
        environment=Environment.PRODUCTION,
        secret_key="a-private-production-secret",
        _env_file=None,
        **values,  # type: ignore[arg-type]
    )


def test_production_cookies_are_secure_and_insecure_ones_are_refused_unless_overridden() -> None:
    assert _production().cookies_secure is True
    with pytest.raises(ValidationError, match="SECURE_COOKIES=false is refused in production"):
        _production(secure_cookies=False)
    overridden = _production(secure_cookies=False, allow_insecure_cookies_in_production=True)
    assert overridden.cookies_secure is False
    development = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    assert development.cookies_secure is False
