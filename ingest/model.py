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
