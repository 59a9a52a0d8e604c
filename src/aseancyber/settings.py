"""One typed settings object, read from ``ASEANCYBER_*`` environment variables and ``.env``."""

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


# Threads beyond the admitted requests: the SQLite writer at the head of its queue (it skips
# admission), bookkeeping after answers (a token's last-used time) and a margin.
THREADS_BESIDE_ADMITTED = 4
ANYIO_DEFAULT_THREADS = 40


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASEANCYBER_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    secret_key: str = DEVELOPMENT_SECRET
    database_url: str = f"sqlite:///{Path('var/aseancyber.db').absolute()}"
    base_url: str = "http://127.0.0.1:8000"
    node_name: str = "aseancyber"

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Request bodies are read whole before any database work; this much stays in memory,
    # the rest goes to a temporary file (so a slow client never holds a transaction open).
    spool_memory_bytes: int = Field(default=1024 * 1024, ge=0)

    # Concurrency (issue 14). ``web_workers`` is the number of server processes (``serve
    # --workers``); each process's PostgreSQL pool gets its share of
    # ``database_max_connections`` unless ``database_pool_size`` is set.
    web_workers: int = Field(default=1, ge=1, le=64)
    database_max_connections: int = Field(default=60, ge=2)
    database_pool_size: int | None = Field(default=None, ge=1)
    database_max_overflow: int | None = Field(default=None, ge=0)
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    # Requests of one server process that work at once (``web.admission``); the others wait
    # their turn in arrival order. 0 admits every request at once.
    request_concurrency: int = Field(default=8, ge=0, le=1000)
    # How long an idle keep-alive connection stays open. Longer than a proxy's idle timeout
    # (60 s is common), so the server never closes a connection the client is reusing at
    # that moment (the client's request would fail on a connection closed under it).
    keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    # A server freezes what start-up built so the garbage collector stops walking it; a test
    # session that starts hundreds of apps in one process turns it off (a full collection
    # per app start is most of what starting an app costs).
    freeze_heap_on_start: bool = True
    # How long a SQLite writer waits for the write lock before the request answers 503.
    sqlite_busy_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # An API token's last-used time is written at most this often (in its own short
    # transaction after the answer, never in the request's).
    token_last_used_every_seconds: int = Field(default=300, ge=1)
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    # None: Secure cookies in production, plain elsewhere (a development server speaks HTTP).
    secure_cookies: bool | None = None
    # Production refuses cookies without Secure unless this says so, on purpose (e.g. a
    # closed test network without TLS). Never set it where the platform serves real users.
    allow_insecure_cookies_in_production: bool = False

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)

    signed_link_max_age_seconds: int = Field(default=3 * 24 * 3600, ge=60)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 10.0
    smtp_ca_file: str | None = None  # trust this CA bundle instead of the system's (private relay)
    mail_from: str = "aseancyber <noreply@aseancyber.example.org>"

    email_max_attempts: int = Field(default=8, ge=1)
    run_jobs_in_process: bool | None = None  # None: in-process on SQLite, worker on PostgreSQL

    # Points of contact, communication checks and cross-border requests (issue 6).
    contact_verify_after_days: int = Field(default=180, ge=1)
    check_link_max_age_hours: int = Field(default=7 * 24, ge=1)
    check_remind_after_hours: int = Field(default=24, ge=1)
    check_escalate_after_hours: int = Field(default=72, ge=1)
    request_ack_hours: dict[str, int] = Field(
        default={"assistance": 72, "information": 120, "consultation": 168, "preservation": 24}
    )
    request_emergency_ack_hours: int = Field(default=4, ge=1)
    request_escalate_after_hours: int = Field(default=24, ge=1)
    # The answer is due this many days after sending (hours when flagged as an emergency).
    request_answer_days: dict[str, int] = Field(
        default={"assistance": 14, "information": 14, "consultation": 30, "preservation": 3}
    )
    request_emergency_answer_hours: int = Field(default=48, ge=1)
    # Both parties of a preservation request are prompted this many days before it lapses.
    preservation_renewal_notice_days: int = Field(default=14, ge=1)

    # Federation (issue 4): the Fernet key for peer credentials; None derives one from the
    # secret key by HKDF (so a default secret, refused outside development, is never used).
    federation_key: str | None = None
    federation_alert_after_minutes: int = Field(default=60, ge=1)

    # Audit chain (issue 13): the HMAC key sealing each entry and signing checkpoints; None
    # derives one from the secret key by HKDF with its own label. Changing it (or the secret
    # key when it is unset) makes the existing chain fail verification, by design.
    audit_key: str | None = Field(default=None, min_length=32)

    # Sharing (issue 16): the warninglists the share form checks indicator values against
    # (private and documentation ranges, benign domains). None uses the curated file shipped
    # in the package (sharing/warninglists/warninglists.json); a path replaces it whole.
    warninglist_path: Path | None = None

    # CSAF trusted provider (issue 17): the OpenPGP secret key that signs published CSAF
    # documents (an armored or binary key file the operator provides; never fetched) and its
    # passphrase. Unset: a development node uses the key ``aseancyber csaf-key`` generated in
    # var/ if there is one; otherwise nothing is signed and the provider says so in its role.
    csaf_signing_key_path: Path | None = None
    csaf_signing_key_passphrase: SecretStr | None = None
    # security.txt (RFC 9116): where to report a vulnerability in this node (a mailto:, tel:
    # or https: URI), and when the file expires (None: 360 days after the first day of the
    # current month, so the file stays the same between reads and is never a year ahead).
    security_contact: str = "mailto:security@aseancyber.example.org"
    security_txt_expires: datetime | None = None

    # Where uploaded files' bytes live (aseancyber.storage): a local directory, or a bucket of
    # an S3-compatible store for deployments with several server hosts.
    file_store: Literal["local", "s3"] = "local"
    attachments_dir: Path = Path("var/attachments")
    s3_endpoint: str = ""  # e.g. https://minio.internal:9000 (path-style addressing)
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_prefix: str = ""

    @model_validator(mode="after")
    def _refuse_incomplete_file_store(self) -> "Settings":
        if self.file_store == "s3":
            missing = [
                f"ASEANCYBER_S3_{name.upper()}"
                for name in ("endpoint", "bucket", "access_key", "secret_key")
                if not getattr(self, f"s3_{name}")
            ]
            if missing:
                raise ValueError(f"ASEANCYBER_FILE_STORE=s3 needs {', '.join(missing)}")
            if not self.s3_endpoint.startswith(("https://", "http://")):
                raise ValueError("ASEANCYBER_S3_ENDPOINT must be an http(s):// URL")
        return self

    # Operations (issue 17). Logs go to stderr: JSON lines (one access line per request) or
    # plain text; None means JSON in production and text elsewhere.
    log_format: LogFormat | None = None
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # /metrics answers only `Authorization: Bearer <this token>`; unset, /metrics is off (404).
    metrics_token: str | None = Field(default=None, min_length=32)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # ASEANCYBER_METRICS_TOKEN= turns it off

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.environment is Environment.PRODUCTION and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "ASEANCYBER_SECRET_KEY must be set to a private value outside development"
            )
        if (
            self.environment is Environment.PRODUCTION
            and self.secure_cookies is False
            and not self.allow_insecure_cookies_in_production
        ):
            raise ValueError(
                "ASEANCYBER_SECURE_COOKIES=false is refused in production: session cookies "
                "would travel over plain HTTP (set ASEANCYBER_ALLOW_INSECURE_COOKIES_IN_PRODUCTION"
                "=true only if you mean it)"
            )
        if not self.security_contact.startswith(("mailto:", "tel:", "https://")):
            raise ValueError(
                "ASEANCYBER_SECURITY_CONTACT must be a mailto:, tel: or https:// URI (RFC 9116)"
            )
        if self.csaf_signing_key_path is not None and not self.csaf_signing_key_path.is_file():
            raise ValueError(
                f"ASEANCYBER_CSAF_SIGNING_KEY_PATH: no key file at {self.csaf_signing_key_path}"
            )
        if len(self.secret_key) < 16:
            raise ValueError("ASEANCYBER_SECRET_KEY must be at least 16 characters long")
        return self

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry the Secure flag: as set, or in production by default."""
        if self.secure_cookies is None:
            return self.environment is Environment.PRODUCTION
        return self.secure_cookies

    @property
    def logs_as(self) -> LogFormat:
        """The log format: as set, or JSON lines in production and text elsewhere."""
        if self.log_format is None:
            return LogFormat.JSON if self.environment is Environment.PRODUCTION else LogFormat.TEXT
        return self.log_format

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def pool_shape(self) -> tuple[int, int]:
        """PostgreSQL pool size and overflow of one server process: its share of
        ``database_max_connections`` (half kept open, half overflow) unless set."""
        share = max(2, self.database_max_connections // self.web_workers)
        size = self.database_pool_size or max(1, share // 2)
        overflow = (
            self.database_max_overflow
            if self.database_max_overflow is not None
            else max(0, share - size)
        )
        return size, overflow

    def admitted_requests(self) -> int:
        """Requests one server process lets work at once (0: all)."""
        return self.request_concurrency

    def request_threads(self) -> int:
        """Worker threads one server process may use at once for requests (anyio's limit):
        the admitted requests, the SQLite writer that skips admission, and the short
        bookkeeping after answers. Unbounded admission keeps anyio's default."""
        admitted = self.admitted_requests()
        return admitted + THREADS_BESIDE_ADMITTED if admitted else ANYIO_DEFAULT_THREADS

    def sqlite_pool_size(self) -> int:
        """SQLite connections one process may hold: one per admitted request and the writer
        (a request keeps its connection between the threads it runs in), one per request
        thread (bookkeeping after an answer), one for the in-process job worker. Each holds
        its own page and statement caches: the pool follows the work admitted."""
        admitted = self.admitted_requests()
        if not admitted:
            return ANYIO_DEFAULT_THREADS + THREADS_BESIDE_ADMITTED
        return admitted + 1 + self.request_threads() + 1

    @property
    def jobs_in_process(self) -> bool:
        if self.run_jobs_in_process is None:
            return self.is_sqlite
        return self.run_jobs_in_process


_current: Settings | None = None


def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    global _current  # noqa: PLW0603 - one settings object per process
    if _current is None:
        _current = Settings()
    return _current


def use_settings(settings: Settings | None) -> Settings | None:
    """Replace the process-wide settings (tests, and the CLI's --database option); return
    the ones replaced, so a caller can put them back."""
    global _current
    previous, _current = _current, settings
    return previous
