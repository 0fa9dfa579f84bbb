"""The PostgreSQL store's schema: tables on one server, or on a coordinator whose passages and
postings are hash-partitioned by document over shard servers (postgres_fdw foreign partitions,
one document's rows on one shard).

    kb_meta        key/value: manifest (JSON), generation, row and token counts, ingest records
    kb_documents   one row per document (as the embedded `documents` table)
    kb_files       file name -> document, hash, size, mtime
    kb_passages    the passage fields, its length in tokens, its vector (pgvector) and its
                   sentence vectors (float16 bytes, as the embedded store keeps them)
    kb_postings    the keyword index: one row per (term, passage) with the term's positions in
                   the body and in the context (title, symbol, headings); kb.store.bm25 ranks it
                   exactly as FTS5's bm25() ranks the embedded index

Row ids come from one sequence on the server that receives the writes (the coordinator).
"""

from __future__ import annotations

from psycopg import Connection, sql
from psycopg.conninfo import conninfo_to_dict

PG_SCHEMA_VERSION = 1  # bump with any change below; a store of another version refuses to open
HNSW_M = 32  # as the embedded HNSW graph (kb.store.faiss_index)
EF_CONSTRUCTION = 128
EF_SEARCH = 128

DOCUMENTS = """
CREATE TABLE IF NOT EXISTS kb_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS kb_documents (
    doc_id text PRIMARY KEY, file text NOT NULL, sha256 text NOT NULL, title text NOT NULL,
    short_title text, authors text, publisher text, year integer, symbol text, kind text,
    pages integer, fmt text NOT NULL, language text, flags text NOT NULL, aliases text NOT NULL,
    ingested_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS kb_files (
    file text PRIMARY KEY, doc_id text NOT NULL, sha256 text NOT NULL, size bigint NOT NULL,
    mtime double precision NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS kb_rowid;
"""

_PASSAGE_COLUMNS = """
    doc_id text NOT NULL, rowid bigint NOT NULL, passage_id text NOT NULL, seq integer NOT NULL,
    text text NOT NULL, para text, part integer NOT NULL, section text NOT NULL, kind text NOT NULL,
    page_start integer, page_end integer, page_label text, ntok integer NOT NULL,
    embedding vector({dim}) NOT NULL, n_sentences integer, sentences bytea
"""
_POSTING_COLUMNS = """
    doc_id text NOT NULL, term text NOT NULL, rowid bigint NOT NULL, body integer[] NOT NULL,
    ctx integer[] NOT NULL, ntok integer NOT NULL
"""
_LOCAL_INDEXES = """
CREATE INDEX IF NOT EXISTS kb_passages_rowid ON kb_passages (rowid);
CREATE INDEX IF NOT EXISTS kb_passages_pid ON kb_passages (passage_id);
CREATE INDEX IF NOT EXISTS kb_passages_seq ON kb_passages (doc_id, seq);
CREATE INDEX IF NOT EXISTS kb_postings_term ON kb_postings (term);
CREATE INDEX IF NOT EXISTS kb_postings_rowid ON kb_postings (rowid);
"""


def local_tables(dim: int) -> str:
    """Passages and postings as plain tables (one server, or each shard)."""
    return (f"CREATE TABLE IF NOT EXISTS kb_passages ({_PASSAGE_COLUMNS.format(dim=dim)}, PRIMARY KEY (doc_id, rowid));\n"
            f"CREATE TABLE IF NOT EXISTS kb_postings ({_POSTING_COLUMNS}, PRIMARY KEY (doc_id, term, rowid));\n"
            + _LOCAL_INDEXES)


def create_single(conn: Connection, dim: int) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(DOCUMENTS)
    conn.execute(local_tables(dim))


def create_shard(conn: Connection, dim: int) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(local_tables(dim))


def create_coordinator(conn: Connection, dim: int, shards: list[str]) -> None:
    """Documents, files and meta here; passages and postings as hash partitions by doc_id, partition
    i a foreign table on shard i."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
    conn.execute(DOCUMENTS)
    conn.execute(f"CREATE TABLE kb_passages ({_PASSAGE_COLUMNS.format(dim=dim)}) PARTITION BY HASH (doc_id)")
    conn.execute(f"CREATE TABLE kb_postings ({_POSTING_COLUMNS}) PARTITION BY HASH (doc_id)")
    n = len(shards)
    for i, url in enumerate(shards):
        info = conninfo_to_dict(url)
        server = sql.Identifier(f"kb_shard_{i}")
        opts = {k: str(info[k]) for k in ("host", "port", "dbname") if info.get(k)}
        opts.update(extensions="vector", async_capable="true", fetch_size="10000")
        conn.execute(sql.SQL("CREATE SERVER {} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({})").format(
            server, sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(k), sql.Literal(v))
                                       for k, v in opts.items())))
        user = {k: str(info[k]) for k in ("user", "password") if info.get(k)}
        conn.execute(sql.SQL("CREATE USER MAPPING FOR CURRENT_USER SERVER {}{}").format(
            server, sql.SQL(" OPTIONS ({})").format(sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(k), sql.Literal(v)) for k, v in user.items()))
            if user else sql.SQL("")))
        for table in ("kb_passages", "kb_postings"):
            conn.execute(sql.SQL("CREATE FOREIGN TABLE {} PARTITION OF {} FOR VALUES WITH (MODULUS {}, REMAINDER {}) "
                                 "SERVER {} OPTIONS (table_name {})").format(
                sql.Identifier(f"{table}_{i}"), sql.Identifier(table), sql.Literal(n), sql.Literal(i), server,
                sql.Literal(table)))


def hnsw_index_sql() -> str:
    return (f"CREATE INDEX IF NOT EXISTS kb_passages_hnsw ON kb_passages USING hnsw (embedding vector_ip_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {EF_CONSTRUCTION})")
