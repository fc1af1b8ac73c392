"""Benchmarks: `make bench` (python -m bench). Each prints its figures and a ratio against a
baseline measured in the same run on the same machine."""
