"""Query processing for the keyword side (SQLite FTS5 with porter stemming).

Any user text becomes a list of content terms: the query is cut into word tokens, stopwords
and question words are dropped; the store searches each term as a plain word (FTS5 syntax in
the query, `"`, `*`, `NEAR`, `OR`, `-`, `:`, parentheses, is never parsed), passages holding
any of them, and BM25 rewards passages matching more and rarer terms.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

MAX_TERMS = 64  # a 100 KB query keeps its first 64 distinct terms

_TOKEN = re.compile(r"\w+", re.UNICODE)

# English function words plus the words that make a sentence a question or a request;
# none of them says what a passage is about.
_FUNCTION_TEXT = """
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could did didn do does doesn doing don down during each either else etc few
for from further had hadn has hasn have haven having he her here hers herself him himself his how i if in
into is isn it its itself just let me more most much must my myself neither no nor not of off on once only
or other ought our ours ourselves out over own per same shall she should shouldn so some such than that the
their theirs them themselves then there these they this those through thus to too under until up upon us
very via was wasn we were weren what when where whether which while who whom whose why will with within
without would wouldn yes yet you your yours yourself yourselves
"""
_REQUEST_TEXT = """
according anything based describe described describes does example examples explain give given kind kinds
mention mentioned mentions one paper papers say says said something tell text way ways document documents
report reports
"""
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
STOPWORDS = FUNCTION_WORDS | frozenset(_REQUEST_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, diacritics kept (FTS5 folds them itself)."""
    text = unicodedata.normalize("NFKC", text)
    return [t.lower() for t in _TOKEN.findall(text)]


def query_terms(query: str, max_terms: int = MAX_TERMS) -> list[str]:
    """The distinct content terms of a query, in order: no stopwords, no one-letter words
    (digits are kept: "3" in "3,000" matters)."""
    seen: dict[str, None] = {}
    for t in tokens(query):
        if t in STOPWORDS or (len(t) == 1 and not t.isdigit()) or t.replace("_", "") == "":
            continue
        seen.setdefault(t, None)
        if len(seen) >= max_terms:
            break
    if not seen:  # a query of stopwords only ("what is it?") still searches its words
        for t in tokens(query)[:max_terms]:
            if t.replace("_", ""):
                seen.setdefault(t, None)
    return list(seen)


def adjacent_pairs(query: str, max_terms: int = MAX_TERMS) -> list[tuple[str, str]]:
    """The pairs of adjacent content terms of a query ("protected cycling lanes" gives
    (protected, cycling) and (cycling, lanes)): passages keeping a pair within a few words of
    each other rank higher on the proximity side."""
    t = query_terms(query, max_terms)
    return [(a, b) for a, b in itertools.pairwise(t) if a != b]


def document_terms(*fields: str | int | None) -> frozenset[str]:
    """The words that name a document (authors, publisher, year, symbol, kind, file name):
    what a user writes to point at it ("the 2005 UNCTAD note", "the Lima chapter")."""
    out: set[str] = set()
    for f in fields:
        if f is None:
            continue
        out.update(t for t in tokens(str(f).replace("_", " ")) if t not in FUNCTION_WORDS and len(t) > 1)
    return frozenset(out)


class NamingIndex:
    """Which documents each naming word points at (an inverted index), so that the strength with
    which a query names documents costs a lookup per query word, not a pass over the library."""

    def __init__(self, docs: dict[str, frozenset[str]]) -> None:
        self.n = len(docs)
        self.postings: dict[str, list[str]] = {}
        for doc_id, terms in docs.items():
            for t in terms:
                self.postings.setdefault(t, []).append(doc_id)

    def mentions(self, query: str) -> dict[str, float]:
        """How strongly the query names each document: the summed inverse document frequency of
        the query's words among each document's naming words. Words naming every document count
        for nothing; a document the query does not name is absent."""
        if self.n < 2:
            return {}
        out: dict[str, float] = {}
        for t in {t for t in tokens(query) if t not in FUNCTION_WORDS}:
            docs = self.postings.get(t)
            if docs and len(docs) < self.n:
                w = math.log(self.n / len(docs))
                for d in docs:
                    out[d] = out.get(d, 0.0) + w
        return out
