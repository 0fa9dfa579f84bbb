"""`kb search` and `kb eval` from the command line, on the small invented store."""

from __future__ import annotations

import json

import pytest
from search_store import BEES, CYCLING, build

from kb.cli.main import main


@pytest.fixture
def kbdir(tmp_path):
    return str(build(tmp_path / "kb"))


def test_search_prints_cited_hits(kbdir, capsys):
    """This test ensures that the text output shows rank, document, paragraph and text."""
    assert main(["--kb", kbdir, "search", "kerbs reduce cyclist injuries", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1]") and "TR/C/7" in out and "para. 1" in out and "kerbs" in out


def test_search_json_and_filters(kbdir, capsys):
    """This test ensures that --json prints the hits and --doc/--year filters apply."""
    assert main(["--kb", kbdir, "search", "bees lanes", "--json", "--doc", BEES.file, "--year-min", "2010"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["hits"] and {h["doc_file"] for h in obj["hits"]} == {BEES.file}


def test_batch_writes_one_line_per_question_in_the_documented_shape(kbdir, tmp_path, capsys):
    """This test ensures that --batch writes {"id", "hits"} lines whose hits carry the citation fields and text."""
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "protected lanes"}\n{"id": "b", "question": "wild bees"}\n')
    assert main(["--kb", kbdir, "search", "--batch", str(f), "--json", "-k", "3"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    hit = rows[0]["hits"][0]
    for key in ("passage_id", "doc_file", "title", "para", "page", "page_label", "section", "text", "score"):
        assert key in hit, key
    assert hit["doc_file"] == CYCLING.file and len(rows[1]["hits"]) == 3


@pytest.mark.parametrize("argv", [["search", "   "], ["search"], ["search", "--batch", "/nonexistent.jsonl"]])
def test_bad_search_input_prints_one_line_error(kbdir, capsys, argv):
    """This test ensures that empty queries and missing batch files exit 1 with one error line."""
    assert main(["--kb", kbdir, *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kb: error:") and "\n" not in err


def test_eval_scores_a_question_file(kbdir, tmp_path, capsys):
    """This test ensures that kb eval prints hit@1/hit@5/MRR@10 and --json gives per-question ranks."""
    f = tmp_path / "q.jsonl"
    quote = "Orchards with hedgerows host twice as many pollinator species as bare orchards."
    rows = [
        {"id": "q1", "type": "fact", "question": "hedgerows pollinator species orchards",
         "evidence": [{"doc": BEES.file, "quote": quote, "para": None, "page": None}]},
        {"id": "q2", "type": "unanswerable", "question": "volcano eruptions", "evidence": []},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main(["--kb", kbdir, "eval", str(f)]) == 0
    out = capsys.readouterr().out
    assert "hit@1" in out and "mrr@10" in out
    assert main(["--kb", kbdir, "eval", str(f), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["metrics"]["hit@1"] == 1.0 and obj["metrics"]["answerable"] == 1
    assert obj["questions"][0] == {"id": "q1", "type": "fact", "first_hit": 1, "docs": 1, "docs_found": 1}
