"""What every backend derives from its list of documents alone: the document by id, by any name
a user gives it, the filters (publisher, kind, language, year, --doc) and the one-line problems
of filter values that match nothing. Shared by the embedded and the PostgreSQL store, so a
filter selects the same documents on both."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np

from kb.errors import NotFoundError
from kb.types import Document, Filters


class Catalogue:
    """Mixin of a store: needs `documents()` (cached per generation) and `rowids_of(doc_ids)`."""

    def document(self, doc_id: str) -> Document:
        self.documents()
        cache = self._doc_cache
        assert cache is not None
        if doc_id not in cache:
            raise NotFoundError(f"no document {doc_id!r} in the knowledge base; `kb docs` lists them")
        return cache[doc_id]

    def find_document(self, name: str) -> Document:
        """A document by id, file name (or alias), symbol or short title."""
        for d in self.documents():
            if name in (d.doc_id, d.file, d.symbol, d.short_title) or name in d.aliases or Path(d.file).name == name:
                return d
        raise NotFoundError(f"no document {name!r} in the knowledge base; `kb docs` lists the files")

    def allowed_rowids(self, filters: Filters) -> np.ndarray | None:
        """Row ids that pass the filters, or None when nothing is filtered."""
        if filters.empty:
            return None
        docs = self.filter_documents(filters)
        if not docs:
            return np.zeros(0, dtype=np.int64)
        return self.rowids_of([d.doc_id for d in docs])

    def filter_documents(self, filters: Filters) -> list[Document]:
        out = []
        wanted = {w.lower() for w in filters.docs}
        for d in self.documents():
            if wanted and not wanted & {n.lower() for n in _names(d)}:
                continue
            if filters.publishers and not any(words_match(p, d.publisher) for p in filters.publishers):
                continue
            if filters.kinds and not any(words_match(k, d.kind) for k in filters.kinds):
                continue
            if filters.languages and (d.language or "").lower() not in {x.lower() for x in filters.languages}:
                continue
            if filters.year_min is not None and (d.year is None or d.year < filters.year_min):
                continue
            if filters.year_max is not None and (d.year is None or d.year > filters.year_max):
                continue
            out.append(d)
        return out

    def filter_problems(self, filters: Filters) -> list[str]:
        """One line per filter value that matches no document, with the nearest names the store
        holds (a user types "General Asembly" or a kind that no document has)."""
        docs = self.documents()
        problems = []
        for label, values, field in (("publisher", filters.publishers, "publisher"), ("kind", filters.kinds, "kind")):
            held = sorted({getattr(d, field) for d in docs if getattr(d, field)})
            for value in values:
                if not any(words_match(value, h) for h in held):
                    problems.append(f'no document has {label} "{value}"{_nearest(value, held)}')
        held = sorted({d.language for d in docs if d.language})
        for value in filters.languages:
            if value.lower() not in held:
                problems.append(f'no document is in language "{value}"; the knowledge base holds: '
                                f'{", ".join(held) or "none detected"}')
        names = sorted({n for d in docs for n in _names(d) if n != d.doc_id})
        for value in filters.docs:
            if value.lower() not in {n.lower() for d in docs for n in _names(d)}:
                problems.append(f'no document is called "{value}"{_nearest(value, names)}')
        return problems


def _names(d: Document) -> set[str]:
    """The names a --doc filter may give a document by."""
    return {n for n in (d.doc_id, d.file, Path(d.file).name, d.symbol or "", d.short_title or "", *d.aliases) if n}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def words_match(wanted: str, value: str | None) -> bool:
    """A filter value matches a field when its words appear in the field in order, whatever the
    case: "General Assembly" matches "United Nations General Assembly", "unctad" matches "UNCTAD"."""
    want, have = _words(wanted), _words(value or "")
    if not want:
        return False
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def _nearest(value: str, names: list[str]) -> str:
    """'; did you mean "X" or "Y"?' from the names held, or the hint to list them."""
    lowered = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=3, cutoff=0.6)
    if not close:  # a word in common: "Assembly" for "United Nations General Assembly"
        close = [k for k in lowered if set(_words(value)) & set(_words(k))][:3]
    if close:
        return "; did you mean " + " or ".join(f'"{lowered[c]}"' for c in close) + "?"
    return "; `kb docs` lists what the knowledge base holds"
