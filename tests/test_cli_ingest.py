"""The ingest family of commands: kb ingest, docs, show, passages, remove."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli.main import main

PAPERS = {
    "report.md": "# Trade report\n\n## Findings\n\n1. Tariffs on imported steel fell sharply after the reform.\n\n"
                 "2. Exporters of steel gained new markets in the region.\n",
    "note.txt": "Fisheries note\n\nFisheries quotas protect coastal communities from overfishing.\n",
}


@pytest.fixture
def papers(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("KB_MODEL", "hash-bow-64")
    folder = tmp_path / "papers"
    folder.mkdir()
    for name, body in PAPERS.items():
        (folder / name).write_text(body, encoding="utf-8")
    (folder / "catalog.csv").write_text(
        "file,title,short_title,authors,publisher,year,symbol,kind\n"
        "report.md,Trade and steel report,Trade report,A. Author,UNCTAD,2005,TD/B/COM.3/99,report\n")
    (folder / "old.docx").write_bytes(b"PK\x03\x04")
    return folder


def _ingest(capsys, papers: Path, kb: Path, *extra: str) -> str:
    assert main(["--kb", str(kb), "ingest", str(papers), "--no-progress", *extra]) == 0
    return capsys.readouterr().out


def _passages(capsys, kb: Path, *extra: str) -> list[dict]:
    assert main(["--kb", str(kb), "passages", "--json", *extra]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ingest_prints_counts_and_skips(capsys, papers, tmp_path):
    """This test ensures that `kb ingest` prints the counts and each skipped file with its reason."""
    out = _ingest(capsys, papers, tmp_path / "kb")
    assert "2 added, 0 updated, 0 removed, 0 unchanged" in out
    assert "skipped old.docx:" in out and ".docx" in out
    out = _ingest(capsys, papers, tmp_path / "kb")
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in out and "0 passages written" in out


def test_ingest_json_report(capsys, papers, tmp_path):
    """This test ensures that `kb ingest --json` prints a machine-readable report."""
    report = json.loads(_ingest(capsys, papers, tmp_path / "kb", "--json"))
    assert report["added"] == 2 and report["passages_written"] == report["passages"] > 0
    assert report["skipped"][0]["file"] == "old.docx"


def test_docs_lists_catalog_metadata(capsys, papers, tmp_path):
    """This test ensures that `kb docs` shows titles, years, symbols and passage counts."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    assert main(["--kb", str(kb), "docs"]) == 0
    out = capsys.readouterr().out
    assert "Trade report" in out and "TD/B/COM.3/99" in out and "2005" in out and "note.txt" in out
    assert main(["--kb", str(kb), "docs", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {d["file"] for d in docs} == {"report.md", "note.txt"} and all(d["passages"] > 0 for d in docs)


def test_passages_and_show_carry_citation_fields(capsys, papers, tmp_path):
    """This test ensures that every dumped passage carries its citation fields and `kb show` finds it."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    rows = _passages(capsys, kb, "--doc", "report.md")
    assert rows and {r["doc_file"] for r in rows} == {"report.md"}
    for key in ("passage_id", "doc_file", "title", "para", "page", "page_label", "section", "text", "kind", "part"):
        assert key in rows[0]
    steel = next(r for r in rows if "Tariffs" in r["text"])
    assert main(["--kb", str(kb), "show", steel["passage_id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["text"] == steel["text"] and shown["symbol"] == "TD/B/COM.3/99" and shown["publisher"] == "UNCTAD"
    assert main(["--kb", str(kb), "show", steel["passage_id"], "--context", "1"]) == 0
    out = capsys.readouterr().out
    assert "Trade report" in out and ">> " in out


def test_show_unknown_passage_is_one_line_error(capsys, papers, tmp_path):
    """This test ensures that an unknown passage id gives a one-line error, not a traceback."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    assert main(["--kb", str(kb), "show", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: error:") and "nope" in err and len(err.strip().splitlines()) == 1


def test_remove_drops_a_document(capsys, papers, tmp_path):
    """This test ensures that `kb remove FILE` drops the document and its passages."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    assert main(["--kb", str(kb), "remove", "note.txt"]) == 0
    capsys.readouterr()
    assert {r["doc_file"] for r in _passages(capsys, kb)} == {"report.md"}


def test_ingest_into_store_of_another_model_fails_clearly(capsys, papers, tmp_path):
    """This test ensures that ingesting with a model other than the store's is refused with a fix."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    assert main(["--kb", str(kb), "ingest", str(papers), "--no-progress", "--model", "hash-bow-32"]) == 1
    err = capsys.readouterr().err
    assert "built with model hash-bow-64" in err and "--kb" in err


def test_ingest_reuses_the_store_model(capsys, papers, tmp_path, monkeypatch):
    """This test ensures that a store built with a model is synced with that model when none is named."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    monkeypatch.delenv("KB_MODEL")
    (papers / "extra.txt").write_text("Extra note\n\nForests store carbon.\n")
    assert "1 added" in _ingest(capsys, papers, kb)


def test_unchanged_ingest_does_not_load_the_model(capsys, papers, tmp_path, monkeypatch):
    """This test ensures that a sync with nothing to do never loads the embedding model, and one
    with work loads it once."""
    import kb.embed.load

    kb_dir = tmp_path / "kb"
    _ingest(capsys, papers, kb_dir)
    loads = []
    real = kb.embed.load.load_embedder
    monkeypatch.setattr(kb.embed.load, "load_embedder", lambda *a, **k: loads.append(a) or real(*a, **k))
    assert "2 unchanged" in _ingest(capsys, papers, kb_dir) and loads == []
    (papers / "extra.txt").write_text("Extra note\n\nForests store carbon.\n")
    assert "1 added" in _ingest(capsys, papers, kb_dir) and len(loads) == 1


def test_python_m_ingest_is_kb_ingest(papers, tmp_path):
    """This test ensures that `python -m ingest FOLDER --kb DIR` runs the same command."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "ingest", str(papers), "--kb", str(tmp_path / "kb"),
                           "--no-progress"], check=False, capture_output=True, text=True, cwd=root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2 added" in proc.stdout


