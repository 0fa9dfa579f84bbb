"""`kb ask`, `kb quote`, `kb check` and `kb compare` from the command line, on the small invented store."""

from __future__ import annotations

import json

import pytest
from answers_store import build

from kb.cli.main import main


@pytest.fixture(scope="module")
def kbdir(tmp_path_factory):
    return str(build(tmp_path_factory.mktemp("cli") / "kb"))


@pytest.fixture
def batch(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "acoustic sensors find leaks"}\n'
                 '{"id": "b", "question": "farm ponds store water"}\n')
    return str(f)


def test_ask_prints_answer_and_sources(kbdir, capsys):
    """This test ensures that `kb ask` prints the cited answer and the numbered sources."""
    assert main(["--kb", kbdir, "ask", "How do acoustic sensors find leaks in water mains?", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Sources:" in out and "Sand (2015)" in out


@pytest.mark.parametrize(("command", "key"), [("ask", "citations"), ("quote", "quotes"), ("check", "documents"),
                                              ("compare", "rows")])
def test_batch_writes_one_line_per_question_with_its_id(kbdir, batch, capsys, command, key):
    """This test ensures that --batch writes one JSON line per input line, with its id and the documented key."""
    assert main(["--kb", kbdir, command, "--batch", batch]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert all(key in r for r in rows)


def test_ask_json_shape(kbdir, capsys):
    """This test ensures that `kb ask --json` prints id, answer, answered and citations."""
    assert main(["--kb", kbdir, "ask", "--json", "acoustic sensors locate leaks", "--offline"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"id", "answer", "answered", "citations"} <= obj.keys()


def test_quote_export_to_file(kbdir, tmp_path, capsys):
    """This test ensures that `kb quote --export ris -o FILE` writes the RIS records to the file."""
    out = tmp_path / "q.ris"
    assert main(["--kb", kbdir, "quote", "flat-rate tariffs", "-k", "2", "--export", "ris", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("TY  - ") and text.count("ER  - ") == 2


def test_check_text_output_has_overall_verdict(kbdir, capsys):
    """This test ensures that `kb check` prints the overall verdict and per-document verdicts."""
    assert main(["--kb", kbdir, "check", "Does the agency recommend subsidised flat rates?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Overall: contradicts") and "CONTRADICTS" in out


def test_compare_filters_by_document(kbdir, capsys):
    """This test ensures that `kb compare --doc` limits the rows to that document."""
    assert main(["--kb", kbdir, "compare", "--json", "water", "--doc", "scholar_rivers.txt"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert [r["doc_file"] for r in obj["rows"]] == ["scholar_rivers.txt"]


def test_missing_question_is_a_one_line_error(kbdir, capsys):
    """This test ensures that a command without a question or batch file fails with a one-line message."""
    assert main(["--kb", kbdir, "quote"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: error: no question given") and err.count("\n") == 1
