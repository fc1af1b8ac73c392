"""zoombridge's configuration: environment variables `ZOOMBRIDGE_*`, nested with `__`.

    ZOOMBRIDGE_ZOOM__ACCOUNT_ID=...        Server-to-Server OAuth app: account id
    ZOOMBRIDGE_ZOOM__CLIENT_ID=...         ... client id
    ZOOMBRIDGE_ZOOM__CLIENT_SECRET=...     ... client secret (never logged)
    ZOOMBRIDGE_ZOOM__API_URL=https://api.zoom.us/v2
    ZOOMBRIDGE_ZOOM__OAUTH_URL=https://zoom.us
    ZOOMBRIDGE_ZOOM__PLAN=pro              free | pro | business: sizes the rate budget
    ZOOMBRIDGE_ZOOM__PROXY=http://proxy:3128   optional forward proxy
    ZOOMBRIDGE_ZOOM__WEBHOOK_SECRET=...    the app's webhook secret token (never logged)

`load_settings()` turns validation failures into one ConfigurationError that names each
variable and what is wrong with it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoombridge.errors import ConfigurationError

__all__ = ["Settings", "ZoomSettings", "load_settings"]

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    zoom: ZoomSettings = ZoomSettings()


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
