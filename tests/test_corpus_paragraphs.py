"""The reference corpus through read_text -> to_blocks -> to_passages: every numbered paragraph
becomes a passage with its number, no passage exceeds the model's window, gold quotes land in
passages with their gold paragraph."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from tests.conftest import shared_path

pytestmark = pytest.mark.integration

NUMBERED_DOCS = ("000_", "001_", "004_")
MAX_TOKENS = 256
_WORD = re.compile(r"\w+")


@cache
def _tokenizer():
    from transformers import AutoTokenizer

    import kb.embed.resolve

    tok = AutoTokenizer.from_pretrained(kb.embed.resolve.resolve_model_path("all-MiniLM-L6-v2"))
    tok.model_max_length = 1_000_000  # counting only: silence the long-sequence warning
    return tok


def _count(text: str) -> int:
    return len(_tokenizer().tokenize(text))


@cache
def _passages(name: str):
    from ingest.chunk import to_passages
    from ingest.structure import to_blocks
    from ingest.text_reader import read_text

    path = next(shared_path("corpus").glob(name + "*.txt"))
    return to_passages(to_blocks(read_text(path)), "doc" + name, _count, max_tokens=MAX_TOKENS)


def _words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>|\*+|_{2,}", " ", text)
    return _WORD.findall(text.lower())


def _expected_paragraphs(name: str) -> dict[int, list[str]]:
    """Numbered body paragraphs read straight from the file, independently of ingest: lines
    "N. Text" that are not contents entries (dotted leaders) nor bold headings; footnotes are
    recognised as the numbers that break the run 1, 2, 3, ... of the long lines."""
    path = next(shared_path("corpus").glob(name + "*.txt"))
    candidates: dict[int, list[list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\d{1,3})\.\s+(.+)$", line.strip())
        if not m or "....." in line:
            continue
        candidates.setdefault(int(m.group(1)), []).append(_words(m.group(2))[:8])
    top = 0
    while top + 1 in candidates:
        top += 1
    return {n: candidates[n] for n in range(1, top + 1)}


@pytest.mark.parametrize("name", NUMBERED_DOCS)
def test_every_numbered_paragraph_is_a_passage(name):
    """This test ensures that each numbered paragraph of the UNCTAD and OECD papers is a passage
    (or split passages) carrying its number, opening with the paragraph's own words, and that
    no other numbers are taken for paragraphs."""
    expected = _expected_paragraphs(name)
    assert len(expected) >= 60, "the independent reading should find the paragraph run"
    passages = _passages(name)
    got = {int(p.para) for p in passages if p.para is not None}
    assert got == set(expected), f"missing {sorted(set(expected) - got)}, extra {sorted(got - set(expected))}"
    for n, openings in expected.items():
        first = next(p for p in passages if p.para == str(n) and p.part in (0, 1))
        assert first.kind == "para"
        assert _words(first.text)[:8] in openings, f"paragraph {n} opens with other words: {first.text[:80]!r}"
        parts = [p.part for p in passages if p.para == str(n)]
        assert parts == [0] or parts == list(range(1, len(parts) + 1)), f"paragraph {n} parts {parts}"


@pytest.mark.parametrize("name", ("000_", "001_", "002_", "003_", "004_"))
def test_no_passage_exceeds_the_model_window(name):
    """This test ensures that no passage is longer than 256 word pieces of the real tokenizer
    and that passage ids are unique and seq runs 0, 1, 2, ..."""
    passages = _passages(name)
    assert passages
    assert max(_count(p.text) for p in passages) <= MAX_TOKENS
    assert [p.seq for p in passages] == list(range(len(passages)))
    assert len({p.passage_id for p in passages}) == len(passages)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    first = needle[0]
    return any(
        haystack[i : i + len(needle)] == needle for i, word in enumerate(haystack) if word == first
    )


def test_gold_quotes_fall_inside_passages_with_their_paragraph():
    """This test ensures that the dev set's gold quotes each lie inside one passage of their
    document, and inside a passage with the gold paragraph number when one is given."""
    gold = shared_path("eval", "dev.jsonl")
    total = inside = with_para = para_total = 0
    misses: list[str] = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        for ev in question["evidence"]:
            name = ev["doc"][:4]
            quote = _words(ev["quote"])
            hits = [p for p in _passages(name) if _contains(_words(p.text), quote)]
            total += 1
            inside += bool(hits)
            if ev["para"] is not None:
                para_total += 1
                ok = any(p.para == str(ev["para"]) for p in hits)
                with_para += ok
                if not ok:
                    misses.append(f"{question['id']} {ev['doc'][:3]} para {ev['para']}")
            elif not hits:
                misses.append(f"{question['id']} {ev['doc'][:3]} (no para)")
    print(f"gold quotes inside one passage: {inside}/{total}; with the gold para: {with_para}/{para_total}")
    assert with_para == para_total, f"quotes not in a passage with their paragraph: {misses}"
    assert inside >= total - 2, f"quotes not inside one passage: {misses}"
