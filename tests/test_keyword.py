"""Query processing for FTS5: terms, stopwords and escaping of keyword-engine syntax."""

from __future__ import annotations

import sqlite3

import pytest

from kb.search.keyword import MAX_TERMS, NamingIndex, adjacent_pairs, document_terms, query_terms
from kb.store.fts import near_expression, or_expression


def match_expression(query: str) -> str:
    return or_expression(query_terms(query))


def proximity_expression(query: str, span: int = 3) -> str:
    return near_expression(adjacent_pairs(query), span)


def test_query_terms_drop_stopwords_and_question_words():
    """This test ensures that function words and question words do not reach BM25."""
    assert query_terms("What does the paper say about protected cycling lanes?") == ["protected", "cycling", "lanes"]


def test_query_terms_keep_digits_and_deduplicate():
    """This test ensures that numbers are kept (figures matter) and each term appears once."""
    assert query_terms("lanes in 2001: 3 lanes, 3,000 riders") == ["lanes", "2001", "3", "000", "riders"]


def test_query_of_only_stopwords_still_searches_its_words():
    """This test ensures that a query made only of stopwords is not turned into nothing."""
    assert query_terms("what is it") == ["what", "is", "it"]


def test_long_query_is_capped():
    """This test ensures that a huge query keeps a bounded number of terms."""
    assert len(query_terms(" ".join(f"w{i}" for i in range(10_000)))) == MAX_TERMS


@pytest.mark.parametrize("query", [
    'say "hello', "lane*", "cycling NEAR bees", "lanes OR bees", "-lanes", "(lanes) AND (bees)",
    "title:lanes", "lanes^2 {x} [y]", "'; DROP TABLE passages; --", "自転車 レーン", "велосипед дорожки",
    "a\x00b\x1fc", "NOT", "\"\"\"", "*", "NEAR(", "dépôt", "x² ½ ⅓ lanes", "lanes_ _bees", "①② lanes",
])
def test_any_query_gives_a_valid_fts5_expression(query):
    """This test ensures that keyword-engine syntax in a query is quoted, never parsed by FTS5."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t(body) VALUES ('lanes and bees near the title')")
    for expr in (match_expression(query), proximity_expression(query)):
        if expr:
            conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()  # must not raise


def test_operators_are_searched_as_words():
    """This test ensures that OR / NEAR typed by a user become quoted search terms."""
    assert match_expression("lanes OR bees") == '"lanes" OR "bees"'
    assert match_expression("NEAR bees") == '"near" OR "bees"'


def test_document_terms_are_the_naming_words():
    """This test ensures that a document's naming words come from its metadata, without function words."""
    terms = document_terms("Ana Lima; Tom Berg", "River Press", 2011, None, "book chapter", "rivers_2011")
    assert {"lima", "berg", "river", "press", "2011", "book", "chapter", "rivers"} <= terms
    assert "of" not in terms and None not in terms


def test_document_mentions_weigh_rare_naming_words():
    """This test ensures that a word naming one document counts more than one naming several, and
    a word naming every document counts for nothing."""
    docs = {"a": frozenset({"2011", "chapter", "un"}), "b": frozenset({"2005", "note", "un"}),
            "c": frozenset({"2005", "report", "un"})}
    index = NamingIndex(docs)
    m = index.mentions("What does the 2011 chapter of the UN say?")
    assert set(m) == {"a"}, "'un' names every document"
    m = index.mentions("the 2005 note")
    assert m["b"] > m["c"] > 0
    assert index.mentions("bees") == {}


def test_proximity_expression_pairs_adjacent_content_terms():
    """This test ensures that each pair of neighbouring content terms becomes one quoted NEAR group."""
    assert proximity_expression("What does the paper say about protected cycling lanes?", span=2) == (
        'NEAR("protected" "cycling", 2) OR NEAR("cycling" "lanes", 2)')
    assert proximity_expression("lanes") == ""


def test_proximity_expression_ranks_passages_keeping_the_pair_together():
    """This test ensures that a passage with the two words close together matches and one with them far apart does not."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t(rowid, body) VALUES (1, 'protected cycling lanes'), "
                 "(2, 'protected areas are far from any road used for cycling')")
    rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (proximity_expression("protected cycling", span=3),))
    assert [r[0] for r in rows] == [1]
