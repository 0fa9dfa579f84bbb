"""Batch input and JSONL output."""

from __future__ import annotations

import io
import json

import pytest

from kb.cli.batch import read_batch, write_jsonl
from kb.errors import KBError


def test_read_batch_returns_ids_and_questions(tmp_path):
    """This test ensures that id/question pairs are read in order and blank lines skipped."""
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": 1, "question": "bike lanes?"}\n\n{"id": "q2", "question": "bees", "extra": 3}\n')
    assert read_batch(f) == [("1", "bike lanes?"), ("q2", "bees")]


@pytest.mark.parametrize("line", ['{"id": "x"}', "not json", '["id", "question"]', '{"id": 1, "question": 5}'])
def test_read_batch_rejects_bad_lines_naming_file_and_line(tmp_path, line):
    """This test ensures that a bad batch line gives a one-line error with the file and line number."""
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": 1, "question": "ok"}\n' + line + "\n")
    with pytest.raises(KBError, match=r"b\.jsonl:2") as err:
        read_batch(f)
    assert "\n" not in str(err.value)


def test_read_batch_missing_file_is_a_clear_error(tmp_path):
    """This test ensures that a missing batch file is a KBError, not a traceback."""
    with pytest.raises(KBError, match="cannot read batch file"):
        read_batch(tmp_path / "missing.jsonl")


def test_write_jsonl_writes_one_object_per_line():
    """This test ensures that each row becomes one JSON line with non-ASCII kept."""
    buf = io.StringIO()
    write_jsonl([{"id": "a", "hits": []}, {"id": "é", "hits": [{"score": 1.0}]}], out=buf)
    lines = buf.getvalue().splitlines()
    assert [json.loads(x)["id"] for x in lines] == ["a", "é"]
    assert "é" in lines[1]
