"""Answers, quotes, cross-checks and comparisons taken away as Word briefings and Markdown."""

from __future__ import annotations

import io

import pytest
from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.ask import ask
from kb.answers.briefing import _md_literal, briefing, export_result, sentences_by_marker, to_markdown
from kb.answers.check import check_claim
from kb.answers.compare import compare
from kb.answers.quotes import find_quotes
from kb.cli.main import main
from kb.errors import ConfigError

docx = pytest.importorskip("docx")


@pytest.fixture
def kbase(water_kb):  # noqa: F811
    return water_kb


def _word_text(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_an_answer_becomes_a_word_briefing_with_numbered_sources(kbase):
    answer = ask(kbase, "How do acoustic sensors find leaks in water mains?").to_dict()
    paras = _word_text(export_result("answer", answer, "Leak detection", "docx"))
    assert paras[0] == ("Heading 1", "Leak detection")
    body = paras[1][1]
    assert "[1]" in body and body.replace(" [1]", "").split("[")[0].strip()  # kb's words, then the marker
    sources = [t for _, t in paras[paras.index(("Heading 2", "Sources")) + 1:]]
    assert sources and all(t.startswith(f"[{i}] ") for i, t in enumerate(sources, start=1))
    refs = [c["reference"] for c in answer["citations"]]
    assert [t.split("] ", 1)[1] for t in sources] == list(dict.fromkeys(refs))


def test_quotes_are_exported_exactly_as_verified(kbase):
    quotes = [q.to_dict() for q in find_quotes(kbase, "flat-rate tariffs", k=2)]
    assert quotes
    paras = _word_text(export_result("quotes", quotes, "Tariffs", "docx"))
    quoted = [t for style, t in paras if style == "Quote"]
    assert [t.rsplit(" [", 1)[0] for t in quoted] == [q["quote"] for q in quotes]
    md = export_result("quotes", quotes, "Tariffs", "md").decode()
    for i, q in enumerate(quotes, start=1):
        assert f"> {_md_literal(q['quote'])} [^{i}]" in md and f"[^{i}]: {q['reference']}" in md


def test_markdown_footnotes_follow_the_answers_markers(kbase):
    answer = ask(kbase, "How do acoustic sensors find leaks in water mains?").to_dict()
    md = to_markdown(briefing("answer", answer, "Leaks"))
    assert md.startswith("# Leaks\n") and "[^1]" in md and "\n[^1]: " in md
    assert "[1]" not in md.replace("[^1]", "")


def test_a_cross_check_and_a_comparison_list_their_evidence(kbase):
    verdict = check_claim(kbase, "The agency recommends increasing block tariffs").to_dict()
    paras = _word_text(export_result("verdict", verdict, "Claim: block tariffs", "docx"))
    assert paras[1][1] == f"Overall: {verdict['verdict']}."
    decided = [d for d in verdict["documents"] if d["verdict"] != "not addressed"]
    assert [t for s, t in paras if s == "Heading 2" and t != "Sources"][:len(decided)] == \
        [f"{d['title']}: {d['verdict']}" + (f" ({d['reason']})" if d["reason"] else "") for d in decided]
    comparison = compare(kbase, "water tariffs").to_dict()
    md = export_result("comparison", comparison, "Tariffs", "md").decode()
    for row in comparison["rows"]:
        assert f"## {row['title']}" in md


def test_unknown_kinds_and_formats_are_refused():
    with pytest.raises(ConfigError, match="unknown result kind"):
        briefing("memo", {}, "x")
    with pytest.raises(ConfigError, match="unknown export format"):
        export_result("quotes", [], "x", "pdf")


def test_sentences_by_marker():
    assert sentences_by_marker('Meters cut use. [1] Leaks hide [2] [3] in homes.') == \
        {1: ["Meters cut use."], 2: ["Leaks hide"], 3: ["Leaks hide"]}


def test_the_cli_exports_answers_checks_and_comparisons(kbase, tmp_path, capsys):
    kbdir = str(kbase.store.path)
    out = tmp_path / "a.docx"
    assert main(["--kb", kbdir, "ask", "acoustic sensors find leaks", "--offline", "--export", "docx", "-o", str(out)]) == 0
    assert _word_text(out.read_bytes())[0] == ("Heading 1", "acoustic sensors find leaks")
    capsys.readouterr()
    assert main(["--kb", kbdir, "compare", "water tariffs", "--export", "md"]) == 0
    assert capsys.readouterr().out.startswith("# water tariffs\n")  # Markdown replaces the terminal text
    assert main(["--kb", kbdir, "check", "block tariffs", "--export", "docx"]) == 1
    assert "--export docx needs -o FILE.docx" in capsys.readouterr().err
    out = tmp_path / "q.docx"
    assert main(["--kb", kbdir, "quote", "flat-rate tariffs", "-k", "1", "--export", "docx", "-o", str(out)]) == 0
    assert [s for s, _ in _word_text(out.read_bytes())].count("Quote") == 1


def test_control_characters_and_markdown_marks_survive_the_export():
    quotes = [{"quote": "households from\x0b high *bills* [sic]", "reference": "X (2020), para. 1."}]
    paras = _word_text(export_result("quotes", quotes, "T", "docx"))  # python-docx refuses \x0b itself
    assert ("Quote", "households from  high *bills* [sic] [1]") in paras
    md = export_result("quotes", quotes, "T", "md").decode()
    assert "> households from\x0b high \\*bills\\* \\[sic\\] [^1]" in md  # renders as the quote, marks visible
