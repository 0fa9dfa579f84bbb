"""Reading the embedded store: documents, files, passages by id or row, neighbours, and the
FTS5 keyword search (filters and names: kb.store.catalogue)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from kb.errors import NotFoundError
from kb.store.catalogue import Catalogue
from kb.store.common_terms import passage_counts, term_count
from kb.store.fts import near_expression, or_expression
from kb.store.schema import doc_from_row, passage_from_row
from kb.types import Document, Passage


class Reading(Catalogue):
    """Mixin of `Store`: every read."""

    def documents(self) -> list[Document]:
        gen = self.generation()
        if self._doc_cache is None or self._doc_generation != gen:
            self._doc_generation = gen
            rows = self.conn.execute("SELECT * FROM documents ORDER BY file").fetchall()
            self._doc_cache = {r["doc_id"]: doc_from_row(r) for r in rows}
        return list(self._doc_cache.values())

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

    def rowids_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The passage row ids of these documents."""
        ids = list(doc_ids)
        out: list[int] = []
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = f"SELECT rowid FROM passages WHERE doc_id IN ({','.join('?' * len(chunk))})"
            out += [r[0] for r in self.conn.execute(q, chunk)]
        return np.array(out, dtype=np.int64)

    def keyword_search(self, terms: Sequence[str], limit: int, allowed: np.ndarray | None = None,
                       weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        """FTS5 BM25 over (body, context) for passages holding any of `terms` (each searched as a
        quoted phrase, never parsed as syntax); (rowid, score) best first, score = -bm25."""
        return self._bm25(or_expression(terms), limit, allowed, weights)

    def near_search(self, pairs: Sequence[tuple[str, str]], span: int, limit: int, allowed: np.ndarray | None = None,
                    weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        """FTS5 BM25 over the passages where the two terms of some pair lie within `span` words
        of each other (`NEAR("a" "b", span) OR ...`)."""
        return self._bm25(near_expression(pairs, span), limit, allowed, weights)

    def term_count(self, term: str, column: str | None = None) -> int | None:
        """Passages holding `term` after the tokenizer and stemming, in one column ("body") or in
        any; None when the term has no word to search."""
        return term_count(self.conn, term, column=column)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """Passages holding each term (in any column); a term that cannot be searched counts as absent."""
        return passage_counts(self.conn, terms)

    def _bm25(self, match: str, limit: int, allowed: np.ndarray | None,
              weights: tuple[float, float]) -> list[tuple[int, float]]:
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


