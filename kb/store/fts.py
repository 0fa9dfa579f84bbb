"""FTS5 query syntax shared by the store's keyword index and the search stage."""

from __future__ import annotations

from collections.abc import Iterable


def quote_term(term: str) -> str:
    """An FTS5 string literal: double quotes doubled, so the term is never parsed as syntax."""
    return '"' + term.replace('"', '""') + '"'


def or_expression(terms: Iterable[str]) -> str:
    """An FTS5 expression matching any of the terms, each quoted."""
    return " OR ".join(quote_term(t) for t in terms)


def near_expression(pairs: Iterable[tuple[str, str]], span: int) -> str:
    """An FTS5 expression matching passages where the two terms of some pair lie within `span`
    words of each other: `NEAR("a" "b", span) OR ...`."""
    return " OR ".join(f"NEAR({quote_term(a)} {quote_term(b)}, {int(span)})" for a, b in pairs)
