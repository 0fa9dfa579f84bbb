"""The embedded store's keyword ranking, reproduced for backends without FTS5.

A backend that keeps its own postings (PostgreSQL: one row per term and passage with the
term's positions in the body and in the context) ranks exactly as the embedded store does when
it sees the same tokens and computes the same score. Both come from here:

- tokens: SQLite's own FTS5 tokenizer (`porter unicode61 remove_diacritics 2`, the embedded
  schema's), run on an in-memory table and read back through `fts5vocab`, so stems, folding and
  separators are FTS5's to the letter;
- scores: FTS5's bm25() (fts5_aux.c): k1 = 1.2, b = 0.75, a phrase's idf
  log((N - n + 0.5) / (n + 0.5)) floored at 1e-6 over the whole table, its frequency in a row the
  column-weighted count of its instances, the row's length its tokens over all columns, the
  average length over the table. In a NEAR group only the instances that take part in a match
  count (FTS5 trims the position lists the same way).
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

TOKENIZER = "porter unicode61 remove_diacritics 2"
K1 = 1.2
B = 0.75

_LOCAL = threading.local()


def _tokenizer() -> sqlite3.Connection:
    conn = getattr(_LOCAL, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, context, tokenize = '{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _LOCAL.conn = conn
    return conn


@dataclass(frozen=True)
class Postings:
    """One passage's tokens as the keyword index keeps them: term -> (body positions, context
    positions), and its length in tokens over both columns."""

    terms: dict[str, tuple[list[int], list[int]]]
    length: int


def index_rows(rows: Sequence[tuple[str, str]]) -> list[Postings]:
    """The postings of each (body, context) pair, in order."""
    conn = _tokenizer()
    out = []
    with conn:
        conn.execute("DELETE FROM t")
        conn.executemany("INSERT INTO t(rowid, body, context) VALUES(?, ?, ?)",
                         [(i + 1, b, c) for i, (b, c) in enumerate(rows)])
        found: dict[int, dict[str, tuple[list[int], list[int]]]] = {i + 1: {} for i in range(len(rows))}
        lengths = dict.fromkeys(found, 0)
        for term, doc, col, offset in conn.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, col, offset"):
            pos = found[doc].setdefault(term, ([], []))
            pos[0 if col == "body" else 1].append(offset)
            lengths[doc] += 1
        conn.execute("DELETE FROM t")
    for i in range(len(rows)):
        out.append(Postings(found[i + 1], lengths[i + 1]))
    return out


@lru_cache(maxsize=4096)
def phrase_tokens(term: str) -> tuple[str, ...]:
    """The tokens FTS5 searches for a quoted query term ("cycling" -> ("cycl",); "foo_bar" -> a
    two-token phrase); empty when it holds no word."""
    conn = _tokenizer()
    with conn:
        conn.execute("DELETE FROM t")
        conn.execute("INSERT INTO t(rowid, body, context) VALUES(1, ?, '')", (term,))
        toks = tuple(r[0] for r in conn.execute("SELECT term FROM v ORDER BY offset"))
        conn.execute("DELETE FROM t")
    return toks


def idf(rows: int, holding: int) -> float:
    value = math.log((rows - holding + 0.5) / (holding + 0.5)) if rows else 0.0
    return value if value > 0 else 1e-6


def term_part(freq: float, length: int, avgdl: float) -> float:
    """One phrase's share of a row's score, before its idf."""
    return (freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * length / max(avgdl, 1e-9)))


# a row's positions of each token: token -> (body positions, context positions)
RowTokens = dict[str, tuple[Sequence[int], Sequence[int]]]


def phrase_starts(row: RowTokens, phrase: tuple[str, ...], col: int) -> list[int]:
    """Where the phrase starts in one column of a row (its tokens at consecutive positions)."""
    if not phrase or phrase[0] not in row:
        return []
    starts = list(row[phrase[0]][col])
    for k, tok in enumerate(phrase[1:], start=1):
        held = set(row[tok][col]) if tok in row else set()
        starts = [s for s in starts if s + k in held]
    return starts


def near_freqs(row: RowTokens, a: tuple[str, ...], b: tuple[str, ...], span: int,
               weights: tuple[float, float]) -> tuple[float, float] | None:
    """The weighted instance counts of phrases a and b that take part in NEAR(a b, span) in
    this row, or None when the group does not match: at most `span` tokens between the end of
    one phrase and the start of the other, in either order, in the same column."""
    fa = fb = 0.0
    for col in (0, 1):
        sa, sb = phrase_starts(row, a, col), phrase_starts(row, b, col)
        if not sa or not sb:
            continue
        keep_a = [x for x in sa if any(_near(x, len(a), y, len(b), span) for y in sb)]
        keep_b = [y for y in sb if any(_near(x, len(a), y, len(b), span) for x in sa)]
        fa += weights[col] * len(keep_a)
        fb += weights[col] * len(keep_b)
    return (fa, fb) if fa or fb else None


def _near(x: int, lx: int, y: int, ly: int, span: int) -> bool:
    if x <= y:
        return y - (x + lx - 1) - 1 <= span
    return x - (y + ly - 1) - 1 <= span


def top(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """(rowid, score) best first, ties by row id (FTS5 returns equal scores in rowid order)."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def distinct_tokens(phrases: Iterable[tuple[str, ...]]) -> list[str]:
    return sorted({t for p in phrases for t in p})
