"""Security headers on every response: one content security policy without inline script,
no framing, no MIME sniffing, a strict referrer policy, and no caching of what a signed-in
reader was shown.

A route may set its own ``Content-Security-Policy`` (the standalone documents, which carry
their own styles and no script at all); every other header is set here whatever the route
said, and ``Cache-Control: no-store`` always wins on an authenticated request.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The browser session cookie (set by the sign-in pages, read by access.dependencies).
SESSION_COOKIE = "aseancyber_session"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Standalone documents (an adopted position, the ministers' report as HTML) carry their
# styles inline so the file reads the same saved to disk or printed; they run no script.
DOCUMENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
FIXED_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_REPLACED = frozenset(name for name, _ in FIXED_HEADERS)
_CACHING = frozenset({b"cache-control", b"pragma"})
_SESSION_COOKIE = SESSION_COOKIE.encode()


def is_authenticated(scope: Scope) -> bool:
    """Whether the request carries credentials: a session cookie or an Authorization header."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value.strip():
            return True
        if name == b"cookie" and _SESSION_COOKIE + b"=" in value:
            return True
    return False


class SecurityHeaders:
    """Pure ASGI middleware (outermost): every HTTP answer, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = is_authenticated(scope)
        public_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _secured(message, authenticated, public_static)}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secured(
    message: Message, authenticated: bool, public_static: bool
) -> list[tuple[bytes, bytes]]:
    original: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
    sets_cookie = any(name.lower() == b"set-cookie" for name, _ in original)
    no_store = (authenticated or sets_cookie) and not public_static
    replaced = _REPLACED | _CACHING if no_store else _REPLACED
    headers = [(name, value) for name, value in original if name.lower() not in replaced]
    if not any(name.lower() == b"content-security-policy" for name, _ in headers):
        headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    headers.extend(FIXED_HEADERS)
    if no_store:
        headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
    return headers
