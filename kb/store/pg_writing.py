"""Writing to the PostgreSQL store: a document with its passages, vectors, sentence vectors and
postings in one transaction (COPY, routed to the document's shard on a coordinator), files,
removals, metadata rewrites, and the HNSW index once the store is large."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence

import numpy as np

from kb.store import bm25
from kb.store.pg_connect import vector_literal
from kb.store.schema import DOC_COLS, keyword_context
from kb.types import Document, ParsedDocument, Passage

_PASSAGE_COPY = ("doc_id", "rowid", "passage_id", "seq", "text", "para", "part", "section", "kind",
                 "page_start", "page_end", "page_label", "ntok", "embedding", "n_sentences", "sentences")
_POSTING_COPY = ("doc_id", "term", "rowid", "body", "ctx", "ntok")


class PgWriting:
    """Mixin of `PostgresStore`: the document writes (inside `transaction()`)."""

    def add_document(self, parsed: ParsedDocument, vectors: np.ndarray, files: Iterable[tuple[str, int, float]],
                     sentence_vectors: Sequence[np.ndarray] | None = None) -> None:
        doc = parsed.document
        if len(parsed.passages) != len(vectors):
            raise ValueError("one vector per passage expected")
        if sentence_vectors is not None and len(sentence_vectors) != len(vectors):
            raise ValueError("one array of sentence vectors per passage expected")
        self._delete_doc_rows(doc.doc_id)
        d = doc.to_dict()
        d["flags"], d["aliases"] = json.dumps(d["flags"]), json.dumps(d["aliases"])
        self.conn.execute(f"INSERT INTO kb_documents({','.join(DOC_COLS)}, ingested_at) "
                          f"VALUES({','.join(['%s'] * len(DOC_COLS))}, %s)", [d[c] for c in DOC_COLS] + [time.time()])
        n = len(parsed.passages)
        if n:
            rowids = [r["id"] for r in self.conn.execute(
                "SELECT nextval('kb_rowid') AS id FROM generate_series(1, %s)", (n,))]
            postings = bm25.index_rows([(p.text, keyword_context(doc, p)) for p in parsed.passages])
            self._copy_passages(doc, parsed.passages, rowids, vectors, postings, sentence_vectors)
            self._add_counts(n, sum(p.length for p in postings))
        for name, size, mtime in files:
            self.set_file(name, doc.doc_id, doc.sha256, size, mtime)

    def _copy_passages(self, doc: Document, passages: Sequence[Passage], rowids: list[int], vectors: np.ndarray,
                       postings: list[bm25.Postings], sentence_vectors: Sequence[np.ndarray] | None) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY kb_passages ({','.join(_PASSAGE_COPY)}) FROM STDIN") as copy:
                for i, (p, rowid) in enumerate(zip(passages, rowids)):
                    sv = None
                    if sentence_vectors is not None and len(sentence_vectors[i]):
                        sv = np.ascontiguousarray(sentence_vectors[i], dtype=np.float16)
                    copy.write_row((doc.doc_id, rowid, p.passage_id, p.seq, p.text, p.para, p.part,
                                    json.dumps(list(p.section)), p.kind, p.page_start, p.page_end, p.page_label,
                                    postings[i].length, vector_literal(vectors[i]),
                                    None if sv is None else len(sv), None if sv is None else sv.tobytes()))
            self._copy_postings(cur, doc.doc_id, rowids, postings)

    def _copy_postings(self, cur, doc_id: str, rowids: list[int], postings: list[bm25.Postings]) -> None:
        with cur.copy(f"COPY kb_postings ({','.join(_POSTING_COPY)}) FROM STDIN") as copy:
            for rowid, post in zip(rowids, postings):
                for term, (body, ctx) in post.terms.items():
                    copy.write_row((doc_id, term, rowid, body, ctx, post.length))

    def _add_counts(self, rows: int, tokens: int) -> None:
        self.conn.execute("UPDATE kb_meta SET value = (value::bigint + %s)::text WHERE key='rows'", (rows,))
        self.conn.execute("UPDATE kb_meta SET value = (value::bigint + %s)::text WHERE key='tokens'", (tokens,))

    def set_file(self, name: str, doc_id: str, sha256: str, size: int, mtime: float) -> None:
        self.conn.execute(
            "INSERT INTO kb_files(file, doc_id, sha256, size, mtime) VALUES(%s,%s,%s,%s,%s) ON CONFLICT (file) "
            "DO UPDATE SET doc_id=excluded.doc_id, sha256=excluded.sha256, size=excluded.size, mtime=excluded.mtime",
            (name, doc_id, sha256, size, mtime))

    def remove_file(self, name: str) -> None:
        """Forget a file; its document goes too when no other file holds it."""
        row = self.conn.execute("SELECT doc_id FROM kb_files WHERE file=%s", (name,)).fetchone()
        self.conn.execute("DELETE FROM kb_files WHERE file=%s", (name,))
        if row is None:
            return
        doc_id = row["doc_id"]
        left = [r["file"] for r in self.conn.execute("SELECT file FROM kb_files WHERE doc_id=%s ORDER BY file",
                                                     (doc_id,))]
        if not left:
            self._delete_doc_rows(doc_id)
            return
        doc = self.document(doc_id)
        primary = doc.file if doc.file in left else left[0]
        self.conn.execute("UPDATE kb_documents SET file=%s, aliases=%s WHERE doc_id=%s",
                          (primary, json.dumps([n for n in left if n != primary]), doc_id))

    def remove_document(self, doc_id: str) -> None:
        self.conn.execute("DELETE FROM kb_files WHERE doc_id=%s", (doc_id,))
        self._delete_doc_rows(doc_id)

    def update_document(self, doc: Document) -> None:
        """Rewrite a document's metadata; its postings are rebuilt (the context carries the title)."""
        d = doc.to_dict()
        d["flags"], d["aliases"] = json.dumps(d["flags"]), json.dumps(d["aliases"])
        cols = [c for c in DOC_COLS if c != "doc_id"]
        self.conn.execute(f"UPDATE kb_documents SET {', '.join(c + '=%s' for c in cols)} WHERE doc_id=%s",
                          [d[c] for c in cols] + [doc.doc_id])
        passages = list(self.passages(doc.doc_id))
        if not passages:
            return
        rowids = [self.rowid_of(p.passage_id, doc.doc_id) for p in passages]
        old = self.conn.execute("SELECT coalesce(sum(ntok), 0) AS t FROM kb_passages WHERE doc_id=%s",
                                (doc.doc_id,)).fetchone()["t"]
        postings = bm25.index_rows([(p.text, keyword_context(doc, p)) for p in passages])
        self.conn.execute("DELETE FROM kb_postings WHERE doc_id=%s", (doc.doc_id,))
        for rowid, post in zip(rowids, postings):
            self.conn.execute("UPDATE kb_passages SET ntok=%s WHERE doc_id=%s AND rowid=%s",
                              (post.length, doc.doc_id, rowid))
        with self.conn.cursor() as cur:
            self._copy_postings(cur, doc.doc_id, rowids, postings)
        self._add_counts(0, sum(p.length for p in postings) - int(old))

    def _delete_doc_rows(self, doc_id: str) -> None:
        row = self.conn.execute("SELECT count(*) AS n, coalesce(sum(ntok), 0) AS t FROM kb_passages WHERE doc_id=%s",
                                (doc_id,)).fetchone()
        if row["n"]:
            self.conn.execute("DELETE FROM kb_postings WHERE doc_id=%s", (doc_id,))
            self.conn.execute("DELETE FROM kb_passages WHERE doc_id=%s", (doc_id,))
            self._add_counts(-int(row["n"]), -int(row["t"]))
        self.conn.execute("DELETE FROM kb_documents WHERE doc_id=%s", (doc_id,))

    # ---------------------------------------------------------------- the vector index
    def _has_hnsw(self) -> bool:
        if self._hnsw is None:
            self._hnsw = bool(self.conn.execute("SELECT value FROM kb_meta WHERE key='hnsw'").fetchone())
        return self._hnsw

    def _build_hnsw(self) -> None:
        """The HNSW index (on each shard when the store has shards); minutes at a million passages."""
        from kb.store.pg_connect import connect
        from kb.store.pg_schema import hnsw_index_sql

        shards = json.loads(self.get_meta("shard_urls") or "[]")
        for url in shards or [self.url]:
            with connect(url) as conn:
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute(hnsw_index_sql())
        self.conn.execute("INSERT INTO kb_meta(key, value) VALUES('hnsw', '1') ON CONFLICT (key) DO NOTHING")
        self._hnsw = True
