"""zoombridge's configuration: environment variables `ZOOMBRIDGE_*`, nested with `__`.

    ZOOMBRIDGE_ZOOM__ACCOUNT_ID=...        Server-to-Server OAuth app: account id
    ZOOMBRIDGE_ZOOM__CLIENT_ID=...         ... client id
    ZOOMBRIDGE_ZOOM__CLIENT_SECRET=...     ... client secret (never logged)
    ZOOMBRIDGE_ZOOM__API_URL=https://api.zoom.us/v2
    ZOOMBRIDGE_ZOOM__OAUTH_URL=https://zoom.us
    ZOOMBRIDGE_ZOOM__PLAN=pro              free | pro | business: sizes the rate budget
    ZOOMBRIDGE_ZOOM__PROXY=http://proxy:3128   optional forward proxy
    ZOOMBRIDGE_ZOOM__WEBHOOK_SECRET=...    the app's webhook secret token (never logged)
    ZOOMBRIDGE_ZOOM__TIMEOUT_SECONDS=30    bound on every phase of every request

    ZOOMBRIDGE_ZOOM_APP__CLIENT_ID=...     a General (user-managed) app for "Connect with Zoom"
    ZOOMBRIDGE_ZOOM_APP__CLIENT_SECRET=... ... its client secret (never logged); register
                                           ZOOMBRIDGE_PUBLIC_URL + /oauth/zoom/callback in it

    ZOOMBRIDGE_HOME=./zoombridge-data      where the embedded database and default archive live
    ZOOMBRIDGE_DATABASE_URL=postgresql://...   default: SQLite in ZOOMBRIDGE_HOME
    ZOOMBRIDGE_STORAGE_URL=file:///path | s3://bucket/prefix   default: ZOOMBRIDGE_HOME/archive
    ZOOMBRIDGE_ARCHIVE__START_DATE=2024-01-01   how far back the first backfill reaches
    ZOOMBRIDGE_ARCHIVE__USERS=a@x.org,b@x.org   only these hosts (default: every user)
    ZOOMBRIDGE_ARCHIVE__KEY_TEMPLATE=...    folder of each recorded instance (see storage.keys)
    ZOOMBRIDGE_ARCHIVE__CONCURRENCY=4       file transfers at once, per worker
    ZOOMBRIDGE_ARCHIVE__DOWNLOAD_PROCESSES=1  processes copying the files; 0: in this one
    ZOOMBRIDGE_ARCHIVE__LAG_DAYS=2          days re-read before the cursor, for late files
    ZOOMBRIDGE_ARCHIVE__POLL_SECONDS=60     `zoombridge worker` syncs once per this many seconds
    ZOOMBRIDGE_WORKER_ID=...               a worker's stable id on PostgreSQL (default: host name)
    ZOOMBRIDGE_ARCHIVE__DELETE_FROM_ZOOM=false  after verified archiving, remove from Zoom
    ZOOMBRIDGE_ARCHIVE__DELETE_GRACE_DAYS=7     ... this many days after archiving
    ZOOMBRIDGE_ARCHIVE__DELETE_ACTION=trash     trash (recoverable 30 days) | delete (permanent)
    ZOOMBRIDGE_ARCHIVE__PARTICIPANTS_COUNT=true  participant counts from Zoom's usage report
    ZOOMBRIDGE_ARCHIVE__JOIN_SEGMENTS=true  one joined recording per type of stop/started ones
    ZOOMBRIDGE_ARCHIVE__MEDIA_TOLERANCE_SECONDS=5  audio/video longer or shorter is flagged
    ZOOMBRIDGE_MEETINGS__HOST_DOMAINS=uni.edu,staff.uni.edu  hosts are looked up in these only
    ZOOMBRIDGE_MEETINGS__NOTIFY=av@uni.edu  extra recipients of every meeting notification
    ZOOMBRIDGE_MEETINGS__DELETE_WHEN_UNLINKED=true  unlinking the last object deletes in Zoom
    ZOOMBRIDGE_MEETINGS__CALENDAR_MAX_AGE_SECONDS=300  hosts' Zoom schedules older are re-read
    ZOOMBRIDGE_MEETINGS__RECONCILE_HOUR_UTC=3  hour of the nightly re-read of future meetings
    ZOOMBRIDGE_SECRET_KEY=...              key for secrets at rest (default: a key file in HOME)
    ZOOMBRIDGE_DBOS_LOG_LEVEL=WARNING      how much DBOS, the durable-workflow engine, logs

    ZOOMBRIDGE_PRIVACY__FORMAT=zoombridge  pseudonym format: zoombridge (keyed) | psoxy (compatible)
    ZOOMBRIDGE_PRIVACY__SALT=...           secret salt of every pseudonym (never logged)
    ZOOMBRIDGE_PRIVACY__SALT_FILE=/run/secrets/salt   ... or read from this file
    ZOOMBRIDGE_PRIVACY__ENCRYPTION_KEY=... key of reversible pseudonyms (never logged)
    ZOOMBRIDGE_PRIVACY__ENCRYPTION_KEY_FILE=...       ... or read from this file
    ZOOMBRIDGE_PRIVACY__RETIRED_KEYS_FILE=...  earlier keys, one per line (their tokens decrypt)
    ZOOMBRIDGE_METRICS_TOKEN=...           bearer token Prometheus scrapes /metrics with (never
                                           logged; unset: a Manager's API token is needed)

    ZOOMBRIDGE_PUBLIC_URL=https://zoom-archive.example.edu   the portal as people reach it
                                           (links in e-mails; needed when mail is set up)
    ZOOMBRIDGE_MAIL__HOST=smtp.example.edu SMTP server for invitations and password resets
                                           (unset: no mail; links are shown to the admin)
    ZOOMBRIDGE_MAIL__PORT=587              default: 25 | 587 (starttls) | 465 (tls)
    ZOOMBRIDGE_MAIL__SECURITY=starttls     none | starttls | tls
    ZOOMBRIDGE_MAIL__SENDER=zoombridge@example.edu   the From address
    ZOOMBRIDGE_MAIL__USERNAME=...          SMTP login, if the server asks for one
    ZOOMBRIDGE_MAIL__PASSWORD=...          ... its password (never logged)
    ZOOMBRIDGE_MAIL__TIMEOUT=10            seconds for each step of talking to the server

`load_settings()` turns validation failures into one ConfigurationError that names each
variable and what is wrong with it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from zoombridge.errors import ConfigurationError

__all__ = [
    "ArchiveSettings",
    "MailSettings",
    "MeetingSettings",
    "PrivacySettings",
    "Settings",
    "ZoomAppSettings",
    "ZoomSettings",
    "load_settings",
]

ENV_PREFIX = "ZOOMBRIDGE_"
MIN_METRICS_TOKEN = 16


class ZoomSettings(BaseModel):
    """One Zoom connection (a Server-to-Server OAuth app on one account)."""

    account_id: str = ""
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.zoom.us/v2")
    oauth_url: AnyHttpUrl = AnyHttpUrl("https://zoom.us")
    plan: Literal["free", "pro", "business"] = "pro"
    proxy: AnyHttpUrl | None = None
    webhook_secret: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @field_validator("account_id", "client_id")
    @classmethod
    def _no_whitespace(cls, value: str) -> str:
        if value != value.strip() or any(ch.isspace() for ch in value):
            raise ValueError("must not contain spaces or line breaks (a copy-paste slip?)")
        return value

    def missing_credentials(self) -> list[str]:
        """The names of the credential variables that are still empty."""
        fields = {
            "ACCOUNT_ID": self.account_id,
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret.get_secret_value(),
        }
        return [f"{ENV_PREFIX}ZOOM__{name}" for name, value in fields.items() if not value]


class ZoomAppSettings(BaseModel):
    """The installation's General (user-managed) app for the portal's "Connect with Zoom":
    when set, an admin connects an account without typing the app's credentials."""

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")

    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret.get_secret_value())


