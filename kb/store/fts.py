"""FTS5 query syntax shared by the store's keyword index and the search stage."""

from __future__ import annotations


def quote_term(term: str) -> str:
    """An FTS5 string literal: double quotes doubled, so the term is never parsed as syntax."""
    return '"' + term.replace('"', '""') + '"'
