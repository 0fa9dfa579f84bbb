"""`kb quote`: verbatim quotes (one to three sentences) with copy-ready references.

Each quote is a run of consecutive sentences of one passage, cut from the passage text by
position, and checked against the text the store holds before it is shown: a quote that is
not an exact substring of its stored passage is dropped (fail closed) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.answers.cite import full_reference, short_reference
from kb.answers.evidence import ScoredSentence, score_sentences, term_weights
from kb.errors import NotFoundError
from kb.search.knowledge_base import clean_query
from kb.sentences import Span, content_words, strip_framing
from kb.types import Filters, Hit, Quote

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)

MAX_SENTENCES = 3
MAX_CHARS = 600  # a quote longer than this keeps fewer sentences
RETRIEVE = 10
# A quote must treat the topic: some sentence of it close to the topic in meaning, or holding most
# of the topic's words (weighted by rarity). A passage retrieved for an off-topic request has none.
MIN_SIMILARITY = 0.3
MIN_KEYWORD = 0.5
NOT_TREATED = "The documents do not treat this topic: no passage to quote (try other words or fewer filters)."


def on_topic(window: Sequence[ScoredSentence], min_similarity: float = MIN_SIMILARITY,
             min_keyword: float = MIN_KEYWORD) -> bool:
    """Whether a quote treats the topic (pure): one of its sentences reaches `min_similarity` in
    meaning or `min_keyword` of the topic's rarity-weighted words. A common word shared by chance
    ("point" for "boiling point") is not enough."""
    return any(s.similarity >= min_similarity or s.keyword >= min_keyword for s in window)


def adjacent(a: ScoredSentence, b: ScoredSentence, max_gap: int = 8) -> bool:
    """Whether sentence `b` follows `a` in the passage with only white space between (pure); a
    sentence left out as boilerplate between them leaves a wider gap."""
    return 0 <= b.span.start - a.span.end <= max_gap


def best_window(scored: Sequence[ScoredSentence], max_sentences: int = MAX_SENTENCES, max_chars: int = MAX_CHARS,
                extend_ratio: float = 0.8, min_chars: int = 60) -> list[ScoredSentence]:
    """The run of consecutive sentences of one passage to quote (pure): the best sentence,
    extended to an adjacent neighbour when the neighbour scores at least `extend_ratio` of it or
    the quote is still shorter than `min_chars`, within `max_sentences` and `max_chars`."""
    if not scored:
        return []
    ordered = sorted(scored, key=lambda s: s.span.start)
    best = max(range(len(ordered)), key=lambda i: ordered[i].score)
    lo = hi = best
    while hi - lo + 1 < max_sentences:
        options = []
        if lo > 0 and adjacent(ordered[lo - 1], ordered[lo]):
            options.append(lo - 1)
        if hi < len(ordered) - 1 and adjacent(ordered[hi], ordered[hi + 1]):
            options.append(hi + 1)
        if not options:
            break
        nxt = max(options, key=lambda i: ordered[i].score)
        length = ordered[max(hi, nxt)].span.end - ordered[min(lo, nxt)].span.start
        short = ordered[hi].span.end - ordered[lo].span.start < min_chars
        if length > max_chars or not (short or ordered[nxt].score >= extend_ratio * ordered[best].score):
            break
        lo, hi = min(lo, nxt), max(hi, nxt)
    return ordered[lo:hi + 1]


def window_text(text: str, window: Sequence[ScoredSentence]) -> str:
    """The exact slice of the passage text that the sentences cover (pure)."""
    return Span(window[0].span.start, window[-1].span.end).of(text)


def verified(kbase: KnowledgeBase, hit: Hit, quote: str) -> bool:
    """Whether `quote` is an exact substring of the passage text as the store holds it now."""
    try:
        stored = kbase.store.passage(hit.passage.passage_id)
    except NotFoundError:
        return False
    return bool(quote.strip()) and quote in stored.text


def find_quotes(kbase: KnowledgeBase, topic: str, k: int = 5, filters: Filters | None = None,
                per_document: int = 2) -> list[Quote]:
    """Up to k verified quotes on `topic`, best first, at most one per passage and
    `per_document` per document."""
    topic = clean_query(topic)  # text, not empty; no control characters or lone surrogates
    query = strip_framing(topic)
    hits = kbase.search(query, k=max(RETRIEVE, k), filters=filters)
    if not hits:
        return []
    weights = term_weights(kbase, content_words(query))
    scored = score_sentences(kbase, query, hits, weights)
    by_hit: dict[int, list[ScoredSentence]] = {}
    for s in scored:
        by_hit.setdefault(s.hit_index, []).append(s)
    candidates: list[tuple[float, int, str]] = []
    for i, sentences in by_hit.items():
        window = best_window(sentences)
        if window and on_topic(window):
            text = window_text(hits[i].passage.text, window)
            score = max(s.score for s in window) + 0.05 / (1 + i)  # the retrieval rank breaks near-ties
            candidates.append((score, i, text))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    quotes: list[Quote] = []
    per_doc: dict[str, int] = {}
    for score, i, text in candidates:
        hit = hits[i]
        if per_doc.get(hit.document.doc_id, 0) >= per_document:
            continue
        if not verified(kbase, hit, text):
            log.warning("dropped a quote from passage %s: not verbatim in the stored text", hit.passage.passage_id)
            continue
        quotes.append(Quote(quote=text, passage=hit.passage, document=hit.document,
                            reference=full_reference(hit.document, hit.passage),
                            short_reference=short_reference(hit.document, hit.passage), score=score))
        per_doc[hit.document.doc_id] = per_doc.get(hit.document.doc_id, 0) + 1
        if len(quotes) >= k:
            break
    return quotes


def format_quotes(quotes: Sequence[Quote], width: int = 100) -> str:
    """Quotes for the terminal: the quote in quotation marks, then its reference; one line saying
    the documents do not treat the topic when there is none."""
    import textwrap

    if not quotes:
        return NOT_TREATED
    blocks = []
    for n, q in enumerate(quotes, start=1):
        body = textwrap.fill(f"\u201c{q.quote}\u201d", width, initial_indent=f"{n}. ", subsequent_indent="   ")
        blocks.append(body + "\n   " + q.reference)
    return "\n\n".join(blocks)
