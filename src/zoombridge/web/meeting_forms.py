"""The meetings pages' HTML forms read into the same models the JSON API validates with
(MeetingDraft, MeetingChanges), so a person typing in the portal is refused with the same
words as an LMS posting JSON, and times shown in a form are read back in the same zone.

A form's fields are flat strings; Zoom's recurrence is a nested object with numbered
weekdays. The mapping lives here, once, instead of in templates or route functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError

from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.errors import InvalidInput
from zoombridge.meetings.drafts import MeetingChanges
from zoombridge.meetings.recurrence import NO_FIXED_TIME, zone

__all__ = [
    "CHECKBOXES",
    "EDIT_CHECKBOXES",
    "REPEATS",
    "WEEKDAYS",
    "changes_of",
    "draft_of",
    "edit_values",
    "in_zone",
    "local_input",
    "recurrence_of",
    "repeats_said",
    "said",
]

CHECKBOXES = ("waiting_room", "mute_upon_entry", "join_before_host")
EDIT_CHECKBOXES = (*CHECKBOXES, "host_video", "participant_video")
REPEATS = {"once": "does not repeat", "daily": "daily", "weekly": "weekly", "monthly": "monthly"}
REPEATS |= {"no_fixed_time": "no fixed time (one link, use it any time)"}
KINDS = {"daily": 1, "weekly": 2, "monthly": 3}
# Zoom numbers weekdays 1 (Sunday) to 7 (Saturday).
WEEKDAYS = [(1, "Sun"), (2, "Mon"), (3, "Tue"), (4, "Wed"), (5, "Thu"), (6, "Fri"), (7, "Sat")]


def draft_of(values: Mapping[str, str], weekdays: Sequence[str]) -> dict[str, Any]:
    """The scheduling form as a MeetingDraft's fields: a pool chosen wins over a typed host.
    InvalidInput when the recurrence fields cannot be read."""
    options: dict[str, Any] = {name: True for name in CHECKBOXES if values.get(name)}
    if values.get("auto_recording"):
        options["auto_recording"] = values["auto_recording"]
    timezone = values.get("timezone", "").strip() or "UTC"
    fixed = values.get("repeat") != "no_fixed_time"
    draft: dict[str, Any] = {
        "kind": values.get("kind") or "meeting",
        "topic": values.get("topic", "").strip(),
        "agenda": values.get("agenda", "").strip() or None,
        "timezone": timezone,
        "fixed_time": fixed,
        "start_time": (values.get("start_time") or None) if fixed else None,
        "duration": (values.get("duration") or None) if fixed else None,
        "recurrence": recurrence_of(values, weekdays, timezone) if fixed else None,
        "options": options,
    }
    if values.get("passcode", "").strip():
        draft["passcode"] = values["passcode"].strip()
    if values.get("pool"):
        draft["pool"] = values["pool"]
    elif values.get("host", "").strip():
        draft["host"] = [h.strip() for h in values["host"].split(",") if h.strip()]
    return draft


def recurrence_of(
    values: Mapping[str, str], weekdays: Sequence[str], timezone: str
) -> dict[str, Any] | None:
    """Zoom's `recurrence` from the form's "Repeats" fields (None: it does not repeat). The
    end date is the last day in the meeting's own time zone, as a person means it."""
    repeat = values.get("repeat") or "once"
    if repeat == "once":
        return None
    if repeat not in KINDS:
        raise InvalidInput(f"repeat must be one of {', '.join(REPEATS)}")
    found: dict[str, Any] = {"type": KINDS[repeat], "repeat_interval": _whole(values, "interval")}
    if repeat == "weekly" and weekdays:
        found["weekly_days"] = ",".join(sorted({_day(d) for d in weekdays}))
    if repeat == "monthly":
        found |= _monthly(values)
    if values.get("end_by") == "date":
        last = _date(values.get("end_date", ""))
        end = datetime.combine(last, time(23, 59)).replace(tzinfo=zone(timezone))
        found["end_date_time"] = end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        found["end_times"] = _whole(values, "end_times")
    return found


def _monthly(values: Mapping[str, str]) -> dict[str, Any]:
    if values.get("monthly_by") == "week":
        return {
            "monthly_week": _whole(values, "monthly_week"),
            "monthly_week_day": _whole(values, "monthly_week_day"),
        }
    return {"monthly_day": _whole(values, "monthly_day")}


def _whole(values: Mapping[str, str], name: str) -> int:
    raw = values.get(name, "").strip()
    try:
        return int(raw)
    except ValueError:
        label = name.replace("_", " ")
        raise InvalidInput(f"{label} must be a whole number, not {raw!r}") from None


