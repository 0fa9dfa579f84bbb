"""Take an answer away: an answer, a selection of quotes, a cross-check or a comparison as a
Word document (.docx, python-docx) or Markdown, ready to paste into a briefing note.

Both read the plain form every result has (`to_dict()`, which the app keeps in its history):
the text, each citation as a numbered reference ([1] in the text, footnotes in Markdown, a
numbered list of sources in Word) in kb's house style, and quotes exactly as verified (never
re-wrapped or re-typed). `briefing()` turns a result into a `Briefing`; `to_markdown` and
`to_docx` render it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from kb.errors import ConfigError

KINDS = ("answer", "quotes", "verdict", "comparison")
FORMATS = ("docx", "md")
# file suffix -> (what to call it, MIME type), for downloads of briefings and quote exports
FILE_TYPES = {"docx": ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              "md": ("Markdown", "text/markdown"), "csv": ("CSV", "text/csv"), "bib": ("BibTeX", "application/x-bibtex"),
              "ris": ("RIS", "application/x-research-info-systems")}
_MARK = re.compile(r"\[(\d+)\]")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters a Word document cannot hold
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _xml_safe(text: str) -> str:
    """Control characters (a vertical tab from a text file) become spaces; nothing else changes."""
    return _NOT_XML.sub(" ", text)


def _md_literal(text: str) -> str:
    """Markdown that renders as exactly `text` (a quote's asterisks and brackets stay visible)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


@dataclass(frozen=True)
class Piece:
    """One block of the briefing: a heading, a paragraph of kb's own words (its [n] markers
    refer to the sources) or a verbatim quote with the source it comes from."""

    kind: str  # heading | para | quote
    text: str
    source: int | None = None  # for a quote: its number in `Briefing.sources`


@dataclass(frozen=True)
class Briefing:
    title: str
    pieces: tuple[Piece, ...]
    sources: tuple[str, ...]  # references, numbered from 1


class _Sources:
    """References numbered in order of first use (the same reference keeps its number)."""

    def __init__(self) -> None:
        self.refs: list[str] = []

    def number(self, reference: str) -> int:
        if reference not in self.refs:
            self.refs.append(reference)
        return self.refs.index(reference) + 1


def _answer(a: dict, src: _Sources) -> list[Piece]:
    if not a["answered"]:
        out = [Piece("para", a["answer"])]
        if a.get("related"):
            out.append(Piece("heading", "Related reading (the nearest passages; they do not answer the question)"))
            out += [Piece("quote", c["text"], src.number(c["reference"])) for c in a["related"]]
        return out
    numbers = {c["n"]: src.number(c["reference"]) for c in a["citations"]}
    text = _MARK.sub(lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", a["answer"])
    out = [Piece("para", text)]
    if a.get("confidence_level") == "low":
        out.append(Piece("para", "Low confidence: the passages match the question only in part; check the sources."))
    return out


def _quotes(quotes: list[dict], src: _Sources) -> list[Piece]:
    return [Piece("quote", q["quote"], src.number(q["reference"])) for q in quotes]


def _verdict(v: dict, src: _Sources) -> list[Piece]:
    out = [Piece("para", f"Overall: {v['verdict']}.")]
    silent = [d.get("title") or d["doc_file"] for d in v["documents"] if d["verdict"] == "not addressed"]
    for d in v["documents"]:
        if d["verdict"] == "not addressed":
            continue
        reason = f" ({d['reason']})" if d.get("reason") else ""
        out.append(Piece("heading", f"{d.get('title') or d['doc_file']}: {d['verdict']}{reason}"))
        out += [Piece("quote", e["text"], src.number(e.get("reference") or d["doc_file"])) for e in d["evidence"]]
    if silent:
        out.append(Piece("para", "Not addressed by: " + "; ".join(silent) + "."))
    return out


def _comparison(c: dict, src: _Sources) -> list[Piece]:
    out: list[Piece] = []
    for row in c["rows"]:
        out.append(Piece("heading", row.get("title") or row["doc_file"]))
        out += [Piece("quote", p["text"], src.number(p.get("reference") or row["doc_file"])) for p in row["passages"]]
    return out or [Piece("para", "No document treats this topic.")]


def briefing(kind: str, result: dict | list, title: str) -> Briefing:
    """A Briefing from a result's plain form: kind "answer" (Answer.to_dict()), "quotes" (a list
    of Quote.to_dict()), "verdict" (Verdict.to_dict()) or "comparison" (Comparison.to_dict())."""
    src = _Sources()
    build = {"answer": _answer, "quotes": _quotes, "verdict": _verdict, "comparison": _comparison}.get(kind)
    if build is None:
        raise ConfigError(f"unknown result kind {kind!r}; use one of {', '.join(KINDS)}")
    pieces = build(result, src)  # type: ignore[arg-type]
    return Briefing(title=title, pieces=tuple(pieces), sources=tuple(src.refs))


def to_markdown(b: Briefing) -> str:
    """Markdown with footnotes: [^n] after each sentence or quote, the references at the end."""
    lines = [f"# {b.title}", ""]
    for p in b.pieces:
        if p.kind == "heading":
            lines += [f"## {p.text}", ""]
        elif p.kind == "para":
            lines += [_MARK.sub(r"[^\1]", p.text), ""]
        else:
            quoted = _md_literal(p.text).split("\n")
            lines += [f"> {line}" for line in quoted]
            lines[-1] += f" [^{p.source}]"
            lines.append("")
    lines += [f"[^{i}]: {ref}" for i, ref in enumerate(b.sources, start=1)]
    return "\n".join(lines) + "\n"


def to_docx(b: Briefing) -> bytes:
    """A Word document: title, the text with [n] references, quotes in the Quote style, and the
    numbered list of sources."""
    from docx import Document as WordDocument

    doc = WordDocument()
    doc.add_heading(_xml_safe(b.title), level=1)
    for p in b.pieces:
        if p.kind == "heading":
            doc.add_heading(_xml_safe(p.text), level=2)
        elif p.kind == "para":
            doc.add_paragraph(_xml_safe(p.text))
        else:
            para = doc.add_paragraph(style="Quote")
            para.add_run(_xml_safe(p.text))
            para.add_run(f" [{p.source}]")
    if b.sources:
        doc.add_heading("Sources", level=2)
        for i, ref in enumerate(b.sources, start=1):
            doc.add_paragraph(_xml_safe(f"[{i}] {ref}"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def export_result(kind: str, result: dict | list, title: str, fmt: str) -> bytes:
    """The result as a .docx file or Markdown (UTF-8 bytes)."""
    b = briefing(kind, result, title)
    if fmt == "docx":
        return to_docx(b)
    if fmt == "md":
        return to_markdown(b).encode("utf-8")
    raise ConfigError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def briefing_files(kind: str, result: dict | list, title: str) -> dict[str, bytes]:
    """{file name: bytes} of the result as a Word briefing and as Markdown."""
    return {f"{kind}-briefing.{fmt}": export_result(kind, result, title, fmt) for fmt in FORMATS}


def sentences_by_marker(answer_text: str) -> dict[int, list[str]]:
    """The answer's sentences grouped by the source marker [n] that follows them."""
    out: dict[int, list[str]] = {}
    for sentence, marks in re.findall(r"(.+?)((?:\s*\[\d+\])+)", answer_text, flags=re.DOTALL):
        for n in re.findall(r"\d+", marks):
            out.setdefault(int(n), []).append(sentence.strip().strip('"“”'))
    return out
