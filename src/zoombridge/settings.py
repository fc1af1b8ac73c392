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

    ZOOMBRIDGE_HOME=./zoombridge-data      where the embedded database and default archive live
    ZOOMBRIDGE_DATABASE_URL=postgresql://...   default: SQLite in ZOOMBRIDGE_HOME
    ZOOMBRIDGE_STORAGE_URL=file:///path | s3://bucket/prefix   default: ZOOMBRIDGE_HOME/archive
    ZOOMBRIDGE_ARCHIVE__START_DATE=2024-01-01   how far back the first backfill reaches
    ZOOMBRIDGE_ARCHIVE__USERS=a@x.org,b@x.org   only these hosts (default: every user)
    ZOOMBRIDGE_ARCHIVE__KEY_TEMPLATE=...    folder of each recorded instance (see storage.keys)
    ZOOMBRIDGE_ARCHIVE__CONCURRENCY=4       file transfers at once, per worker
    ZOOMBRIDGE_ARCHIVE__LAG_DAYS=2          days re-read before the cursor, for late files
    ZOOMBRIDGE_ARCHIVE__POLL_SECONDS=60     `zoombridge worker` syncs once per this many seconds
    ZOOMBRIDGE_WORKER_ID=...               a worker's stable id on PostgreSQL (default: host name)
    ZOOMBRIDGE_ARCHIVE__DELETE_FROM_ZOOM=false  after verified archiving, remove from Zoom
    ZOOMBRIDGE_ARCHIVE__DELETE_GRACE_DAYS=7     ... this many days after archiving
    ZOOMBRIDGE_ARCHIVE__DELETE_ACTION=trash     trash (recoverable 30 days) | delete (permanent)
    ZOOMBRIDGE_ARCHIVE__PARTICIPANTS_COUNT=true  participant counts from Zoom's usage report
    ZOOMBRIDGE_ARCHIVE__JOIN_SEGMENTS=true  one joined recording per type of stop/started ones
    ZOOMBRIDGE_ARCHIVE__MEDIA_TOLERANCE_SECONDS=5  audio/video longer or shorter is flagged
    ZOOMBRIDGE_SECRET_KEY=...              key for secrets at rest (default: a key file in HOME)
    ZOOMBRIDGE_DBOS_LOG_LEVEL=WARNING      how much DBOS, the durable-workflow engine, logs

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
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from zoombridge.errors import ConfigurationError

__all__ = ["ArchiveSettings", "Settings", "ZoomSettings", "load_settings"]

ENV_PREFIX = "ZOOMBRIDGE_"


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


DEFAULT_KEY_TEMPLATE = "{host_email}/{year}/{month}/{start} {topic} [{uuid}]"


class ArchiveSettings(BaseModel):
    """What the recording archive fetches and how it names what it stores."""

    start_date: date = date(2020, 1, 1)
    users: Annotated[list[str], NoDecode] = []
    key_template: str = DEFAULT_KEY_TEMPLATE
    concurrency: int = Field(default=4, ge=1, le=64)
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

    @field_validator("users", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("users")
    @classmethod
    def _emails_look_like_emails(cls, value: list[str]) -> list[str]:
        bad = [email for email in value if "@" not in email or any(c.isspace() for c in email)]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return [email.lower() for email in value]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    zoom: ZoomSettings = ZoomSettings()
    archive: ArchiveSettings = ArchiveSettings()
    home: Path = Path("zoombridge-data")
    database_url: str | None = None
    storage_url: str | None = None
    secret_key: SecretStr | None = None
    worker_id: str = ""  # empty: the host name (on SQLite the one process is always "local")
    dbos_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"

    @field_validator("dbos_log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

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
