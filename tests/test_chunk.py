"""Chunking: one paragraph one passage, sentence-boundary splits within the window, merging of
short text and footnotes, stable ids."""

from __future__ import annotations

import re

import pytest

from ingest.chunk import split_sentences, split_text, to_passages
from ingest.model import Block
from kb.types import make_passage_id


def words(text: str) -> int:
    """A stand-in token counter: words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def _sentences(n: int, start: int = 0) -> str:
    return " ".join(f"Sentence number {i} talks about harbour dues and lights." for i in range(start, start + n))


def test_one_numbered_paragraph_is_one_passage():
    """This test ensures that each numbered paragraph becomes one passage carrying its number,
    section, kind and pages, with part 0."""
    blocks = [
        Block(text="II. Funding", kind="heading", section=("II. Funding",)),
        Block(text="First paragraph.", kind="para", para="4", section=("II. Funding",), page_start=3, page_end=3),
        Block(text="Second paragraph.", kind="para", para="5", section=("II. Funding",), page_start=3, page_end=4,
              page_label="1"),
    ]
    ps = to_passages(blocks, "d1", words)
    assert [(p.para, p.part, p.kind, p.seq) for p in ps] == [("4", 0, "para", 0), ("5", 0, "para", 1)]
    assert (ps[1].page_start, ps[1].page_end, ps[1].page_label, ps[1].section) == (3, 4, "1", ("II. Funding",))


def test_long_paragraph_is_split_at_sentences_within_the_window():
    """This test ensures that a paragraph longer than max_tokens is split into parts 1, 2, ...
    at sentence ends, each within the window minus the safety margin, keeping para and pages."""
    text = _sentences(12)  # 12 sentences of 11 tokens
    blocks = [Block(text=text, kind="para", para="7", section=("S",), page_start=2, page_end=3)]
    ps = to_passages(blocks, "d1", words, max_tokens=50)
    assert len(ps) > 1
    assert [p.part for p in ps] == list(range(1, len(ps) + 1))
    assert all(p.para == "7" and p.page_start == 2 and p.section == ("S",) for p in ps)
    assert all(words(p.text) <= 50 - 10 for p in ps)
    assert all(p.text.endswith("lights.") for p in ps), "parts end at sentence boundaries"
    assert " ".join(p.text for p in ps) == text, "no text is lost or repeated"
    sizes = [words(p.text) for p in ps]
    assert max(sizes) - min(sizes) <= 11, "parts are balanced"


def test_overlong_sentence_is_split_at_words():
    """This test ensures that one sentence longer than the window is cut at word boundaries."""
    text = " ".join(f"word{i}" for i in range(100))
    parts = split_text(text, words, budget=30)
    assert all(words(p) <= 30 for p in parts)
    assert " ".join(parts) == text


def test_short_text_blocks_of_one_section_are_merged():
    """This test ensures that short unnumbered text blocks of one section merge up to half the
    window, and that blocks of another section or numbered paragraphs are not merged in."""
    blocks = [
        Block(text="Distr. GENERAL", kind="text", section=("Front",)),
        Block(text="25 May 1999", kind="text", section=("Front",)),
        Block(text="Other section text.", kind="text", section=("Other",)),
        Block(text="A paragraph.", kind="para", para="1", section=("Other",)),
        Block(text="Text after it.", kind="text", section=("Other",)),
    ]
    ps = to_passages(blocks, "d1", words)
    assert [p.text for p in ps] == ["Distr. GENERAL\n25 May 1999", "Other section text.", "A paragraph.",
                                    "Text after it."]


def test_merging_stops_at_half_the_window():
    """This test ensures that merged text never grows beyond about half the window."""
    blocks = [Block(text=_sentences(1, i), kind="text", section=("S",)) for i in range(10)]
    ps = to_passages(blocks, "d1", words, max_tokens=50)
    assert len(ps) > 1 and all(words(p.text) <= 25 for p in ps)


def test_headings_and_contents_are_not_passages_and_footnotes_merge_per_page():
    """This test ensures that heading and toc blocks give no passage, and footnotes of one page
    merge into one footnote passage."""
    blocks = [
        Block(text="CONTENTS", kind="heading"),
        Block(text="I. Preface..... 1", kind="toc"),
        Block(text="1 See the report.", kind="footnote", page_start=2, page_end=2),
        Block(text="2 Author (1999).", kind="footnote", page_start=2, page_end=2),
        Block(text="3 Another note.", kind="footnote", page_start=3, page_end=3),
    ]
    ps = to_passages(blocks, "d1", words)
    assert [(p.kind, p.text) for p in ps] == [
        ("footnote", "1 See the report.\n2 Author (1999)."),
        ("footnote", "3 Another note."),
    ]


def test_passage_ids_are_stable_and_derived_from_content():
    """This test ensures that the same blocks give the same passage ids on every run and that
    the id is make_passage_id(doc_id, seq, text)."""
    blocks = [Block(text=_sentences(8), kind="para", para="1"), Block(text="Short.", kind="text")]
    first = to_passages(blocks, "doc", words, max_tokens=40)
    again = to_passages(list(blocks), "doc", words, max_tokens=40)
    assert [p.passage_id for p in first] == [p.passage_id for p in again]
    assert all(p.passage_id == make_passage_id("doc", p.seq, p.text) for p in first)
    assert len({p.passage_id for p in first}) == len(first)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("See e.g. the study by Smith et al. in 2001. Then more.", ["See e.g. the study by Smith et al. in 2001.",
                                                                    "Then more."]),
        ("Written by J. Smith. Next.", ["Written by J. Smith.", "Next."]),
        ("A lead-in:\n• item one\n• item two", ["A lead-in:", "• item one", "• item two"]),
        ("Growth was 3.5 per cent. It fell.", ["Growth was 3.5 per cent.", "It fell."]),
    ],
)
def test_split_sentences(text, expected):
    """This test ensures that sentences split at their ends but not after abbreviations,
    initials or decimal points, and that lines stay apart."""
    assert split_sentences(text) == expected


def test_a_document_of_headings_only_keeps_them():
    """This test ensures that a file holding nothing but headings is not lost silently: its
    headings become one passage."""
    blocks = [Block(text="Title", kind="heading", section=("Title",)),
              Block(text="Part one", kind="heading", section=("Title", "Part one"))]
    ps = to_passages(blocks, "d1", words)
    assert [(p.kind, p.text) for p in ps] == [("heading", "Title\nPart one")]


def test_split_parts_keep_line_breaks():
    """This test ensures that a split keeps the line breaks of the text inside each part (a box
    title stays on its own line, list items stay apart)."""
    text = "Box 2: Title\n" + _sentences(6) + "\n• " + _sentences(1, 6)
    parts = split_text(text, words, budget=40)
    assert len(parts) > 1
    assert parts[0].startswith("Box 2: Title\nSentence number 0")
    bullet = next(p for p in parts if "• Sentence number 6" in p)
    assert re.search(r"(^|\n)• Sentence number 6", bullet), "the list item starts its own line"
