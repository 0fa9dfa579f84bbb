"""The data that flows inside ingest: files -> lines (per reader) -> blocks -> passages.

Readers (text_reader, pdf_reader) turn a file into a `RawDocument`: a stream of clean
`Line`s that know their page. `structure.to_blocks` finds the document's own structure
(headings, numbered paragraphs, boxes, footnotes) and returns `Block`s. `chunk.to_passages`
turns blocks into citable `kb.types.Passage`s that fit the embedding model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One line of body text, markup removed, whitespace normalised."""

    text: str
    page: int | None = None  # 1-based PDF page; None for text files
    page_label: str | None = None  # printed page number where it differs from `page`
    heading_level: int = 0  # > 0 when the reader knows this is a heading (Markdown '#')
    blank_before: bool = False  # a paragraph break precedes this line
    kind: str = ""  # optional reader hint: "table", "footnote", "toc"


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns for one file."""

    lines: tuple[Line, ...]
    fmt: str  # pdf | text | markdown
    pages: int | None = None  # PDF page count
    meta: dict[str, Any] = field(default_factory=dict)  # PDF info (title, author, ...), first-page text
    warnings: tuple[str, ...] = ()  # recovered problems, one line each


@dataclass(frozen=True)
class Block:
    """A structural unit before chunking."""

    text: str
    kind: str  # para | text | box | summary | table | footnote | heading
    para: str | None = None  # the document's own paragraph number
    section: tuple[str, ...] = ()  # heading path, outermost first
    page_start: int | None = None
    page_end: int | None = None
    page_label: str | None = None  # printed page of page_start where it differs
    # where pages begin inside `text`: (char offset, PDF page, printed label), first at 0; lets
    # the chunker give each part of a split paragraph its own pages. Empty for text files.
    page_marks: tuple[tuple[int, int, str | None], ...] = ()


def page_marks_of(lines: list[Line] | tuple[Line, ...], texts: list[str], body: str) -> tuple[tuple[int, int, str | None], ...]:
    """Offsets in `body` (the joined text of `lines`) where each new page begins."""
    marks: list[tuple[int, int, str | None]] = []
    pos = 0
    for line, text in zip(lines, texts):
        if line.page is None or (marks and marks[-1][1] == line.page):
            continue
        probe = text.strip()[:24]
        at = body.find(probe, pos) if probe and marks else 0
        pos = at if at >= 0 else pos
        marks.append((pos, line.page, line.page_label))
    return tuple(marks)


def shift_marks(marks: tuple[tuple[int, int, str | None], ...], by: int) -> tuple[tuple[int, int, str | None], ...]:
    return tuple((off + by, page, label) for off, page, label in marks)


def pages_of_span(marks: tuple[tuple[int, int, str | None], ...], start: int, end: int,
                  ) -> tuple[int, int, str | None] | None:
    """(first page, last page, printed label of the first) of text[start:end], or None
    without marks."""
    if not marks:
        return None
    first = marks[0]
    last = marks[0]
    for mark in marks:
        if mark[0] <= start:
            first = mark
        if mark[0] < end:
            last = mark
    return first[1], max(first[1], last[1]), first[2]