def test_empty_folder_and_empty_knowledge_base_say_what_to_do(capsys, tmp_path, monkeypatch):
    """This test ensures that a newcomer who ingests an empty folder and then asks is told to add
    papers, instead of getting "The documents do not answer this"."""
    from kb.cli.main import main

    monkeypatch.setenv("KB_MODEL", "hash-bow-64")
    (tmp_path / "papers").mkdir()
    assert main(["--kb", str(tmp_path / "kb"), "ingest", str(tmp_path / "papers"), "--no-progress"]) == 0
    assert "no papers in" in capsys.readouterr().err
    assert main(["--kb", str(tmp_path / "kb"), "ask", "anything at all?"]) == 1
    err = capsys.readouterr().err
    assert "holds no documents yet" in err and "kb ingest FOLDER" in err and err.count("\n") == 1


def test_unknown_precision_is_refused_before_anything_is_read(capsys, papers, tmp_path, monkeypatch):
    """This test ensures that a mistyped KB_PRECISION stops `kb ingest` with a one-line error
    naming the value and the setting, and that an existing store is left as it was."""
    kb = tmp_path / "kb"
    _ingest(capsys, papers, kb)
    before = (kb / "manifest.json").read_text()
    monkeypatch.setenv("KB_PRECISION", "half")
    (papers / "extra.txt").write_text("Extra note\n\nA new paragraph about fisheries.\n", encoding="utf-8")
    assert main(["--kb", str(kb), "ingest", str(papers), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: error:") and "'half'" in err and "KB_PRECISION" in err
    assert len(err.strip().splitlines()) == 1
    assert (kb / "manifest.json").read_text() == before


def test_adding_to_a_store_embeds_as_its_first_ingest_did(capsys, papers, tmp_path, monkeypatch):
    """This test ensures that `kb ingest` into an existing store (where the model loads lazily)
    still makes sentence vectors from the passage's own forward pass (`encode_with_spans`), and
    that the tokens the reader processes made reach it, one per passage."""
    import numpy as np

    import kb.embed.load
    from kb.embed.encoders import HashEmbedder

    calls: list[tuple[int, int | None]] = []

    class Spy(HashEmbedder):
        def tokenize_passages(self, texts):
            return [(np.arange(len(t.split()), dtype=np.int32), np.zeros((len(t.split()), 2), np.int32))
                    for t in texts]

        def encode_with_spans(self, texts, spans, batch_size=32, progress=False, tokens=None, groups=None):
            calls.append((len(texts), None if tokens is None else len(tokens)))
            assert groups is not None and len(groups) == len(texts)  # each passage's document
            assert tokens is None or [len(ids) for ids, _ in tokens] == [len(t.split()) for t in texts]
            sents = [self.encode([t[a:b] for a, b in sp]) if sp else np.zeros((0, self.dim), np.float32)
                     for t, sp in zip(texts, spans)]
            return self.encode(texts), sents

    monkeypatch.setattr(kb.embed.load, "load_embedder", lambda *a, **k: Spy(dim=64))
    _ingest(capsys, papers, tmp_path / "kb")
    assert calls and all(n == t for n, t in calls)  # first ingest: the real embedder, readers' tokens
    calls.clear()
    (papers / "extra.txt").write_text("Extra note\n\nPorts expand. Shipping grows. Fleets age.\n", encoding="utf-8")
    out = _ingest(capsys, papers, tmp_path / "kb")
    assert "1 added" in out
    assert calls and all(n == t for n, t in calls)  # the lazily loaded embedder: the same path


@pytest.mark.parametrize("argv", [
    ["ask", "steel tariffs", "--offline"], ["search", "steel tariffs"], ["quote", "steel tariffs"],
    ["check", "Tariffs on steel fell."], ["compare", "steel"], ["docs"], ["passages"], ["eval", "QFILE"]])
def test_kb_and_verbose_work_after_any_command(capsys, papers, tmp_path, argv):
    """This test ensures one CLI grammar: `--kb DIR` and `-v` are accepted after every command
    as well as before it (`kb ask "..." --kb DIR` failed with "unrecognized arguments")."""
    kb_dir = tmp_path / "kb"
    _ingest(capsys, papers, kb_dir)
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": "a", "type": "fact", "question": "steel tariffs", "evidence": []}\n')
    argv = [str(q) if a == "QFILE" else a for a in argv]
    assert main([*argv, "--kb", str(kb_dir), "-v"]) == 0, capsys.readouterr().err
    after = capsys.readouterr().out
    assert main(["-v", "--kb", str(kb_dir), *argv]) == 0
    assert capsys.readouterr().out == after and after.strip()


def test_ingest_of_a_missing_folder_fails_before_the_model_loads(capsys, tmp_path, monkeypatch):
    """This test ensures that `kb ingest /nonexistent` says the folder is missing at once, without
    loading the embedding model first, and that a one-document store is not "1 documents"."""
    import kb.embed.load

    loads = []
    monkeypatch.setattr(kb.embed.load, "load_embedder", lambda *a, **k: loads.append(a))
    assert main(["ingest", str(tmp_path / "missing"), "--kb", str(tmp_path / "kb")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1 and loads == []
    monkeypatch.undo()
    monkeypatch.setenv("KB_MODEL", "hash-bow-64")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "note.txt").write_text("Fisheries note\n\nQuotas protect coastal communities.\n")
    out = _ingest(capsys, tmp_path / "one", tmp_path / "kb")
    assert "knowledge base: 1 document, 1 passage" in out, out


def test_filters_match_words_whatever_the_case_and_suggest_the_nearest_names(capsys, papers, tmp_path):
    """This test ensures that --publisher and --kind match on words, case-insensitively ("unctad",
    "General Assembly" in "United Nations General Assembly"), that a value no document has gets a
    warning naming the nearest ones, and that `kb docs` shows publisher and kind."""
    kb_dir = tmp_path / "kb"
    _ingest(capsys, papers, kb_dir)
    assert main(["search", "steel", "--publisher", "unctad", "--kb", str(kb_dir), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["hits"] and "warning" not in out.err
    assert main(["ask", "steel", "--publisher", "UNCTD", "--kind", "reports", "--kb", str(kb_dir), "--offline"]) == 0
    err = capsys.readouterr().err
    assert 'no document has publisher "UNCTD"; did you mean "UNCTAD"?' in err
    assert 'no document has kind "reports"; did you mean "report"?' in err
    assert main(["docs", "--kb", str(kb_dir)]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert "publisher" in header and "kind" in header
    assert any("UNCTAD" in r and "report" in r for r in rows)


def test_words_match_needs_every_word_in_order():
    """This test ensures the filter rule: all the filter's words, in order, anywhere in the field."""
    from kb.store.catalogue import words_match

    assert words_match("General Assembly", "United Nations General Assembly")
    assert words_match("general assembly", "United Nations General Assembly")
    assert not words_match("Assembly General", "United Nations General Assembly")
    assert not words_match("Security Council", "United Nations General Assembly")
    assert not words_match("  ", "UNCTAD") and not words_match("UNCTAD", None)


def test_ingest_reports_each_stage(capsys, papers, tmp_path):
    """This test ensures that `kb ingest` ends with a per-stage summary (files and pages read,
    passages embedded and written, with seconds) in text and JSON, so a long folder says where
    its time went; an ingest with nothing to do has no stages line."""
    out = _ingest(capsys, papers, tmp_path / "kb")
    line = next(x for x in out.splitlines() if x.startswith("stages:"))
    assert "read 2 files" in line and "embedded" in line and " s;" in line and "PDF page" not in line
    report = json.loads(_ingest(capsys, papers, tmp_path / "kb2", "--json"))
    assert report["stages"]["read"] == {"files": 2, "pages": 0}
    assert report["stages"]["embed"]["passages"] == report["passages_written"] > 0
    assert "stages:" not in _ingest(capsys, papers, tmp_path / "kb")
