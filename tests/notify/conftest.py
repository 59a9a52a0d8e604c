"""A real SMTP server on loopback (aiosmtpd), and settings that point the platform at it."""

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from aseancyber.settings import Settings, SmtpSecurity, use_settings
from tests.ports import free_port

SMTP_USER = "mailer"
SMTP_PASSWORD = "mailer-password"


@dataclass
class Mailbox:
    """What the loopback server received: parsed messages and their envelopes."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.endswith("@refused.example.org"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages


def _check_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


def start_server(**options: Any) -> tuple[Controller, SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, SmtpServer(port, mailbox)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    controller, server = start_server()
    yield server
    controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed: no certificate for the TLS tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    controller, server = start_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=_check_login,
        auth_required=True,
    )
    yield server
    controller.stop()


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    controller, server = start_server(ssl_context=certificate.server_context())
    yield server
    controller.stop()


@pytest.fixture
def use_mail_settings(settings: Settings) -> Iterator[Any]:
    """Returns a function that switches the process settings; the originals come back after."""

    def switch(**update: Any) -> Settings:
        value = settings.model_copy(update={"smtp_host": "127.0.0.1", **update})
        use_settings(value)
        return value

    yield switch
    use_settings(settings)


@pytest.fixture
def mail_settings(smtp_server: SmtpServer, use_mail_settings: Any) -> Settings:
    value: Settings = use_mail_settings(smtp_port=smtp_server.port, smtp_security=SmtpSecurity.NONE)
    return value
