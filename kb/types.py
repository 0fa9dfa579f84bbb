"""Plain data that flows through kb: documents, passages, hits.

Data flows one way: files -> pages -> passages -> index -> hits -> answers -> UI.
Citation data travels with the passage, so a hit can be cited without another lookup.
Only the standard library is imported here.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Bump when the passage fields or the chunking rules change: a store built with another
# schema version refuses to open (rebuild it with `kb ingest`).
SCHEMA_VERSION = 1


def content_id(*parts: object, length: int = 16) -> str:
    """A stable id from content: the first `length` hex digits of sha256 over the parts."""
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


@dataclass(frozen=True)
class Document:
    """One ingested file, identified by the hash of its bytes."""

    doc_id: str  # first 16 hex digits of the sha256 of the file's bytes
    file: str  # file name as given to ingest (relative to the ingested folder)
    sha256: str
    title: str = ""
    short_title: str | None = None
    authors: str | None = None
    publisher: str | None = None
    year: int | None = None
    symbol: str | None = None  # UN document symbol such as TD/B/COM.3/22
    kind: str | None = None  # issues paper, report, book chapter ...
    pages: int | None = None  # PDF pages; None for text files
    fmt: str = "text"  # pdf | text | markdown
    language: str | None = None
    flags: tuple[str, ...] = ()  # notes such as "scanned", "duplicate-of:<file>"
    aliases: tuple[str, ...] = ()  # other file names with identical bytes

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["flags"] = list(self.flags)
        d["aliases"] = list(self.aliases)
        return d


@dataclass(frozen=True)
class Passage:
    """The citable unit: one numbered paragraph (or part of one), a box, or a merged run
    of short unnumbered paragraphs of one section."""

    passage_id: str  # content_id(doc_id, seq, text)
    doc_id: str
    seq: int  # 0-based position in the document
    text: str  # clean text, markup removed: what is embedded, indexed and quoted
    para: str | None = None  # the document's own paragraph number, e.g. "18"
    part: int = 0  # 0 = whole paragraph; 1, 2, ... = parts of a split paragraph
    section: tuple[str, ...] = ()  # heading path, outermost first
    kind: str = "text"  # para | text | box | summary | table | footnote | heading
    page_start: int | None = None  # 1-based PDF page; None for text files
    page_end: int | None = None
    page_label: str | None = None  # printed page number where it differs from page_start

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["section"] = list(self.section)
        return d


def make_passage_id(doc_id: str, seq: int, text: str) -> str:
    """Passage ids derive from the document hash, the position and the text, so an
    unchanged file keeps its passage ids across re-ingests."""
    return content_id(doc_id, seq, text)


@dataclass(frozen=True)
class Hit:
    """A passage returned by search, with its document and the scores that ranked it."""

    passage: Passage
    document: Document
    score: float  # the fused score used for ranking (higher is better)
    rank: int = 0  # 1-based
    dense_score: float | None = None
    keyword_score: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None

    def with_rank(self, rank: int) -> Hit:
        return replace(self, rank=rank)

    def to_dict(self) -> dict[str, Any]:
        """The flat JSON shape used by `kb search --json` and the batch output."""
        p, d = self.passage, self.document
        return {
            "passage_id": p.passage_id,
            "doc_file": d.file,
            "title": d.title,
            "symbol": d.symbol,
            "year": d.year,
            "para": p.para,
            "page": p.page_start,
            "page_end": p.page_end,
            "page_label": p.page_label,
            "section": p.section_path,
            "kind": p.kind,
            "text": p.text,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "keyword_score": None if self.keyword_score is None else round(self.keyword_score, 6),
        }


@dataclass(frozen=True)
class Filters:
    """Search filters; empty means no restriction."""

    docs: tuple[str, ...] = ()  # doc_id or file names
    publishers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.docs or self.publishers or self.kinds) and self.year_min is None and self.year_max is None


@dataclass(frozen=True)
class ParsedDocument:
    """What ingest hands to the store for one file."""

    document: Document
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...] = field(default=())
