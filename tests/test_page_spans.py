"""Pages of split paragraphs: each part of a long paragraph is cited with its own pages."""

from __future__ import annotations

from ingest.chunk import to_passages
from ingest.model import Line, RawDocument, pages_of_span
from ingest.structure import to_blocks


def _words(text: str) -> int:
    return len(text.split())


def _sentences(tag: str, n: int) -> list[str]:
    return [f"Sentence {tag}{i} tells how ferry crews share one repair dock in the harbour." for i in range(n)]


def test_parts_of_a_split_paragraph_carry_their_own_pages():
    """This test ensures that when a numbered paragraph runs from page 3 to page 4 and is split,
    a part that lies wholly on page 4 is cited as page 4 (not the paragraph's first page), with
    that page's printed label."""
    page3 = _sentences("a", 4)
    page4 = _sentences("b", 8)
    lines = [Line("1. Ferry operators met in the port hall.", page=3, page_label="1", blank_before=True)]
    lines += [Line(s, page=3, page_label="1") for s in page3]
    lines += [Line(s, page=4, page_label="2") for s in page4]
    lines += [Line("2. The dock opens at dawn.", page=4, page_label="2", blank_before=True)]
    blocks = to_blocks(RawDocument(lines=tuple(lines), fmt="pdf", pages=4))
    passages = [p for p in to_passages(blocks, "d" * 16, _words, max_tokens=60) if p.para == "1"]
    assert len(passages) > 1, "the paragraph must be split for this test"
    assert passages[0].page_start == 3 and passages[0].page_label == "1"
    last = passages[-1]
    assert "Sentence b7" in last.text
    assert (last.page_start, last.page_end, last.page_label) == (4, 4, "2"), last
    for p in passages:  # every part's text really lies on the pages it claims
        on_page4_only = "Sentence a" not in p.text and "Ferry operators" not in p.text
        assert (p.page_start == 4) == on_page4_only, p


def test_pages_of_span_picks_first_and_last_page():
    """This test ensures that a text span is mapped to the pages its start and end lie on."""
    marks = ((0, 3, "1"), (100, 4, "2"), (200, 5, "3"))
    assert pages_of_span(marks, 0, 50) == (3, 3, "1")
    assert pages_of_span(marks, 50, 150) == (3, 4, "1")
    assert pages_of_span(marks, 120, 250) == (4, 5, "2")
    assert pages_of_span((), 0, 10) is None
