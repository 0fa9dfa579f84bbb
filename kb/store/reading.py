"""Reading a store: documents, files, passages by id or row, neighbours, filters, and the
FTS5 keyword search."""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from kb.errors import NotFoundError
from kb.store.schema import doc_from_row, passage_from_row
from kb.types import Document, Filters, Passage


class Reading:
    """Mixin of `Store`: every read."""

    def documents(self) -> list[Document]:
        gen = self.generation()
        if self._doc_cache is None or self._doc_generation != gen:
            self._doc_generation = gen
            rows = self.conn.execute("SELECT * FROM documents ORDER BY file").fetchall()
            self._doc_cache = {r["doc_id"]: doc_from_row(r) for r in rows}
        return list(self._doc_cache.values())

    def document(self, doc_id: str) -> Document:
        self.documents()
        assert self._doc_cache is not None
        if doc_id not in self._doc_cache:
            raise NotFoundError(f"no document {doc_id!r} in the knowledge base; `kb docs` lists them")
        return self._doc_cache[doc_id]

    def find_document(self, name: str) -> Document:
        """A document by id, file name (or alias), symbol or short title."""
        for d in self.documents():
            if name in (d.doc_id, d.file, d.symbol, d.short_title) or name in d.aliases or Path(d.file).name == name:
                return d
        raise NotFoundError(f"no document {name!r} in the knowledge base; `kb docs` lists the files")

    def files(self) -> dict[str, sqlite3.Row]:
        return {r["file"]: r for r in self.conn.execute("SELECT * FROM files")}

    def file_names(self, doc_id: str) -> list[str]:
        """The file names that hold a document's bytes, sorted."""
        return [r[0] for r in self.conn.execute("SELECT file FROM files WHERE doc_id=? ORDER BY file", (doc_id,))]

    def passage_counts(self) -> dict[str, int]:
        """Passages per doc_id."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT doc_id, COUNT(*) FROM passages GROUP BY doc_id")}

    def passage_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def passage(self, passage_id: str) -> Passage:
        row = self.conn.execute("SELECT * FROM passages WHERE passage_id=?", (passage_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base; ids come from `kb search` or `kb passages`")
        return passage_from_row(row)

    def passages(self, doc_id: str | None = None) -> Iterator[Passage]:
        if doc_id is None:
            cur = self.conn.execute("SELECT * FROM passages ORDER BY doc_id, seq")
        else:
            cur = self.conn.execute("SELECT * FROM passages WHERE doc_id=? ORDER BY seq", (doc_id,))
        for row in cur:
            yield passage_from_row(row)

    def _rows_where_rowid_in(self, select: str, rowids: Iterable[int]) -> Iterator[sqlite3.Row]:
        """`select` + " WHERE rowid IN (...)" over the ids, in chunks under SQLite's parameter limit."""
        ids = [int(r) for r in rowids]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            yield from self.conn.execute(f"{select} WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)

    def passages_by_rowid(self, rowids: Iterable[int]) -> dict[int, Passage]:
        return {row["rowid"]: passage_from_row(row) for row in self._rows_where_rowid_in("SELECT * FROM passages", rowids)}

    def doc_ids_by_rowid(self, rowids: Iterable[int]) -> dict[int, str]:
        """The document id of each passage rowid that exists (cheaper than whole passages)."""
        return {r[0]: r[1] for r in self._rows_where_rowid_in("SELECT rowid, doc_id FROM passages", rowids)}

    def rowid_of(self, passage_id: str) -> int:
        row = self.conn.execute("SELECT rowid FROM passages WHERE passage_id=?", (passage_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base")
        return int(row[0])

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        """The passages around `passage` in its document, in order (itself included)."""
        rows = self.conn.execute(
            "SELECT * FROM passages WHERE doc_id=? AND seq BETWEEN ? AND ? ORDER BY seq",
            (passage.doc_id, passage.seq - before, passage.seq + after)).fetchall()
        return [passage_from_row(r) for r in rows]

    def allowed_rowids(self, filters: Filters) -> np.ndarray | None:
        """Row ids that pass the filters, or None when nothing is filtered."""
        if filters.empty:
            return None
        docs = self.filter_documents(filters)
        if not docs:
            return np.zeros(0, dtype=np.int64)
        ids = [d.doc_id for d in docs]
        q = f"SELECT rowid FROM passages WHERE doc_id IN ({','.join('?' * len(ids))})"
        return np.array([r[0] for r in self.conn.execute(q, ids)], dtype=np.int64)

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

    def keyword_search(self, match: str, limit: int, allowed: np.ndarray | None = None,
                       weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        """FTS5 BM25 over (body, context); returns (rowid, score) best first, score = -bm25."""
        if not match:
            return []
        sql = ("SELECT rowid, bm25(passages_fts, ?, ?) AS s FROM passages_fts WHERE passages_fts MATCH ? "
               "ORDER BY s LIMIT ?")
        params: list = [weights[0], weights[1], match, limit]
        if allowed is not None:
            if len(allowed) == 0:
                return []
            if len(allowed) < 5000:
                sql = ("SELECT rowid, bm25(passages_fts, ?, ?) AS s FROM passages_fts WHERE passages_fts MATCH ? "
                       f"AND rowid IN ({','.join('?' * len(allowed))}) ORDER BY s LIMIT ?")
                params = [weights[0], weights[1], match, *map(int, allowed), limit]
            else:
                allowed_set = set(map(int, allowed))
                rows = self.conn.execute(sql.replace("LIMIT ?", ""), params[:3]).fetchall()
                return [(r[0], -r[1]) for r in rows if r[0] in allowed_set][:limit]
        return [(r[0], -r[1]) for r in self.conn.execute(sql, params)]

    def with_document(self, passage: Passage) -> tuple[Passage, Document]:
        return passage, self.document(passage.doc_id)


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
