"""Real UN PDFs through read_pdf -> to_blocks -> to_passages: gold quotes of dev-un.jsonl land in
passages with their paragraph number and PDF page; numbering restarts only where reports do."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from tests.conftest import shared_path

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _count(text: str) -> int:
    return len(_words(text)) + len(re.findall(r"[^\w\s]", text))  # close to word pieces; speed over accuracy


@cache
def _blocks(name: str):
    from ingest.pdf_reader import read_pdf
    from ingest.structure import to_blocks

    return to_blocks(read_pdf(shared_path("external", "un-documents-2025", "pdfs", name)))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i, w in enumerate(haystack) if w == needle[0])


def test_un_gold_quotes_fall_in_passages_with_para_and_page():
    """This test ensures that each gold quote of the UN dev set lies inside one passage of its
    PDF whose paragraph number and page range match the gold para and page."""
    from ingest.chunk import to_passages

    gold = shared_path("eval", "dev-un.jsonl")
    total = good = 0
    misses = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        for ev in question["evidence"]:
            passages = to_passages(_blocks(ev["doc"]), "d", _count)
            quote = _words(ev["quote"])
            ok = any(
                _contains(_words(p.text), quote)
                and (ev["para"] is None or p.para == str(ev["para"]))
                and p.page_start is not None and p.page_start <= ev["page"] <= (p.page_end or p.page_start)
                for p in passages
            )
            total += 1
            good += ok
            if not ok:
                misses.append(f"{question['id']} {ev['doc']} para {ev['para']} page {ev['page']}")
    print(f"UN gold quotes in a passage with their para and page: {good}/{total}")
    assert good == total, misses


@pytest.mark.parametrize(
    ("name", "runs"),
    [
        ("S_2025_269.en.pdf", 1),  # one report, one run of paragraphs
        ("DP_2025_14.en.pdf", 1),
        ("TD_B_43_6.en.pdf", 1),  # numbered sub-headings "1. Official debt" inside the run
        ("A_80_38.en.pdf", 3),  # CEDAW: three session reports, numbering restarts in each
    ],
)
def test_un_paragraph_runs(name, runs):
    """This test ensures that paragraph numbers form contiguous runs 1..N that restart only where
    the document starts a new report or annex."""
    paras = [int(b.para) for b in _blocks(name) if b.kind == "para"]
    starts = [i for i, n in enumerate(paras) if n == 1]
    assert len(starts) == runs
    for a, b in zip(starts, starts[1:] + [len(paras)]):
        run = paras[a:b]
        assert run == list(range(1, len(run) + 1)), f"{name}: run {run[:5]}... is not contiguous"
