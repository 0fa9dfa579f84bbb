"""`kb compare`: one row per document with what it says on a topic (its best one or two
passages, cited), so the positions of several publishers show side by side.

The documents come from a wide search over the topic (so a document that never mentions it
gets no row); each document's best passages come from a search restricted to it, re-ranked by
their best sentence's match with the topic.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kb.answers.cite import short_reference
from kb.answers.evidence import assess, score_sentences, term_weights
from kb.answers.tuning import MIN_STRENGTH, PASSAGE_WEIGHT
from kb.search.knowledge_base import clean_query
from kb.sentences import content_words, strip_framing
from kb.types import CompareRow, Comparison, Document, Filters, Hit

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase

WIDE = 50  # passages of the wide search that nominate documents
MAX_DOCS = 12
POOL = 6  # passages per document whose sentences are scored to pick its best ones


def compare(kbase: KnowledgeBase, topic: str, per_doc: int = 2, filters: Filters | None = None,
            max_docs: int = MAX_DOCS) -> Comparison:
    """The topic across documents: rows best first, each with up to `per_doc` cited passages."""
    topic = clean_query(topic)  # text, not empty; no control characters or lone surrogates
    query = strip_framing(topic)
    base = filters or Filters()
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
