"""Versions of UN documents (kb.search.versions): revisions replace, corrigenda correct, addenda extend."""

from __future__ import annotations

import json

import pytest

from kb.cli.main import main
from kb.search.versions import parse_version, superseded, versions
from kb.types import Document, Filters


def _doc(doc_id: str, symbol: str | None) -> Document:
    return Document(doc_id=doc_id, file=f"{doc_id}.pdf", sha256=doc_id, symbol=symbol)


@pytest.mark.parametrize(("symbol", "family", "rev", "corr", "parent"), [
    ("TPNW/MSP/2025/11", "TPNW/MSP/2025/11", 0, 0, None),
    ("TPNW/MSP/2025/11/Rev.1", "TPNW/MSP/2025/11", 1, 0, None),
    ("A/80/15/Corr.2", "A/80/15", 0, 2, None),
    ("E/2025/9/Add.13", "E/2025/9/Add.13", 0, 0, "E/2025/9"),
    ("E/2025/9/Add.13/Rev.2", "E/2025/9/Add.13", 2, 0, "E/2025/9"),
])
def test_parse_version_reads_rev_corr_and_add(symbol, family, rev, corr, parent):
    """This test ensures that a symbol's /Rev.N, /Corr.N and /Add.N are read, and that a revision
    belongs to the family of the document it revises."""
    v = parse_version(symbol)
    assert (v.family, v.revision, v.corrigendum, v.addendum_to) == (family, rev, corr, parent)


def test_only_a_later_revision_supersedes():
    """This test ensures that the original and Rev.1 are superseded by Rev.2, that a corrigendum
    and an addendum supersede nothing, and that each says where it stands."""
    docs = [_doc("o", "X/7"), _doc("r1", "X/7/Rev.1"), _doc("r2", "X/7/Rev.2"), _doc("c", "X/7/Corr.1"),
            _doc("c2", "X/7/Rev.2/Corr.1"), _doc("a", "X/7/Add.1"), _doc("n", None), _doc("y", "Y/3"),
            _doc("z", "Z/1/Corr.1")]
    v = versions(docs)
    assert superseded(docs) == {"o", "r1", "c"}  # a corrigendum to the original goes with it
    assert v["o"].describe() == "superseded by X/7/Rev.2" and v["r2"].describe() == "Rev.2 of X/7"
    assert v["c2"].describe() == "Corr.1 to X/7/Rev.2" and v["z"].describe() == "Corr.1 to Z/1"
    assert v["a"].describe() == "addendum to X/7"
    assert v["y"].describe() == "" and "n" not in v


PAPERS = {
    "report.txt": "Harbour report\n\n1. Ferries to the outer islands sail twice a week in winter.\n",
    "report_rev1.txt": "Harbour report\n\n1. Ferries to the outer islands sail three times a week in winter.\n",
    "report_add1.txt": "Harbour report addendum\n\n1. Ferry fares for students are halved.\n",
}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_MODEL", "hash-bow-64")
    folder = tmp_path / "papers"
    folder.mkdir()
    for name, text in PAPERS.items():
        (folder / name).write_text(text)
    (folder / "catalog.csv").write_text(
        "file,title,short_title,authors,publisher,year,symbol,kind\n"
        "report.txt,Harbour report,,,Harbour Board,2025,HB/2025/4,report\n"
        "report_rev1.txt,Harbour report,,,Harbour Board,2025,HB/2025/4/Rev.1,report\n"
        "report_add1.txt,Harbour report addendum,,,Harbour Board,2025,HB/2025/4/Add.1,report\n")
    kb_dir = tmp_path / "kb"
    assert main(["ingest", str(folder), "--kb", str(kb_dir), "--no-progress"]) == 0
    return kb_dir


def test_search_leaves_out_a_superseded_version_unless_asked(store, capsys):
    """This test ensures that by default a search finds the latest revision only, that
    --all-versions (or naming the old file) brings the original back marked "superseded by", and
    that `kb docs` shows each document's place in its family."""
    capsys.readouterr()
    assert main(["search", "ferries outer islands winter", "--kb", str(store), "--json"]) == 0
    files = {h["doc_file"] for h in json.loads(capsys.readouterr().out)["hits"]}
    assert "report_rev1.txt" in files and "report.txt" not in files
    assert main(["search", "ferries outer islands winter", "--kb", str(store), "--all-versions"]) == 0
    out = capsys.readouterr().out
    assert "(report.txt)" in out and "! superseded by HB/2025/4/Rev.1" in out
    assert main(["search", "ferries", "--doc", "report.txt", "--kb", str(store), "--json"]) == 0
    assert {h["doc_file"] for h in json.loads(capsys.readouterr().out)["hits"]} == {"report.txt"}
    assert main(["docs", "--kb", str(store)]) == 0
    table = capsys.readouterr().out
    assert "superseded by HB/2025/4/Rev.1" in table and "Rev.1 of HB/2025/4" in table
    assert "addendum to HB/2025/4" in table


