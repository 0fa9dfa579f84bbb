"""Exports of a quote selection: Markdown, CSV, BibTeX and RIS (pure functions returning text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from kb.answers.cite import bibtex, cite_key, one_line, ris
from kb.errors import ConfigError
from kb.types import Quote

FORMATS = ("md", "csv", "bib", "ris")
CSV_FIELDS = ("quote", "reference", "short_reference", "doc_file", "title", "para", "page", "page_label",
              "passage_id")


def to_markdown(quotes: Sequence[Quote], title: str | None = None) -> str:
    """Block quotes, each followed by its copy-ready reference."""
    lines = [f"# {title}", ""] if title else []
    for q in quotes:
        lines += ["> " + one_line(q.quote), ">", f"> \u2014 {one_line(q.reference)}", ""]
    return "\n".join(lines)


def to_csv(quotes: Sequence[Quote]) -> str:
    """One row per quote with the citation fields."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for q in quotes:
        p = q.passage
        row = {"quote": q.quote, "reference": q.reference, "short_reference": q.short_reference,
               "doc_file": q.document.file, "title": q.document.title, "para": p.para or "",
               "page": "" if p.page_start is None else p.page_start, "page_label": p.page_label or "",
               "passage_id": p.passage_id}
        w.writerow({k: one_line("" if v is None else str(v)) for k, v in row.items()})  # no line break in a field
    return buf.getvalue()


def to_bibtex(quotes: Sequence[Quote]) -> str:
    """One entry per quote (keys made unique with a, b, c ... when a document repeats)."""
    seen: dict[str, int] = {}
    entries = []
    for q in quotes:
        key = cite_key(q.document)
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n:
            key += chr(ord("a") + n - 1) if n <= 26 else str(n)
        entries.append(bibtex(q.document, q.passage, quote=q.quote, key=key))
    return "\n".join(entries)


def to_ris(quotes: Sequence[Quote]) -> str:
    return "\n".join(ris(q.document, q.passage, quote=q.quote) for q in quotes)


def export_quotes(quotes: Sequence[Quote], fmt: str) -> str:
    """The selection in one of FORMATS."""
    if fmt == "md":
        return to_markdown(quotes)
    if fmt == "csv":
        return to_csv(quotes)
    if fmt == "bib":
        return to_bibtex(quotes)
    if fmt == "ris":
        return to_ris(quotes)
    raise ConfigError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
