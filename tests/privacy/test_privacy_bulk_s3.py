"""s3:// inputs and outputs of the bulk sanitizer, against a real S3 endpoint (moto's
server): streamed both ways, a multipart upload for a large output, and on failure neither
an object nor an unfinished upload left in the bucket."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from privacy_helpers import SALT
from typer.testing import CliRunner

from shared_helpers import moto_s3
from zoombridge.cli import app
from zoombridge.errors import BadRecords, InvalidInput
from zoombridge.privacy import Pseudonymizer
from zoombridge.privacy.bulk import sanitize_file
from zoombridge.privacy.bulk_io import PART_BYTES
from zoombridge.privacy.bulk_rules import BulkRules

RULES = BulkRules.model_validate({"columnsToPseudonymize": ["Email"], "columnsToRedact": ["Name"]})
BUCKET = "analytics-drop"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def s3(s3_endpoint: str) -> Iterator[Any]:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _report(rows: int, *, bad_at: int | None = None) -> bytes:
    lines = ["Email,Name,Minutes"]
    for index in range(rows):
        extra = ",x" if index == bad_at else ""
        lines.append(f"person{index}@example.edu,Person {index} Somebody,{index % 90}{extra}")
    return ("\r\n".join(lines) + "\r\n").encode()


def _url(endpoint: str, key: str) -> str:
    return f"s3://{BUCKET}/{key}?endpoint={endpoint}"


def _left_behind(s3: Any) -> tuple[list[str], list[str]]:
    objects = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    uploads = [item["Key"] for item in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]
    return objects, uploads


def test_gzipped_object_in_large_object_out(
    s3: Any, s3_endpoint: str, zoombridge_format: Pseudonymizer
) -> None:
    rows = 150_000
    s3.put_object(Bucket=BUCKET, Key="in/report.csv.gz", Body=gzip.compress(_report(rows)))
    result = sanitize_file(
        _url(s3_endpoint, "in/report.csv.gz"),
        _url(s3_endpoint, "out/report.csv"),
        RULES,
        zoombridge_format,
    )
    assert result.rows_written == rows
    body = s3.get_object(Bucket=BUCKET, Key="out/report.csv")["Body"].read()
    assert len(body) > PART_BYTES  # more than one part: a multipart upload
    lines = body.split(b"\r\n")
    assert lines[0] == b"Email,Minutes"
    assert lines[1] == f"{zoombridge_format.pseudonymize('person0@example.edu')},0".encode()
    assert b"Somebody" not in body
    assert b"person7@" not in body


def test_a_bad_row_leaves_no_object_and_no_unfinished_upload(
    s3: Any, s3_endpoint: str, zoombridge_format: Pseudonymizer
) -> None:
    rows = 150_000
    s3.put_object(Bucket=BUCKET, Key="in.csv", Body=_report(rows, bad_at=rows - 10))
    with pytest.raises(BadRecords, match=f"line {rows - 10 + 2}: 4 fields"):
        sanitize_file(
            _url(s3_endpoint, "in.csv"),
            _url(s3_endpoint, "out.csv.gz"),
            RULES,
            zoombridge_format,
        )
    assert _left_behind(s3) == (["in.csv"], [])


def test_missing_objects_and_bad_urls(
    s3: Any, s3_endpoint: str, zoombridge_format: Pseudonymizer, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="no such object"):
        sanitize_file(_url(s3_endpoint, "nope.csv"), tmp_path / "o.csv", RULES, zoombridge_format)
    with pytest.raises(InvalidInput, match="bucket and an object key"):
        sanitize_file("s3:///key.csv", tmp_path / "o.csv", RULES, zoombridge_format)
    assert list(tmp_path.iterdir()) == []


def test_cli_sanitizes_s3_to_s3_with_the_endpoint_from_the_environment(
    s3: Any, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_PRIVACY__SALT", SALT)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    rules = tmp_path / "rules.yaml"
    rules.write_text("columnsToPseudonymize: [email]\n")
    records = [{"email": f"p{n}@example.edu", "minutes": n} for n in range(50)]
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    s3.put_object(Bucket=BUCKET, Key="events.ndjson", Body=body)
    args = ["privacy", "sanitize", f"s3://{BUCKET}/events.ndjson", f"s3://{BUCKET}/clean.ndjson"]
    done = CliRunner().invoke(app, [*args, "--rules", str(rules), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows_written"] == 50
    cleaned = s3.get_object(Bucket=BUCKET, Key="clean.ndjson")["Body"].read().decode()
    assert "p3@example.edu" not in cleaned
    assert len(cleaned.splitlines()) == 50
    missing = CliRunner().invoke(app, ["privacy", "sanitize", f"s3://{BUCKET}/gone.csv", "o.csv"])
    assert missing.exit_code != 0
