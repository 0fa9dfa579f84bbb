"""Keep the keyword side fast on large stores: leave out query terms most passages contain.

FTS5 ranks an OR query by scoring every passage that holds any of its terms; there is no early
stop. At a million passages one term found in 7% of them costs 70,000 BM25 scores (hundreds of
milliseconds), while its inverse document frequency, and so its weight in the ranking, is
small. Past PRUNE_FROM passages the terms held by more than MAX_SHARE of the passages are left
out (the rarest MIN_KEEP terms always stay), and the dense side still reads the whole question.
Below PRUNE_FROM nothing changes, so rankings on ordinary libraries are untouched.

Counting a term's passages goes through FTS5 itself (`count(*) ... MATCH`), so the count uses
the same tokenizer and stemming as the search; it reads the term's posting list without scoring
(about 2 ms for a term in 70,000 passages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from kb.store.fts import quote_term

PRUNE_FROM = 100_000  # passages; below this FTS5 scores every match in a few milliseconds
MAX_SHARE = 0.01  # a term in more than 1% of the passages is left out ...
MIN_KEEP = 2  # ... unless it is among the query's MIN_KEEP rarest terms


def keep_rare(terms: Sequence[str], counts: dict[str, int], total: int, max_share: float = MAX_SHARE,
              min_keep: int = MIN_KEEP) -> list[str]:
    """The terms held by at most max_share of `total` passages, plus the min_keep rarest, in query order."""
    limit = max_share * total
    rarest = set(sorted(terms, key=lambda t: counts.get(t, 0))[:min_keep])
    return [t for t in terms if counts.get(t, 0) <= limit or t in rarest]


def term_count(conn: sqlite3.Connection, term: str, column: str | None = None,
               table: str = "passages_fts") -> int | None:
    """Passages holding `term` (after FTS5's tokenizer and stemming), in one column or in any;
    None when FTS5 cannot parse it."""
    match = (f"{column} : " if column else "") + quote_term(term)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (match,)).fetchone()[0])
    except sqlite3.Error:
        return None


def passage_counts(conn: sqlite3.Connection, terms: Sequence[str], table: str = "passages_fts") -> dict[str, int]:
    """Passages holding each term (after FTS5's tokenizer and stemming); a term FTS5 cannot
    parse counts as absent."""
    return {t: term_count(conn, t, table=table) or 0 for t in terms}


def rare_terms(count: Callable[[Sequence[str]], dict[str, int]], terms: Sequence[str], total: int) -> list[str]:
    """`terms` as they should be searched in a store of `total` passages; `count` gives the
    passages holding each term (a store's `term_counts`)."""
    if total < PRUNE_FROM or len(terms) <= MIN_KEEP:
        return list(terms)
    return keep_rare(terms, count(terms), total, max_share=MAX_SHARE, min_keep=MIN_KEEP)