DEFAULT_KEY_TEMPLATE = "{host_email}/{year}/{month}/{start} {topic} [{uuid}]"


def _comma_list(value: object) -> object:
    """A comma-separated environment value as a list (a list passes through)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _email_addresses(value: list[str]) -> list[str]:
    bad = [email for email in value if "@" not in email or any(c.isspace() for c in email)]
    if bad:
        raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
    return [email.lower() for email in value]


class ArchiveSettings(BaseModel):
    """What the recording archive fetches and how it names what it stores."""

    start_date: date = date(2020, 1, 1)
    users: Annotated[list[str], NoDecode] = []
    key_template: str = DEFAULT_KEY_TEMPLATE
    concurrency: int = Field(default=4, ge=1, le=64)
    # Worker processes that copy the files (each any number at once), so the bytes and the
    # durable bookkeeping do not share one interpreter lock; 0: copy in this process.
    download_processes: int = Field(default=1, ge=0, le=16)
    lag_days: int = Field(default=2, ge=0, le=31)
    poll_seconds: float = Field(default=60.0, gt=0)
    delete_from_zoom: bool = False
    delete_grace_days: int = Field(default=7, ge=0, le=365)
    delete_action: Literal["trash", "delete"] = "trash"
    # Fetch each instance's participant count from Zoom's usage report (scope report:read:admin).
    participants_count: bool = True
    # Join an instance's stop/start segments into one recording per type (VIDIZMO's
    # "concatenate"); the original segments are kept as they are.
    join_segments: bool = True
    # How far an audio or video file's duration may be from Zoom's recording_start/end
    # before the file is flagged.
    media_tolerance_seconds: float = Field(default=5.0, ge=0, le=3600)

    _split = field_validator("users", mode="before")(_comma_list)
    _emails = field_validator("users")(_email_addresses)


class MeetingSettings(BaseModel):
    """Scheduling meetings for other applications (LMS, event systems)."""

    # E-mail domains a host may be looked up in (Indico's "e-mail domains"); empty: any.
    host_domains: Annotated[list[str], NoDecode] = []
    # Extra recipients of every meeting notification, besides the host.
    notify: Annotated[list[str], NoDecode] = []
    # Unlinking a meeting's last external object deletes it in Zoom.
    delete_when_unlinked: bool = True
    # How old a host's Zoom schedule may be when a host is chosen; older ones are read again.
    calendar_max_age_seconds: float = Field(default=300.0, ge=0, le=86400)
    # The hour (UTC) of the nightly reconcile against Zoom.
    reconcile_hour_utc: int = Field(default=3, ge=0, le=23)

    _split = field_validator("host_domains", "notify", mode="before")(_comma_list)

    @field_validator("host_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        bad = [d for d in value if "@" in d or "." not in d or any(c.isspace() for c in d)]
        if bad:
            raise ValueError(f"not e-mail domains (like example.edu): {', '.join(bad)}")
        return [d.lower().lstrip(".") for d in value]

    _recipients = field_validator("notify")(_email_addresses)


_SMTP_PORTS = {"none": 25, "starttls": 587, "tls": 465}


class MailSettings(BaseModel):
    """The SMTP server that sends invitations and password resets; without a host, none is
    sent and the admin is shown each link once instead."""

    host: str = ""
    port: int = Field(default=0, ge=0, le=65535)  # 0: the usual port of `security`
    sender: str = Field(default="", validate_default=True)
    username: str = ""
    password: SecretStr = SecretStr("")
    security: Literal["none", "starttls", "tls"] = "starttls"
    timeout: float = Field(default=10.0, gt=0, le=120)

    @field_validator("host", "sender", "username")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ch.isspace() for ch in value.strip()):
            raise ValueError("must not contain spaces or line breaks")
        return value.strip()

    @field_validator("sender")
    @classmethod
    def _sender_is_an_address(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("host") and not value:
            raise ValueError("the From address is needed when ZOOMBRIDGE_MAIL__HOST is set")
        if value and (value.count("@") != 1 or any(c in value for c in '<>,;"')):
            raise ValueError(f"{value!r} is not an e-mail address like zoombridge@example.edu")
        return value

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def effective_port(self) -> int:
        return self.port or _SMTP_PORTS[self.security]


class PrivacySettings(BaseModel):
    """Secrets of the privacy tools (proxy, bulk sanitizer): never in rules files, never logged.
    `zoombridge.privacy.keys` reads the files and checks strength."""

    format: Literal["zoombridge", "psoxy"] = "zoombridge"
    salt: SecretStr = SecretStr("")
    salt_file: Path | None = None
    encryption_key: SecretStr = SecretStr("")
    encryption_key_file: Path | None = None
    retired_keys_file: Path | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    zoom: ZoomSettings = ZoomSettings()
    zoom_app: ZoomAppSettings = ZoomAppSettings()
    archive: ArchiveSettings = ArchiveSettings()
    meetings: MeetingSettings = MeetingSettings()
    privacy: PrivacySettings = PrivacySettings()
    home: Path = Path("zoombridge-data")
    database_url: str | None = None
    storage_url: str | None = None
    secret_key: SecretStr | None = None
    worker_id: str = ""  # empty: the host name (on SQLite the one process is always "local")
    dbos_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"
    metrics_token: SecretStr | None = None  # lets a scraper read /metrics, and nothing else
    mail: MailSettings = MailSettings()
    public_url: AnyHttpUrl | None = Field(default=None, validate_default=True)

    @field_validator("dbos_log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_hard_to_guess(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # set but empty: no token, as if unset
        if len(value.get_secret_value()) < MIN_METRICS_TOKEN:
            raise ValueError(
                f"use at least {MIN_METRICS_TOKEN} characters, e.g. from: openssl rand -hex 32"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _needed_for_mailed_links(
        cls, value: AnyHttpUrl | None, info: ValidationInfo
    ) -> AnyHttpUrl | None:
        mail = info.data.get("mail")
        if value is None and isinstance(mail, MailSettings) and mail.configured:
            raise ValueError(
                "the portal's address (like https://zoom.example.edu) is needed when "
                "ZOOMBRIDGE_MAIL__HOST is set: e-mailed links point there"
            )
        return value

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.resolve() / 'zoombridge.sqlite'}"

    def effective_storage_url(self) -> str:
        return self.storage_url or (self.home.resolve() / "archive").as_uri()


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise ConfigurationError naming every bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ENV_PREFIX + "__".join(str(part).upper() for part in err["loc"])
            lines.append(f"{name}: {err['msg']}")
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(lines)) from None
