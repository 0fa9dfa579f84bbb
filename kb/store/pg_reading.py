"""Reading the PostgreSQL store: documents, files, passages, neighbours, the vector search
(pgvector: exact below the index threshold, HNSW past it) and the keyword search (kb's postings
ranked by kb.store.bm25, as FTS5 ranks the embedded store)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from kb.errors import NotFoundError
from kb.store import bm25
from kb.store.catalogue import Catalogue
from kb.store.pg_connect import vector_literal
from kb.store.pg_schema import EF_SEARCH
from kb.store.schema import DOC_COLS, PASSAGE_COLS
from kb.types import Document, Passage

EXACT_FILTER_LIMIT = 20_000  # as the embedded store: a small filter is searched exactly
_PCOLS = ", ".join(("rowid",) + PASSAGE_COLS)


def _passage(row: dict) -> Passage:
    d = {c: row[c] for c in PASSAGE_COLS}
    d["section"] = tuple(json.loads(d["section"]))
    return Passage(**d)


def _document(row: dict) -> Document:
    d = {c: row[c] for c in DOC_COLS}
    d["flags"], d["aliases"] = tuple(json.loads(d["flags"])), tuple(json.loads(d["aliases"]))
    return Document(**d)


def _ids(rowids: Iterable[int]) -> list[int]:
    return [int(r) for r in rowids]


class PgReading(Catalogue):
    """Mixin of `PostgresStore`: every read."""

    def documents(self) -> list[Document]:
        gen = self.generation()
        if self._doc_cache is None or self._doc_generation != gen:
            rows = self.conn.execute("SELECT * FROM kb_documents ORDER BY file").fetchall()
            self._doc_cache = {r["doc_id"]: _document(r) for r in rows}
            self._doc_generation = gen
        return list(self._doc_cache.values())

    def files(self) -> dict[str, dict]:
        return {r["file"]: r for r in self.conn.execute("SELECT * FROM kb_files")}

    def file_names(self, doc_id: str) -> list[str]:
        return [r["file"] for r in self.conn.execute("SELECT file FROM kb_files WHERE doc_id=%s ORDER BY file",
                                                     (doc_id,))]

    def passage_counts(self) -> dict[str, int]:
        return {r["doc_id"]: r["n"] for r in self.conn.execute(
            "SELECT doc_id, count(*) AS n FROM kb_passages GROUP BY doc_id")}

    def passage_count(self) -> int:
        return self._counter("rows")

    def passage(self, passage_id: str) -> Passage:
        row = self.conn.execute(f"SELECT {_PCOLS} FROM kb_passages WHERE passage_id=%s", (passage_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base; ids come from `kb search` or `kb passages`")
        return _passage(row)

    def passages(self, doc_id: str | None = None) -> Iterator[Passage]:
        if doc_id is None:
            cur = self.conn.execute(f"SELECT {_PCOLS} FROM kb_passages ORDER BY doc_id, seq")
        else:
            cur = self.conn.execute(f"SELECT {_PCOLS} FROM kb_passages WHERE doc_id=%s ORDER BY seq", (doc_id,))
        for row in cur:
            yield _passage(row)

    def passages_by_rowid(self, rowids: Iterable[int]) -> dict[int, Passage]:
        ids = _ids(rowids)
        if not ids:
            return {}
        return {r["rowid"]: _passage(r) for r in self.conn.execute(
            f"SELECT {_PCOLS} FROM kb_passages WHERE rowid = ANY(%s)", (ids,))}

    def doc_ids_by_rowid(self, rowids: Iterable[int]) -> dict[int, str]:
        ids = _ids(rowids)
        if not ids:
            return {}
        return {r["rowid"]: r["doc_id"] for r in self.conn.execute(
            "SELECT rowid, doc_id FROM kb_passages WHERE rowid = ANY(%s)", (ids,))}

    def rowid_of(self, passage_id: str, doc_id: str | None = None) -> int:
        sql, args = "SELECT rowid FROM kb_passages WHERE passage_id=%s", [passage_id]
        if doc_id is not None:
            sql, args = sql + " AND doc_id=%s", args + [doc_id]
        row = self.conn.execute(sql, args).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base")
        return int(row["rowid"])

    def rowids_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        rows = self.conn.execute("SELECT rowid FROM kb_passages WHERE doc_id = ANY(%s)", (list(doc_ids),))
        return np.array([r["rowid"] for r in rows], dtype=np.int64)

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        rows = self.conn.execute(
            f"SELECT {_PCOLS} FROM kb_passages WHERE doc_id=%s AND seq BETWEEN %s AND %s ORDER BY seq",
            (passage.doc_id, passage.seq - before, passage.seq + after)).fetchall()
        return [_passage(r) for r in rows]

    def with_document(self, passage: Passage) -> tuple[Passage, Document]:
        return passage, self.document(passage.doc_id)

    # ---------------------------------------------------------------- vectors
    @property
    def index_kind(self) -> str:
        return "approximate (HNSW)" if self._has_hnsw() else "exact"

    def vector_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return empty
        q = vector_literal(qvec)
        where, args = "", []
        if allowed is not None:
            where, args = "WHERE rowid = ANY(%s)", [_ids(allowed)]
        hnsw = self._has_hnsw()
        tie = "" if hnsw else ", rowid"  # exact: equal scores in row order, as FAISS gives them
        sql = (f"SELECT rowid, (embedding <#> %s::vector) AS d FROM kb_passages {where} "
               f"ORDER BY embedding <#> %s::vector{tie} LIMIT %s")
        with self.conn.transaction():
            if hnsw:
                exact = allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT
                if exact:  # a small filter: every allowed passage scored, as the embedded store does
                    self.conn.execute("SET LOCAL enable_indexscan = off")
                else:
                    self.conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}")
                    self.conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = self.conn.execute(sql, [q, *args, q, k]).fetchall()
        ids = np.array([r["rowid"] for r in rows], dtype=np.int64)
        scores = np.array([-r["d"] for r in rows], dtype=np.float32)
        order = np.argsort(-scores, kind="stable")  # relaxed order: re-sorted here
        return ids[order], scores[order]

    def vectors_for(self, rowids: list[int]) -> np.ndarray:
        dim = int(self.manifest["dim"])
        got = {r["rowid"]: r["embedding"] for r in self.conn.execute(
            "SELECT rowid, embedding::text AS embedding FROM kb_passages WHERE rowid = ANY(%s)", (_ids(rowids),))}
        out = np.zeros((len(rowids), dim), dtype=np.float32)
        for i, rid in enumerate(rowids):
            if rid in got:
                out[i] = np.array(json.loads(got[rid]), dtype=np.float32)
        return out

    def sentence_vectors_for(self, rowids: Iterable[int]) -> dict[int, np.ndarray]:
        dim = int(self.manifest["dim"])
        ids = _ids(rowids)
        if not ids:
            return {}
        rows = self.conn.execute("SELECT rowid, n_sentences, sentences FROM kb_passages "
                                 "WHERE rowid = ANY(%s) AND sentences IS NOT NULL", (ids,))
        return {r["rowid"]: np.frombuffer(bytes(r["sentences"]), dtype=np.float16).reshape(r["n_sentences"], dim)
                for r in rows}

    def documents_without_sentence_vectors(self) -> list[str]:
        rows = self.conn.execute("SELECT doc_id FROM kb_passages GROUP BY doc_id HAVING count(sentences) = 0 "
                                 "AND sum((length(text) > 300)::int) > 1")
        return [r["doc_id"] for r in rows]

    # ---------------------------------------------------------------- keywords
    def _stats(self) -> tuple[int, float]:
        rows = self._counter("rows")
        return rows, self._counter("tokens") / max(rows, 1)

    def _holding(self, tokens: Sequence[str]) -> dict[str, int]:
        if not tokens:
            return {}
        found = {r["term"]: r["n"] for r in self.conn.execute(
            "SELECT term, count(*) AS n FROM kb_postings WHERE term = ANY(%s) GROUP BY term", (list(tokens),))}
        return {t: found.get(t, 0) for t in tokens}

    def _row_tokens(self, tokens: Sequence[str], rowids: list[int] | None = None) -> dict[int, tuple[int, bm25.RowTokens]]:
        """rowid -> (length, token positions) for the rows holding any of `tokens` (or among `rowids`)."""
        sql, args = "SELECT rowid, term, body, ctx, ntok FROM kb_postings WHERE term = ANY(%s)", [list(tokens)]
        if rowids is not None:
            sql, args = sql + " AND rowid = ANY(%s)", args + [rowids]
        out: dict[int, tuple[int, bm25.RowTokens]] = {}
        for r in self.conn.execute(sql, args):
            out.setdefault(r["rowid"], (r["ntok"], {}))[1][r["term"]] = (r["body"], r["ctx"])
        return out

    def _phrase_holding(self, phrase: tuple[str, ...]) -> int:
        if len(phrase) == 1:
            return self._holding(phrase)[phrase[0]]
        rows = self._row_tokens(phrase)
        return sum(1 for _, toks in rows.values() if bm25.phrase_starts(toks, phrase, 0) or bm25.phrase_starts(toks, phrase, 1))

    def term_count(self, term: str, column: str | None = None) -> int | None:
        phrase = bm25.phrase_tokens(term)
        if not phrase:
            return None
        if len(phrase) == 1:
            extra = " AND cardinality(body) > 0" if column == "body" else ""
            return self.conn.execute(f"SELECT count(*) AS n FROM kb_postings WHERE term = %s{extra}",
                                     (phrase[0],)).fetchone()["n"]
        cols = (0,) if column == "body" else (0, 1)
        return sum(1 for _, toks in self._row_tokens(phrase).values()
                   if any(bm25.phrase_starts(toks, phrase, c) for c in cols))

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        return {t: self.term_count(t) or 0 for t in terms}

    def keyword_search(self, terms: Sequence[str], limit: int, allowed: np.ndarray | None = None,
                       weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        phrases = [p for p in (bm25.phrase_tokens(t) for t in terms) if p]
        if not phrases or (allowed is not None and len(allowed) == 0):
            return []
        rows, avgdl = self._stats()
        if all(len(p) == 1 for p in phrases):
            holding = self._holding([p[0] for p in phrases])
            idf: dict[str, float] = {}
            for (tok,) in phrases:  # two query words with one stem are two phrases, as in FTS5
                idf[tok] = idf.get(tok, 0.0) + bm25.idf(rows, holding[tok])
            toks = list(idf)
            where = "" if allowed is None else " AND rowid = ANY(%(allowed)s)"
            sql = ("SELECT rowid, sum(w * (f * %(k1p)s) / (f + %(k1)s * (1 - %(b)s + %(b)s * ntok / %(avgdl)s))) AS s "
                   "FROM (SELECT doc_id, rowid, ntok, (%(w)s::float8[])[array_position(%(t)s::text[], term)] AS w, "
                   "%(w0)s * cardinality(body) + %(w1)s * cardinality(ctx) AS f FROM kb_postings "
                   f"WHERE term = ANY(%(t)s){where}) x "
                   "GROUP BY doc_id, rowid ORDER BY s DESC, rowid LIMIT %(limit)s")
            params = {"k1p": bm25.K1 + 1.0, "k1": bm25.K1, "b": bm25.B, "avgdl": max(avgdl, 1e-9),
                      "w": [idf[t] for t in toks], "t": toks, "w0": weights[0], "w1": weights[1], "limit": limit}
            if allowed is not None:
                params["allowed"] = _ids(allowed)
            return [(r["rowid"], float(r["s"])) for r in self.conn.execute(sql, params)]
        # a query word FTS5 reads as a phrase ("foo_bar"): scored here from the positions
        idfs = [bm25.idf(rows, self._phrase_holding(p)) for p in phrases]
        keep = None if allowed is None else set(_ids(allowed))
        scores: dict[int, float] = {}
        for rowid, (length, toks) in self._row_tokens(bm25.distinct_tokens(phrases)).items():
            if keep is not None and rowid not in keep:
                continue
            s = 0.0
            for p, w in zip(phrases, idfs):
                f = weights[0] * len(bm25.phrase_starts(toks, p, 0)) + weights[1] * len(bm25.phrase_starts(toks, p, 1))
                if f:
                    s += w * bm25.term_part(f, length, avgdl)
            if s:
                scores[rowid] = s
        return bm25.top(scores, limit)

    def near_search(self, pairs: Sequence[tuple[str, str]], span: int, limit: int, allowed: np.ndarray | None = None,
                    weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        groups = [(a, b) for a, b in ((bm25.phrase_tokens(x), bm25.phrase_tokens(y)) for x, y in pairs) if a and b]
        if not groups or (allowed is not None and len(allowed) == 0):
            return []
        rows, avgdl = self._stats()
        idf = {p: bm25.idf(rows, self._phrase_holding(p)) for g in groups for p in g}
        firsts = [(a[0], b[0]) for a, b in groups]
        cand = [r["rowid"] for r in self.conn.execute(
            "SELECT DISTINCT a.rowid FROM kb_postings a JOIN kb_postings b ON a.doc_id = b.doc_id AND a.rowid = b.rowid "
            "JOIN unnest(%s::text[], %s::text[]) AS q(x, y) ON a.term = q.x AND b.term = q.y",
            ([x for x, _ in firsts], [y for _, y in firsts]))]
        keep = None if allowed is None else set(_ids(allowed))
        cand = [r for r in cand if keep is None or r in keep]
        scores: dict[int, float] = {}
        if cand:
            for rowid, (length, toks) in self._row_tokens(bm25.distinct_tokens(p for g in groups for p in g),
                                                          cand).items():
                s = 0.0
                for a, b in groups:
                    f = bm25.near_freqs(toks, a, b, span, weights)
                    if f is not None:
                        s += idf[a] * bm25.term_part(f[0], length, avgdl) + idf[b] * bm25.term_part(f[1], length, avgdl)
                if s:
                    scores[rowid] = s
        return bm25.top(scores, limit)
