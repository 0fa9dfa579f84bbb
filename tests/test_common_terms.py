"""Leaving common terms out of the keyword query on large stores (kb.store.common_terms)."""

from __future__ import annotations

import sqlite3

from kb.store import common_terms
from kb.store.common_terms import keep_rare, passage_counts, rare_terms


def test_keep_rare_drops_terms_most_passages_hold_but_keeps_the_rarest():
    """This test ensures that a term held by more than the share limit is left out, the query's
    rarest terms always stay, and the query order is kept."""
    counts = {"policy": 90_000, "cluster": 500, "upgrading": 300, "global": 80_000}
    assert keep_rare(["policy", "cluster", "global", "upgrading"], counts, 1_000_000) == ["cluster", "upgrading"]
    assert keep_rare(["policy", "global"], counts, 1_000_000) == ["policy", "global"], "the 2 rarest always stay"
    assert keep_rare(["policy", "global", "cluster"], counts, 1_000_000, min_keep=1) == ["cluster"]


def _fts(texts: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE passages_fts USING fts5(body, context, tokenize = 'porter unicode61')")
    conn.executemany("INSERT INTO passages_fts(body, context) VALUES(?, '')", [(t,) for t in texts])
    return conn


def test_passage_counts_go_through_the_stemmer_and_survive_odd_terms():
    """This test ensures that counts use FTS5's own tokenizer (so 'clusters' counts 'cluster'), and
    that a term with a quote in it is counted, not parsed as syntax."""
    conn = _fts(["clusters of firms", "a cluster", "tariffs", 'the "odd" term'])
    counts = passage_counts(conn, ["cluster", "tariff", "absent", 'odd"'])
    assert counts["cluster"] == 2 and counts["tariff"] == 1 and counts["absent"] == 0
    assert counts['odd"'] == 1


def test_small_stores_search_every_term(monkeypatch):
    """This test ensures that below PRUNE_FROM passages the query is left as it is (rankings on
    ordinary libraries do not change), and above it common terms go."""
    texts = ["common word here"] * 8 + ["rare word here", "other text"]
    conn = _fts(texts)
    assert rare_terms(lambda terms: passage_counts(conn, terms), ["common", "rare", "other"], total=len(texts)) == ["common", "rare", "other"]
    monkeypatch.setattr(common_terms, "PRUNE_FROM", 5)
    monkeypatch.setattr(common_terms, "MIN_KEEP", 1)
    monkeypatch.setattr(common_terms, "MAX_SHARE", 0.5)
    assert rare_terms(lambda terms: passage_counts(conn, terms), ["common", "rare", "other"], total=len(texts)) == ["rare", "other"]
