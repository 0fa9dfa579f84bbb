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
SCHEMA_VERSION = 2  # 2: parts of a split paragraph carry their own pages


def content_id(*parts: object, length: int = 16) -> str:
    """A stable id from content: the first `length` hex digits of sha256 over the parts."""
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


NOT_ANSWERED = "The documents do not answer this."  # the text of an Answer the documents do not give


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


def para_label(para: str | None) -> str:
    """How a reference names a passage's own number: "para. 18", "para. 3.2"; a number that says
    what it numbers ("Article 6(1)(f)", "recital 47") stays as it is."""
    if not para:
        return ""
    return para if para[:1].isalpha() else f"para. {para}"


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
            "language": d.language,
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
    all_versions: bool = False  # also documents a later revision replaces (kb.search.versions)
    languages: tuple[str, ...] = ()  # ISO 639-1 codes such as "en", "es"

    @property
    def empty(self) -> bool:
        return (not (self.docs or self.publishers or self.kinds or self.languages)
                and self.year_min is None and self.year_max is None)


@dataclass(frozen=True)
class ParsedDocument:
    """What ingest hands to the store for one file."""

    document: Document
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...] = field(default=())
    # per passage, its sentences' character ranges (kb.embed.spans.sentence_spans), found in the reader
    # processes so the main process only embeds; empty when not computed
    sentence_spans: tuple[tuple[tuple[int, int], ...], ...] = field(default=(), repr=False)
    # per passage, (token ids, token character offsets) as numpy arrays from the embedder's own
    # tokenizer (kb.embed tokenize_passages), also made in the reader processes; empty when not made.
    # Left out of ==, hash and repr: arrays compare element-wise and print long.
    tokens: tuple[Any, ...] = field(default=(), compare=False, repr=False)


# ---------------------------------------------------------------------------- answers
# What `kb ask`, `kb quote`, `kb check` and `kb compare` return. Each keeps the passages it
# cites with their documents, so a caller can format or export them without another lookup.

VERDICTS = ("supports", "contradicts", "not addressed", "unclear")


def passage_record(p: Passage, d: Document) -> dict[str, Any]:
    """One passage with every citation field: `kb passages --json`, `kb show --json` and the API's
    /passages/{id}."""
    return {
        "passage_id": p.passage_id, "doc_file": d.file, "title": d.title, "symbol": d.symbol, "year": d.year,
        "publisher": d.publisher, "para": p.para, "part": p.part, "page": p.page_start, "page_end": p.page_end,
        "page_label": p.page_label, "section": p.section_path, "kind": p.kind, "seq": p.seq, "text": p.text,
    }


def _passage_ref(passage: Passage) -> dict[str, Any]:
    """The compact passage fields shared by the answer JSON shapes."""
    return {"passage_id": passage.passage_id, "para": passage.para, "page": passage.page_start,
            "text": passage.text}


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the passage behind marker [n]."""

    n: int
    passage: Passage
    document: Document
    reference: str  # copy-ready full reference
    short_reference: str = ""

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {"n": self.n, "passage_id": p.passage_id, "doc_file": self.document.file, "para": p.para,
                "page": p.page_start, "page_label": p.page_label, "section": p.section_path, "text": p.text,
                "reference": self.reference, "short_reference": self.short_reference}


@dataclass(frozen=True)
class Answer:
    """A cited answer. `citations` holds only the sources the text actually cites; when the
    documents do not answer, `answered` is False and `related` lists the nearest passages."""

    question: str
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    evidence: float = 0.0  # the evidence score (best similarity + coverage of the question's words)
    confidence: float = 0.0  # the abstain model's probability that the documents answer (kb.answers.confidence)
    confidence_level: str = "high"  # "high" (answered), "low" (answered with a caution) or "none" (not answered)
    model: str | None = None  # the chat model that wrote the text; None = extractive
    warnings: tuple[str, ...] = ()  # what verification removed or flagged

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.text, "answered": self.answered,
                "citations": [c.to_dict() for c in self.citations],
                "related": [c.to_dict() for c in self.related], "evidence": round(self.evidence, 4),
                "confidence": round(self.confidence, 4), "confidence_level": self.confidence_level,
                "model": self.model, "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Quote:
    """A verbatim run of sentences from one passage; `quote` is an exact substring of its text."""

    quote: str
    passage: Passage
    document: Document
    reference: str
    short_reference: str = ""
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {"quote": self.quote, "passage_id": p.passage_id, "doc_file": self.document.file, "para": p.para,
                "page": p.page_start, "page_label": p.page_label, "reference": self.reference,
                "short_reference": self.short_reference, "score": round(self.score, 4), "text": p.text}


@dataclass(frozen=True)
class DocumentVerdict:
    """What one document says about a claim, and the passages that decide it."""

    document: Document
    verdict: str  # one of VERDICTS
    evidence: tuple[Passage, ...] = ()
    reason: str = ""
    score: float = 0.0
    references: tuple[str, ...] = ()  # one short reference per evidence passage
    confidence: float = 0.0  # the judge's probability for the verdict (0 when unclear or not addressed)

    def to_dict(self) -> dict[str, Any]:
        evidence = []
        for i, p in enumerate(self.evidence):
            d = _passage_ref(p)
            d["reference"] = self.references[i] if i < len(self.references) else ""
            evidence.append(d)
        return {"doc_file": self.document.file, "title": self.document.title, "verdict": self.verdict,
                "reason": self.reason, "score": round(self.score, 4),
                "confidence": round(self.confidence, 4), "evidence": evidence}


@dataclass(frozen=True)
class Verdict:
    """The cross-check of a claim: an overall verdict and one verdict per document."""

    claim: str
    verdict: str  # one of VERDICTS
    documents: tuple[DocumentVerdict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict, "documents": [d.to_dict() for d in self.documents]}


@dataclass(frozen=True)
class CompareRow:
    """One document's position on a topic: its best passages."""

    document: Document
    passages: tuple[Passage, ...]
    references: tuple[str, ...] = ()  # one short reference per passage
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for i, p in enumerate(self.passages):
            d = _passage_ref(p)
            d["reference"] = self.references[i] if i < len(self.references) else ""
            rows.append(d)
        return {"doc_file": self.document.file, "title": self.document.title, "score": round(self.score, 4),
                "passages": rows}


@dataclass(frozen=True)
class Comparison:
    """A topic across documents: one row per document, best first."""

    topic: str
    rows: tuple[CompareRow, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "rows": [r.to_dict() for r in self.rows]}
