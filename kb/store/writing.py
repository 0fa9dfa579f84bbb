"""Writing documents: insert, replace and remove a document with its passages, vectors,
sentence vectors, keyword entries and files (always inside `Store.transaction()`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence

import numpy as np

from kb.store.schema import DOC_COLS, PASSAGE_COLS, keyword_context, passage_from_row
from kb.types import Document, ParsedDocument


class Writing:
    """Mixin of `Store`: the document writes."""

    def add_document(self, parsed: ParsedDocument, vectors: np.ndarray, files: Iterable[tuple[str, int, float]],
                     sentence_vectors: Sequence[np.ndarray] | None = None) -> None:
        """Insert a document, its passages and vectors, and the files (name, size, mtime)
        that hold it; `sentence_vectors`, when given, holds each passage's sentence vectors
        (kb.embed.spans; stored as float16). Call inside `transaction()`; replaces a document with
        the same id."""
        doc = parsed.document
        if len(parsed.passages) != len(vectors):
            raise ValueError("one vector per passage expected")
        if sentence_vectors is not None and len(sentence_vectors) != len(vectors):
            raise ValueError("one array of sentence vectors per passage expected")
        self._delete_doc_rows(doc.doc_id)
        d = doc.to_dict()
        d["flags"] = json.dumps(d["flags"])
        d["aliases"] = json.dumps(d["aliases"])
        self.conn.execute(
            f"INSERT INTO documents({','.join(DOC_COLS)}, ingested_at) VALUES({','.join('?' * len(DOC_COLS))}, ?)",
            [d[c] for c in DOC_COLS] + [time.time()])
        new_ids, new_vecs = [], []
        for n, (p, v) in enumerate(zip(parsed.passages, vectors)):
            pd = p.to_dict()
            pd["section"] = json.dumps(pd["section"])
            cur = self.conn.execute(
                f"INSERT INTO passages({','.join(PASSAGE_COLS)}) VALUES({','.join('?' * len(PASSAGE_COLS))})",
                [pd[c] for c in PASSAGE_COLS])
            rowid = cur.lastrowid
            vec = np.ascontiguousarray(v, dtype=np.float32)
            self.conn.execute("INSERT INTO vectors(rowid, vec) VALUES(?, ?)", (rowid, vec.tobytes()))
            if sentence_vectors is not None and len(sentence_vectors[n]):
                sv = np.ascontiguousarray(sentence_vectors[n], dtype=np.float16)
                self.conn.execute("INSERT INTO sentence_vectors(rowid, n, vecs) VALUES(?, ?, ?)",
                                  (rowid, len(sv), sv.tobytes()))
            self.conn.execute("INSERT INTO passages_fts(rowid, body, context) VALUES(?, ?, ?)",
                              (rowid, p.text, keyword_context(doc, p)))
            new_ids.append(rowid)
            new_vecs.append(vec)
        for name, size, mtime in files:
            self.set_file(name, doc.doc_id, doc.sha256, size, mtime)
        if self._index is not None and new_ids:
            self._index.add(np.array(new_ids, dtype=np.int64), np.vstack(new_vecs))

    def set_file(self, name: str, doc_id: str, sha256: str, size: int, mtime: float) -> None:
        self.conn.execute(
            "INSERT INTO files(file, doc_id, sha256, size, mtime) VALUES(?,?,?,?,?) "
            "ON CONFLICT(file) DO UPDATE SET doc_id=excluded.doc_id, sha256=excluded.sha256, "
            "size=excluded.size, mtime=excluded.mtime", (name, doc_id, sha256, size, mtime))

    def remove_file(self, name: str) -> None:
        """Forget a file; its document goes too when no other file holds it."""
        row = self.conn.execute("SELECT doc_id FROM files WHERE file=?", (name,)).fetchone()
        self.conn.execute("DELETE FROM files WHERE file=?", (name,))
        if row is None:
            return
        left = self.conn.execute("SELECT file FROM files WHERE doc_id=? ORDER BY file", (row[0],)).fetchall()
        if not left:
            self._delete_doc_rows(row[0])
        else:
            doc = self.document(row[0])
            names = [r[0] for r in left]
            primary = doc.file if doc.file in names else names[0]
            aliases = [n for n in names if n != primary]
            self.conn.execute("UPDATE documents SET file=?, aliases=? WHERE doc_id=?",
                              (primary, json.dumps(aliases), row[0]))

    def remove_document(self, doc_id: str) -> None:
        """Remove a document, its passages, vectors and files. Call inside `transaction()`."""
        self.conn.execute("DELETE FROM files WHERE doc_id=?", (doc_id,))
        self._delete_doc_rows(doc_id)

    def update_document(self, doc: Document) -> None:
        """Rewrite a document's metadata (catalog change, new alias) without touching passages."""
        d = doc.to_dict()
        d["flags"] = json.dumps(d["flags"])
        d["aliases"] = json.dumps(d["aliases"])
        cols = [c for c in DOC_COLS if c != "doc_id"]
        self.conn.execute(f"UPDATE documents SET {', '.join(c + '=?' for c in cols)} WHERE doc_id=?",
                          [d[c] for c in cols] + [doc.doc_id])
        rows = self.conn.execute("SELECT * FROM passages WHERE doc_id=?", (doc.doc_id,)).fetchall()
        for r in rows:  # the keyword context carries the title
            p = passage_from_row(r)
            self.conn.execute("UPDATE passages_fts SET context=? WHERE rowid=?", (keyword_context(doc, p), r["rowid"]))

    def _delete_doc_rows(self, doc_id: str) -> None:
        rowids = [r[0] for r in self.conn.execute("SELECT rowid FROM passages WHERE doc_id=?", (doc_id,))]
        if rowids:
            self.conn.executemany("DELETE FROM passages_fts WHERE rowid=?", [(r,) for r in rowids])
            self.conn.executemany("DELETE FROM vectors WHERE rowid=?", [(r,) for r in rowids])
            self.conn.executemany("DELETE FROM sentence_vectors WHERE rowid=?", [(r,) for r in rowids])
            self.conn.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
            if self._index is not None:
                self._index.remove(rowids)
        self.conn.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