def _day(raw: str) -> str:
    if raw not in {str(number) for number, _ in WEEKDAYS}:
        raise InvalidInput(f"weekday {raw!r} is not 1 (Sunday) to 7 (Saturday)")
    return raw


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"end date {raw!r} is not a date (YYYY-MM-DD)") from None


def changes_of(values: Mapping[str, str], row: ScheduledMeeting) -> MeetingChanges:
    """The edit form as MeetingChanges. Checkboxes show the meeting's settings, so only a
    box a person flipped becomes a change (an unticked box is not "set it off" for a setting
    Zoom never reported); a blank passcode field keeps the passcode."""
    current = dict(row.settings_json or {})
    options: dict[str, Any] = {
        name: bool(values.get(name))
        for name in EDIT_CHECKBOXES
        if bool(values.get(name)) != bool(current.get(name))
    }
    recording = values.get("auto_recording", "")
    if recording and recording != current.get("auto_recording"):
        options["auto_recording"] = recording
    fields: dict[str, Any] = {
        "topic": values.get("topic", "").strip(),
        "agenda": values.get("agenda", "").strip() or None,
        "timezone": values.get("timezone", "").strip() or None,
        "options": options or None,
    }
    if row.start_time is not None and row.type not in NO_FIXED_TIME:
        fields["start_time"] = values.get("start_time") or None
        fields["duration"] = values.get("duration") or None
    if values.get("passcode", "").strip():
        fields["passcode"] = values["passcode"].strip()
    return MeetingChanges.model_validate(fields)


def edit_values(row: ScheduledMeeting) -> dict[str, str]:
    """The edit form filled with the meeting as it is (never its passcode)."""
    settings = dict(row.settings_json or {})
    values = {
        "topic": row.topic,
        "agenda": row.agenda or "",
        "timezone": row.timezone or "UTC",
        "start_time": local_input(row.start_time, row.timezone),
        "duration": str(row.duration or ""),
        "auto_recording": str(settings.get("auto_recording") or ""),
    }
    values |= {name: "1" for name in EDIT_CHECKBOXES if settings.get(name)}
    return values


def local_input(moment: datetime | None, timezone: str | None) -> str:
    """A UTC moment as a datetime-local field's value in the meeting's zone (the form reads
    a time without offset in that zone, so an untouched field changes nothing)."""
    if moment is None:
        return ""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return utc.astimezone(_zone_or_utc(timezone)).strftime("%Y-%m-%dT%H:%M")


def in_zone(moment: datetime | None, timezone: str | None, empty: str = "") -> str:
    """A moment as text in `timezone`, naming the zone (server-side: no script needed)."""
    if moment is None:
        return empty
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return f"{utc.astimezone(_zone_or_utc(timezone)):%a %Y-%m-%d %H:%M} ({timezone or 'UTC'})"


def _zone_or_utc(timezone: str | None) -> Any:
    try:
        return zone(timezone)
    except InvalidInput:
        return UTC


def said(exc: ValidationError | InvalidInput) -> list[str]:
    """Validation errors in words a person filling a form reads: the field, then why."""
    if isinstance(exc, InvalidInput):
        return [str(exc)]
    found = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part != "options")
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(f"{where}: {message}" if where else message)
    return found


def repeats_said(recurrence: Mapping[str, Any] | None, meeting_type: int) -> str:
    """Zoom's recurrence object in words for the meeting page."""
    if meeting_type in NO_FIXED_TIME:
        return "no fixed time: the link works any time"
    if not recurrence:
        return "once"
    kind = {1: "day", 2: "week", 3: "month"}.get(int(recurrence.get("type") or 0), "?")
    every = int(recurrence.get("repeat_interval") or 1)
    text = f"every {kind}" if every == 1 else f"every {every} {kind}s"
    if recurrence.get("weekly_days"):
        names = dict(WEEKDAYS)
        days = [names.get(int(d), d) for d in str(recurrence["weekly_days"]).split(",")]
        text += f" on {', '.join(str(d) for d in days)}"
    if recurrence.get("monthly_day"):
        text += f" on day {recurrence['monthly_day']}"
    if recurrence.get("monthly_week"):
        week = {-1: "last", 1: "first", 2: "second", 3: "third", 4: "fourth"}
        day = dict(WEEKDAYS).get(int(recurrence.get("monthly_week_day") or 0), "?")
        text += f" on the {week.get(int(recurrence['monthly_week']), '?')} {day}"
    if recurrence.get("end_date_time"):
        text += f", until {str(recurrence['end_date_time'])[:10]}"
    elif recurrence.get("end_times"):
        text += f", {recurrence['end_times']} times"
    return text
