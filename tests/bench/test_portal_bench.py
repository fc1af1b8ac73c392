"""The portal-pages bench runs end to end on a small archive (100,000 recordings in
`make bench`): every page answers 200 for its role, and each row is judged on its p95."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.search_corpus import Corpus

from bench import portal_pages


def test_portal_bench_times_every_page_on_a_small_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_BENCH_TMP", str(tmp_path))
    monkeypatch.setattr(portal_pages, "REPEATS", 3)
    rows = portal_pages.run(Corpus(meetings=300, cues_per_meeting=3, hosts=8))
    names = [row["name"] for row in rows]
    assert "portal library, viewer, 300 recordings" in names
    assert "portal search common word, viewer, 300 recordings" in names
    for row in rows:
        assert row["value"] > 0
        assert row["baseline"] > 0
        assert row["target"] == 150.0
        assert row["lower_is_better"]
    assert list(tmp_path.iterdir()) == []  # its scratch folder is gone
