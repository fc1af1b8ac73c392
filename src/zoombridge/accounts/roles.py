"""Roles, each one able to do all that the ones below it can."""

from __future__ import annotations

from enum import IntEnum

from zoombridge.errors import InvalidInput

__all__ = ["Role"]


class Role(IntEnum):
    VIEWER = 1  # watches what is shared with them
    CONTRIBUTOR = 2  # also owns recordings (a host whose recordings are published as theirs)
    MANAGER = 3  # also moderates and sees every connection's sync status
    ADMIN = 4  # also connects Zoom, configures, manages users

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(role.label for role in cls)
            raise InvalidInput(f"unknown role {value!r}; use one of {names}") from None

    @property
    def label(self) -> str:
        return self.name.lower()
