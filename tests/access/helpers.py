"""Small helpers for the identity tests: CSRF tokens from pages, signing in through the form."""

import re

from fastapi.testclient import TestClient
from httpx import Response

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def page_csrf(client: TestClient, path: str = "/login") -> str:
    """Open ``path`` (setting the anonymous CSRF cookie if needed) and return its form token."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def element_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', html)
    assert match, f"no element with id {element_id}"
    return match.group(1).strip()


def login(client: TestClient, email: str, password: str, *, follow: bool = False) -> Response:
    """Post the sign-in form as a browser would."""
    token = page_csrf(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )
