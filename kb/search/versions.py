"""Versions of UN documents: revisions (/Rev.N) replace the document they revise, corrigenda
(/Corr.N) correct it, addenda (/Add.N) extend it. Pure functions of the documents' symbols.

    TPNW/MSP/2025/11        original, superseded by TPNW/MSP/2025/11/Rev.1
    TPNW/MSP/2025/11/Rev.1  revision 1 of TPNW/MSP/2025/11 (the latest)
    E/2025/9/Add.13         addendum 13 to E/2025/9

By default search leaves out a document that a later revision in the store replaces; a filter
naming it, or `Filters(all_versions=True)`, brings it back, and its hits say what replaced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from kb.types import Document, Filters, Hit

SUPERSEDED_FLAG = "superseded-by:"  # a Document flag that citations turn into "superseded by X"

_PART = re.compile(r"/(Rev|Corr|Add)\.(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Version:
    """Where a document stands in its symbol family."""

    family: str  # the symbol without /Rev.N and /Corr.N: what its revisions share
    revision: int = 0  # N of /Rev.N; 0 for the original
    corrigendum: int = 0  # N of /Corr.N
    addendum_to: str | None = None  # the parent's symbol, for /Add.N
    superseded_by: str | None = None  # the symbol of the latest revision, when a later one is in the store
    corrects: str = ""  # for /Corr.N: the symbol it corrects (X/7/Rev.1 for X/7/Rev.1/Corr.1)

    def describe(self) -> str:
        """'Rev.1 of X', 'superseded by X/Rev.1', 'Corr.1 to X', 'addendum to X' or ''."""
        if self.superseded_by:
            return f"superseded by {self.superseded_by}"
        if self.corrigendum:
            return f"Corr.{self.corrigendum} to {self.corrects or self.family}"
        if self.revision:
            return f"Rev.{self.revision} of {self.family}"
        if self.addendum_to:
            return f"addendum to {self.addendum_to}"
        return ""


def parse_version(symbol: str) -> Version:
    """The version a symbol names (pure): TPNW/MSP/2025/11/Rev.1 -> family TPNW/MSP/2025/11, revision 1."""
    revision = corrigendum = 0
    for kind, n in _PART.findall(symbol):
        if kind.lower() == "rev":
            revision = int(n)
        elif kind.lower() == "corr":
            corrigendum = int(n)
    family = re.sub(r"/(?:Rev|Corr)\.\d+", "", symbol, flags=re.IGNORECASE)
    add = re.search(r"^(.*)/Add\.\d+$", family, re.IGNORECASE)
    corrects = re.sub(r"/Corr\.\d+", "", symbol, flags=re.IGNORECASE) if corrigendum else ""
    return Version(family=family, revision=revision, corrigendum=corrigendum,
                   addendum_to=add.group(1) if add else None, corrects=corrects)


def versions(documents: Iterable[Document]) -> dict[str, Version]:
    """Each document with a symbol and its version; an original or revision that a later
    revision of the same family replaces carries `superseded_by`, and so does a corrigendum to it
    (the revision takes the correction in). Corrigenda replace nothing themselves."""
    docs = [d for d in documents if d.symbol]
    parsed = {d.doc_id: parse_version(d.symbol or "") for d in docs}
    latest: dict[str, tuple[int, str]] = {}
    for d in docs:
        v = parsed[d.doc_id]
        if not v.corrigendum and v.revision >= latest.get(v.family, (-1, ""))[0]:
            latest[v.family] = (v.revision, d.symbol or "")
    out = {}
    for d in docs:
        v = parsed[d.doc_id]
        newest, symbol = latest.get(v.family, (0, ""))
        if v.revision < newest:
            v = Version(v.family, v.revision, v.corrigendum, v.addendum_to, superseded_by=symbol, corrects=v.corrects)
        out[d.doc_id] = v
    return out


def superseded(documents: Iterable[Document]) -> set[str]:
    """The ids of documents a later revision in the same collection replaces."""
    return {doc_id for doc_id, v in versions(documents).items() if v.superseded_by}


class VersionScope:
    """A store's version families, worked out once per store generation: which documents a
    later revision replaces, and their passages' row ids (what search leaves out by default)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._generation: int | None = None
        self._versions: dict[str, Version] = {}
        self._ids: set[str] = set()
        self._rows: set[int] = set()

    def _refresh(self) -> None:
        generation = self.store.generation()
        if generation != self._generation:
            self._versions = versions(self.store.documents())
            self._ids = {doc_id for doc_id, v in self._versions.items() if v.superseded_by}
            rows = self.store.allowed_rowids(Filters(docs=tuple(self._ids))) if self._ids else None
            self._rows = set() if rows is None else set(map(int, rows))
            self._generation = generation

    def superseded_ids(self) -> set[str]:
        self._refresh()
        return self._ids

    def superseded_rowids(self) -> set[int]:
        self._refresh()
        return self._rows

    def note(self, doc: Document) -> str:
        """'superseded by X/Rev.1', 'Rev.1 of X', 'addendum to X' ... or ''."""
        self._refresh()
        v = self._versions.get(doc.doc_id)
        return v.describe() if v else ""

    def mark_document(self, doc: Document) -> Document:
        """`doc`, flagged "superseded-by:<symbol>" when a later revision replaces it."""
        self._refresh()
        v = self._versions.get(doc.doc_id)
        if v and v.superseded_by:
            return replace(doc, flags=(*doc.flags, SUPERSEDED_FLAG + v.superseded_by))
        return doc

    def mark(self, hits: list[Hit]) -> list[Hit]:
        """The hits, a superseded document's flagged "superseded-by:<symbol>" so that its
        citations say what replaced it."""
        self._refresh()
        if not self._ids or not any(h.document.doc_id in self._ids for h in hits):
            return hits
        return [replace(h, document=self.mark_document(h.document)) for h in hits]


def document_records(store) -> list[dict]:
    """Every document with its passage count and its place among its versions: the shape of
    `kb docs --json` and the API's /documents."""
    docs = store.documents()
    counts = store.passage_counts()
    family = {doc_id: v.describe() for doc_id, v in versions(docs).items()}
    return [d.to_dict() | {"passages": counts.get(d.doc_id, 0), "version": family.get(d.doc_id, "")} for d in docs]
