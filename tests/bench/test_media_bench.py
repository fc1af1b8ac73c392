"""The media-join bench runs end to end on tiny segments (the real sizes run in `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import media_join


def test_join_bench_copies_and_compares_with_the_remux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(tmp_path / "media"))
    (result,) = media_join.run(seconds_per_segment=2.0, size=(160, 90), fps=2, repeats=1)
    assert result["ok_extra"], result["extra"]  # stream copy, and the whole duration joined
    assert result["extra"].startswith("copy;")
    assert "6.00 s joined, 6.00 s remuxed" in result["extra"]
    assert result["value"] > 0
    assert result["target"] == pytest.approx(0.9 * result["baseline"])
