"""Query processing for the keyword side (SQLite FTS5 with porter stemming).

Any user text becomes a safe FTS5 MATCH expression: the query is cut into word tokens,
stopwords and question words are dropped, and each remaining term is quoted, so FTS5
syntax in the query (`"`, `*`, `NEAR`, `OR`, `-`, `:`, parentheses) is searched as plain
words and never parsed. Terms are joined with OR; BM25 rewards passages matching more
and rarer terms.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 64  # a 100 KB query keeps its first 64 distinct terms

_TOKEN = re.compile(r"\w+", re.UNICODE)

# English function words plus the words that make a sentence a question or a request;
# none of them says what a passage is about.
_STOP_TEXT = """
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could did didn do does doesn doing don down during each either else etc few
for from further had hadn has hasn have haven having he her here hers herself him himself his how i if in
into is isn it its itself just let me more most much must my myself neither no nor not of off on once only
or other ought our ours ourselves out over own per same shall she should shouldn so some such than that the
their theirs them themselves then there these they this those through thus to too under until up upon us
very via was wasn we were weren what when where whether which while who whom whose why will with within
without would wouldn yes yet you your yours yourself yourselves
according anything based describe described describes does example examples explain give given kind kinds
mention mentioned mentions one paper papers say says said something tell text way ways document documents
report reports
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


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


def quote_term(term: str) -> str:
    """An FTS5 string literal: double quotes doubled, so the term is never parsed as syntax."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: str, max_terms: int = MAX_TERMS) -> str:
    """The FTS5 MATCH expression for a user query; empty when it has no word at all."""
    return " OR ".join(quote_term(t) for t in query_terms(query, max_terms))
