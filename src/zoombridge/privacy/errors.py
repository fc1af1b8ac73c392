"""The privacy package's errors, placed in zoombridge's tree (see `zoombridge.errors`).

InvalidInput
├── RulesInvalid        a rules file is malformed; `where` names file, endpoint and path
├── TokenNotAccepted    a reversible token cannot be decrypted (stale key, foreign, damaged);
│                       the proxy answers 409 and the caller refetches the listing
└── BadRecords          rows of a bulk file are malformed; `problems` lists (line, reason)
"""

from __future__ import annotations

from zoombridge.errors import InvalidInput

__all__ = ["BadRecords", "RulesInvalid", "TokenNotAccepted"]


class RulesInvalid(InvalidInput):
    """A rules document cannot be used; nothing was loaded."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


class TokenNotAccepted(InvalidInput):
    """A reversible token was not made with any key this installation holds, or was altered."""

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class BadRecords(InvalidInput):
    """Malformed rows in a bulk file: `problems` is [(line number, what is wrong)]."""

    def __init__(self, source: str, problems: list[tuple[int, str]], *, more: int = 0) -> None:
        listed = "; ".join(f"line {line}: {reason}" for line, reason in problems)
        extra = f" (and {more} more)" if more else ""
        super().__init__(f"{source}: malformed rows: {listed}{extra}")
        self.source = source
        self.problems = list(problems)
        self.more = more
