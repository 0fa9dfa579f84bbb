"""The store's on-disk vocabulary: file names, the SQLite schema, row <-> dataclass
conversion, and reading a store's manifest without opening it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from kb.types import Document, Passage

DB_NAME = "kb.sqlite"
INDEX_NAME = "vectors.faiss"
INDEX_META = "vectors.json"
MANIFEST = "manifest.json"
ROOT_KEY = "root:"  # meta key prefix: the folder a file was synced from (removal is scoped to it)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, title TEXT NOT NULL,
    short_title TEXT, authors TEXT, publisher TEXT, year INTEGER, symbol TEXT, kind TEXT,
    pages INTEGER, fmt TEXT NOT NULL, language TEXT, flags TEXT NOT NULL, aliases TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    file TEXT PRIMARY KEY, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    mtime REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY, passage_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL, text TEXT NOT NULL, para TEXT, part INTEGER NOT NULL,
    section TEXT NOT NULL, kind TEXT NOT NULL, page_start INTEGER, page_end INTEGER,
    page_label TEXT
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, seq);
CREATE TABLE IF NOT EXISTS vectors (rowid INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors (rowid INTEGER PRIMARY KEY, n INTEGER NOT NULL, vecs BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    body, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

DOC_COLS = ("doc_id", "file", "sha256", "title", "short_title", "authors", "publisher", "year",
             "symbol", "kind", "pages", "fmt", "language", "flags", "aliases")
PASSAGE_COLS = ("passage_id", "doc_id", "seq", "text", "para", "part", "section", "kind",
                 "page_start", "page_end", "page_label")


def store_manifest(kb_path: Path) -> dict | None:
    """The manifest of an existing store, or None (no store there, or unreadable)."""
    try:
        return json.loads((Path(kb_path) / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def store_model(kb_path: Path) -> str | None:
    """The model setting an existing store was built with ("all-MiniLM-L6-v2", "hash-bow-64" ...)."""
    manifest = store_manifest(kb_path)
    if not manifest:
        return None
    return str(manifest.get("model", "")).split("@")[0] or None


def doc_from_row(row: sqlite3.Row) -> Document:
    d = {c: row[c] for c in DOC_COLS}
    d["flags"] = tuple(json.loads(d["flags"]))
    d["aliases"] = tuple(json.loads(d["aliases"]))
    return Document(**d)


def passage_from_row(row: sqlite3.Row) -> Passage:
    d = {c: row[c] for c in PASSAGE_COLS}
    d["section"] = tuple(json.loads(d["section"]))
    return Passage(**d)


def keyword_context(doc: Document, passage: Passage) -> str:
    """What the keyword index sees beside the passage body: title, symbol and heading path."""
    return " ".join(x for x in (doc.short_title or doc.title, doc.symbol or "", " ".join(passage.section)) if x)