def test_check_puts_the_claim_to_the_latest_versions_only(store):
    """This test ensures that a cross-check has no row for a superseded document (its revision
    speaks for it), unless all versions are asked for."""
    import kb

    with kb.KnowledgeBase.open(store) as kbase:
        files = {d.document.file for d in kb.check_claim(kbase, "Ferries sail three times a week.").documents}
        assert "report.txt" not in files and "report_rev1.txt" in files
        every = kb.check_claim(kbase, "Ferries sail three times a week.", filters=Filters(all_versions=True))
        assert "report.txt" in {d.document.file for d in every.documents}


def test_every_revision_and_addendum_among_the_un_pdfs_finds_its_family():
    """This test ensures that the version families of the UN PDFs (their symbols as read by hand in
    tests/fixtures/expected_metadata.csv) come out right: TPNW/MSP/2025/11 superseded by its
    Rev.1, the JIU note a revision, each addendum under its parent's symbol."""
    import csv
    from pathlib import Path

    table = Path(__file__).parent / "fixtures" / "expected_metadata.csv"
    rows = [r for r in csv.DictReader(table.open(encoding="utf-8")) if r["symbol"]]
    docs = [_doc(r["file"], r["symbol"]) for r in rows]
    got = {d.symbol: v.describe() for d, v in ((d, versions(docs)[d.doc_id]) for d in docs)}
    assert got["TPNW/MSP/2025/11"] == "superseded by TPNW/MSP/2025/11/Rev.1"
    assert got["TPNW/MSP/2025/11/Rev.1"] == "Rev.1 of TPNW/MSP/2025/11"
    assert got["JIU/NOTE/2022/1/Rev.1"] == "Rev.1 of JIU/NOTE/2022/1"
    for symbol in ("E/2025/9/Add.13", "E/C.2/2025/2/Add.5", "E/HLPF/2025/3/Add.5", "E/ICEF/2025/AB/L.3/Add.1"):
        assert got[symbol] == "addendum to " + symbol.rsplit("/Add.", 1)[0]
    versioned = {s for s in got if "/Rev." in s or "/Corr." in s or "/Add." in s}
    assert all(got[s] for s in versioned) and sum(v.startswith("superseded") for v in got.values()) == 1


def test_language_filter_and_label(store, tmp_path, capsys):
    """This test ensures that --language keeps documents of that language, that a language no
    document has gets a warning naming the ones held, and that kb docs and JSON hits carry it."""
    assert main(["search", "ferries", "--language", "en", "--kb", str(store), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all(h["language"] == "en" for h in hits)
    assert main(["search", "ferries", "--language", "de", "--kb", str(store)]) == 0
    err = capsys.readouterr().err
    assert 'no document is in language "de"; the knowledge base holds: en' in err
    assert main(["docs", "--kb", str(store)]) == 0
    assert "lang" in capsys.readouterr().out.splitlines()[0]


def test_citations_of_an_older_version_say_what_replaced_it(store):
    """This test ensures that when all versions are searched, a quote from the superseded
    original is cited with "superseded by ..." in both references, and one from the revision
    without it."""
    import kb

    with kb.KnowledgeBase.open(store) as kbase:
        quotes = kb.find_quotes(kbase, "ferries outer islands winter", filters=Filters(all_versions=True), k=5)
    by_file = {q.document.file: q for q in quotes}
    assert "report.txt" in by_file and "report_rev1.txt" in by_file
    assert by_file["report.txt"].reference.endswith("(Superseded by HB/2025/4/Rev.1.)")
    assert "(superseded by HB/2025/4/Rev.1)" in by_file["report.txt"].short_reference
    assert "uperseded" not in by_file["report_rev1.txt"].reference


def test_check_marks_a_superseded_document_when_all_versions_are_asked_for(store):
    """This test ensures (found in review) that a cross-check over all versions cites the original
    with "superseded by ..." like search and quote do."""
    import kb

    with kb.KnowledgeBase.open(store) as kbase:
        verdict = kb.check_claim(kbase, "Ferries sail twice a week.", filters=Filters(all_versions=True))
    old = next(d for d in verdict.documents if d.document.file == "report.txt")
    assert "superseded by HB/2025/4/Rev.1" in " ".join(old.references) or not old.references
    from kb.answers.cite import short_reference

    assert "(superseded by HB/2025/4/Rev.1)" in short_reference(old.document)
