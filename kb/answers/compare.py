"""`kb compare`: one row per document with what it says on a topic (its best one or two
passages, cited), so the positions of several publishers show side by side.

The documents come from a wide search over the topic (so a document that never mentions it
gets no row); each document's best passages come from a search restricted to it, re-ranked by
their best sentence's match with the topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from kb.answers.cite import short_reference
from kb.answers.evidence import assess, score_sentences, term_weights
from kb.answers.tuning import MIN_STRENGTH, PASSAGE_WEIGHT
from kb.search.knowledge_base import clean_query
from kb.sentences import STOPWORDS, content_words, strip_framing, words
from kb.types import CompareRow, Comparison, Document, Filters, Hit

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase

WIDE = 50  # passages of the wide search that nominate documents
MAX_DOCS = 12
POOL = 6  # passages per document whose sentences are scored to pick its best ones


# Words that name the documents rather than the topic ("what do the 2005 note and the OECD report
# say about ..."): they pull every document's title page and introduction up the ranking.
_DOCUMENT_WORDS = frozenset({
    "paper", "papers", "report", "reports", "note", "notes", "chapter", "chapters", "briefing", "briefings",
    "study", "studies", "document", "documents", "publication", "publications", "author", "authors", "letter",
    "letters", "text", "texts", "source", "sources", "each", "both", "according", "say", "says", "said", "see",
    "sees", "treat", "treats", "describe", "describes", "compare", "differ", "differs", "two", "three"})
_TOKEN = re.compile(r"[^\W_]+(?:[-'’/.][^\W_]+)*")
_YEAR = re.compile(r"(?:19|20)\d\d[a-z]?")


def topic_of(question: str, docs: Sequence[Document]) -> str:
    """The question without the words that only name documents (publishers, authors, symbols,
    years, "paper", "each"), so each document's passage on the topic, not its cover, ranks first
    (pure). Returns the question unchanged when too little would be left."""
    naming: set[str] = set()
    symbols = {d.symbol.lower() for d in docs if d.symbol}
    for d in docs:
        for field in (d.publisher, d.authors):
            naming |= set(words(field or ""))
    naming -= STOPWORDS
    tokens = list(_TOKEN.finditer(question))
    drop = []
    for m in tokens:
        w = m.group(0)
        parts = set(words(w))
        named = w[:1].isupper() and bool(parts) and parts <= naming  # "OECD", "Pietrobelli"; not "development"
        drop.append(w.lower() in _DOCUMENT_WORDS or bool(_YEAR.fullmatch(w)) or named or w.lower() in symbols)
    # a function word right before a dropped one ("the" in "the OECD") goes with it
    for i in range(len(tokens) - 2, -1, -1):
        if drop[i + 1] and tokens[i].group(0).lower() in STOPWORDS:
            drop[i] = True
    kept = [m.group(0) for m, d in zip(tokens, drop) if not d]
    if len([w for w in kept if w.lower() not in STOPWORDS]) < 2:
        return question
    return " ".join(kept)


def compare(kbase: KnowledgeBase, topic: str, per_doc: int = 2, filters: Filters | None = None,
            max_docs: int = MAX_DOCS) -> Comparison:
    """The topic across documents: rows best first, each with up to `per_doc` cited passages."""
    topic = clean_query(topic)  # text, not empty; no control characters or lone surrogates
    base = filters or Filters()
    scope = kbase.store.filter_documents(base) if filters else kbase.documents()
    query = topic_of(strip_framing(topic), scope)
    hits = kbase.search(query, k=WIDE, filters=base)
    nominated: list[Document] = []
    for h in hits:
        if h.document.doc_id not in {d.doc_id for d in nominated}:
            nominated.append(h.document)
    weights = term_weights(kbase, content_words(query))
    pool: list[Hit] = []  # each nominated document's best passages, one list for one embedding batch
    for doc in nominated[:max_docs]:
        pool += kbase.search(query, k=POOL, filters=replace(base, docs=(doc.doc_id,)))
    best: dict[int, float] = {}
    for s in score_sentences(kbase, query, pool, weights, rank_weight=0.0) if pool else []:
        best.setdefault(s.hit_index, s.score)
    rows = []
    for doc in nominated[:max_docs]:
        mine = [i for i, h in enumerate(pool) if h.document.doc_id == doc.doc_id]
        top = max((pool[i].score for i in mine), default=0.0) or 1.0
        # a passage's own search score (relative to the document's best) counts as much as its
        # best sentence: one well-matching sentence in an off-topic paragraph should not win
        mine.sort(key=lambda i: -(best.get(i, 0.0) + PASSAGE_WEIGHT * pool[i].score / top))
        chosen = [pool[i] for i in mine[:per_doc]]
        if not chosen:
            continue
        strength = assess(query, chosen[:1], weights, top=1).score
        if strength < MIN_STRENGTH:
            continue
        passages = tuple(h.passage for h in chosen)
        rows.append(CompareRow(document=doc, passages=passages,
                               references=tuple(short_reference(doc, p) for p in passages), score=strength))
    rows.sort(key=lambda r: -r.score)
    return Comparison(topic=topic, rows=tuple(rows))


def format_comparison(comparison: Comparison, width: int = 100, max_chars: int = 500) -> str:
    """The rows for the terminal: document, then each passage with its reference."""
    import textwrap

    if not comparison.rows:
        return "no document addresses this topic; try other words or fewer filters"
    blocks = []
    for row in comparison.rows:
        d = row.document
        head = f"{d.short_title or d.title} ({d.publisher or 'n.p.'}, {d.year or 'n.d.'})"
        lines = [head]
        for p, ref in zip(row.passages, row.references):
            text = p.text if len(p.text) <= max_chars else p.text[:max_chars].rstrip() + " ..."
            lines.append("  - " + ref)
            lines.append(textwrap.fill(text, width, initial_indent="      ", subsequent_indent="      "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
