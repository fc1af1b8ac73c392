"""Jinja2 templates of the portal, with the filters its pages use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from zoombridge.accounts import Role
from zoombridge.archive.library import make_ref
from zoombridge.web.charts import bar_chart, daily_chart

__all__ = ["render"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _filesize(value: int | None) -> str:
    size = float(value or 0)
    units = ["B", "KB", "MB", "GB", "TB"]
    while size >= 1000 and len(units) > 1:
        size /= 1000
        units.pop(0)
    return f"{size:.0f} B" if units[0] == "B" else f"{size:.1f} {units[0]}"


def _clock(seconds: float | None) -> str:
    whole = int(seconds or 0)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _when(value: datetime | str | None, empty: str = "") -> Markup:
    """A moment as <time>: UTC in the page, turned into the reader's local time by
    /static/portal.js where scripts run."""
    if not value:
        return escape(empty)
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    iso = moment.astimezone(UTC).isoformat()
    shown = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f'<time datetime="{escape(iso)}">{escape(shown)}</time>')  # noqa: S704


TEMPLATES.env.filters["filesize"] = _filesize
TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["clock"] = _clock
TEMPLATES.env.globals["Role"] = Role
TEMPLATES.env.globals["file_chart"] = bar_chart
TEMPLATES.env.globals["daily_chart"] = daily_chart
TEMPLATES.env.globals["filesize"] = _filesize
TEMPLATES.env.globals["make_ref"] = make_ref


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
    values.setdefault("principal", None)
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
