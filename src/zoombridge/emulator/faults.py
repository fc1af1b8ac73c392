"""Fault knobs: the ways real Zoom misbehaves, switched on per scenario or at run time.

Counters ("the next N calls") are consumed as calls arrive; rates are probabilities drawn
from the world's seeded RNG, so a faulty run is reproducible. Change them from Python
(`world.faults.server_errors = 3`) or over HTTP (`POST /_emulator/faults {"server_errors": 3}`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Faults"]


@dataclass
class Faults:
    rate_limit_storm: int = 0  # the next N API calls answer a per-second 429
    rate_limit_rate: float = 0.0  # ... or each call with this probability
    server_errors: int = 0  # the next N API calls answer 5xx
    server_error_rate: float = 0.0
    daily_limit_exhausted: bool = False  # Heavy/Resource-intensive daily quota already spent
    expire_page_tokens: int = 0  # the next N page tokens presented are treated as expired
    html_downloads: int = 0  # the next N downloads answer 200 text/html despite a good token
    truncate_downloads: int = 0  # the next N downloads break off halfway
    slow_download_bytes_per_second: int = 0  # 0 = full speed
    drop_responses: int = 0  # the next N token refreshes are processed but the answer is lost
    slow_api_seconds: float = 0.0  # every API answer is delayed this long

    def take(self, counter: str) -> bool:
        """Consume one unit of a counter; True if the fault fires for this call."""
        remaining: int = getattr(self, counter)
        if remaining > 0:
            setattr(self, counter, remaining - 1)
            return True
        return False

    def draw(self, counter: str, rate: str, rng: random.Random) -> bool:
        """A counter fault, or else a random one at `rate`."""
        if self.take(counter):
            return True
        probability: float = getattr(self, rate)
        return probability > 0 and rng.random() < probability

    def update(self, changes: dict[str, Any]) -> None:
        """Apply changes from JSON; unknown names and wrong types are refused as a whole."""
        known = {f.name: str(f.type) for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown fault knobs: {', '.join(unknown)}")
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if not _fits(known[name], value):
                kind = "a finite number" if known[name] == "float" else known[name]
                raise ValueError(f"fault knob {name} must be {kind}")
            if not isinstance(value, bool) and value < 0:
                raise ValueError(f"fault knob {name} must not be negative")
            checked[name] = value
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _fits(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, int)
    # NaN and Infinity parse from JSON but would break the state answer (and sleep forever)
    return isinstance(value, int | float) and math.isfinite(value)
