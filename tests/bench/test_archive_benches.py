"""The archive benches run end to end on tiny sizes (the real sizes run in `make bench`)."""

from __future__ import annotations

from bench import archive_api, archive_memory, archive_throughput

TINY = {"users": 3, "meetings_per_user": 1, "large_file_bytes": 1 << 20}


def test_throughput_bench_archives_what_the_baseline_downloads() -> None:
    (result,) = archive_throughput.run(TINY)
    assert result["ok_extra"], result["extra"]  # same files and bytes, nothing failed
    assert result["value"] > 0
    assert result["baseline"] > 0
    assert result["target"] == 0.8 * result["baseline"]
    # The CPU each side used is measured, per process, and printed beside the times.
    assert "CPU seconds on" in result["extra"]
    assert "zoombridge-downloads" in result["extra"]


def test_memory_bench_reports_the_archiving_process_peak() -> None:
    (result,) = archive_memory.run(file_bytes=8 << 20)
    assert result["ok_extra"], result["extra"]  # the padded file was archived
    assert result["value"] >= result["baseline"] > 20  # peak >= idle, both real figures
    assert result["lower_is_better"]


def test_api_bench_counts_calls_against_the_listing_minimum() -> None:
    (result,) = archive_api.run("bench", TINY)
    assert result["ok_extra"], result["extra"]  # no 429s, nothing failed
    # Per-participant audio needs one more call per such meeting: above the bare minimum.
    assert result["value"] > result["baseline"] > 0
    assert "recordings list" in result["extra"]
    assert "recording get" in result["extra"]
