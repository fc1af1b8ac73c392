"""The search-scale bench runs end to end on a tiny corpus (the 2,000,000 cues run in
`make bench`); a row without a target is reported, never judged "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.__main__ import _verdict
from bench.search_corpus import Corpus

from bench import search_scale


def test_search_bench_measures_both_rows_on_a_tiny_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_BENCH_TMP", str(tmp_path))
    latency, build = search_scale.run(Corpus(meetings=60, cues_per_meeting=5, hosts=8))
    assert latency["name"].startswith("search p95 latency, 60 meetings, 300 cues")
    assert latency["value"] > 0
    assert latency["baseline"] > 0
    assert latency["target"] == 100.0
    assert build["value"] > 0
    assert build["baseline"] > 0
    assert "first 200,000 cues" in build["baseline_kind"]
    assert _verdict(build, ok=True) == "reported"
    assert _verdict(latency, ok=False) == "BELOW TARGET"
    assert list(tmp_path.iterdir()) == []  # its scratch folder is gone
