"""Hybrid search over a knowledge base: the public `KnowledgeBase` API.

A query runs on two sides: dense (the query vector against the FAISS index, each candidate
then scored by a mix of its passage cosine and its best sentence cosine, kb.embed.spans) and
keyword (FTS5 BM25 over the passage text and its title/section context, plus a proximity
query over adjacent query terms). The candidate lists are fused (kb.search.fusion), and the top k
keeps at most `per_doc_cap` passages of one document so that a topic several documents
treat shows all of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Self

import numpy as np

from kb.config import Settings
from kb.embed import spans
from kb.errors import QueryError, StoreError
from kb.search import fusion
from kb.search.keyword import NamingIndex, adjacent_pairs, document_terms, query_terms
from kb.search.ranking import FRAME_SIDES, Ranking
from kb.search.versions import VersionScope
from kb.sentences import is_reference, strip_framing
from kb.store.backend import Backend, open_store
from kb.store.common_terms import PRUNE_FROM, rare_terms
from kb.types import Document, Filters, Hit, Passage

if TYPE_CHECKING:
    from kb.embed.encoders import Embedder

MAX_QUERY_CHARS = 100_000  # longer queries are cut here (the model reads 256 word pieces anyway)
_EMBED_CHARS = 2_000  # what the dense side embeds of a long query
# control characters, and lone surrogates (undecodable command-line bytes, "\\ud800" in JSON): no
# tokenizer or SQLite call can take those
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_query(query: str) -> str:
    """The query with control characters and lone surrogates blanked and whitespace collapsed; QueryError when
    nothing is left to search."""
    if not isinstance(query, str):
        raise QueryError(f"a query must be text, not {type(query).__name__}; pass a string")
    q = _CONTROL.sub(" ", query[:MAX_QUERY_CHARS])
    q = " ".join(q.split())
    if not q:
        raise QueryError("the query is empty; type a question or some words to search for")
    return q


class KnowledgeBase:
    """An opened knowledge base: search, documents, passages and their neighbours."""

    def __init__(self, store: Backend, settings: Settings, embedder: Embedder | None = None,
                 ranking: Ranking | None = None) -> None:
        self.store = store
        self.settings = settings
        self._embedder = embedder
        self._doc_terms: dict[str, frozenset[str]] | None = None
        self.versions = VersionScope(store)
        self._naming: NamingIndex | None = None
        self._titles: NamingIndex | None = None
        self._names_generation = -1  # the store generation the naming caches were built for
        self.ranking = ranking or Ranking(candidates=settings.candidates, per_doc_cap=settings.per_doc_cap)

    @classmethod
    def open(cls, path: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None) -> KnowledgeBase:
        """Open the store at `path` (default: settings.kb_dir); the embedder loads on first search."""
        settings = settings or Settings.load()
        store = open_store(settings, path)
        if embedder is not None:
            store.check_model(embedder.name, embedder.dim)
        return cls(store, settings, embedder)

    # ------------------------------------------------------------------ embedder
    @property
    def embedder(self) -> Embedder:
        """The model the store was built with, loaded once on first use."""
        if self._embedder is None:
            from kb.embed.load import check_fingerprint, load_query_embedder

            built = str(self.store.manifest["model"])
            base = built.split("@")[0]
            configured = self.settings.model
            model = configured if base in (configured, Path(configured).name) else base
            check_fingerprint(model, built)  # before any weights are read
            emb = load_query_embedder(model, backend=self.settings.backend, device=self.settings.device,
                                      max_tokens=self.settings.max_tokens, light=self.settings.light_queries)
            self.store.check_model(emb.name, emb.dim)
            self._embedder = emb
        return self._embedder

    # ------------------------------------------------------------------ search
    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """The best k passages for `query`, best first, at most per_doc_cap per document."""
        return self.search_many([query], k=k, filters=filters)[0]

    def search_many(self, queries: list[str], k: int = 10, filters: Filters | None = None) -> list[list[Hit]]:
        """Search several queries, embedding them in one batch."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise QueryError(f"k={k!r} is not a whole number; pass how many passages you want, e.g. k=10")
        if k < 1:
            raise QueryError(f"k={k} asks for no results; use k >= 1")
        cleaned = [clean_query(q) for q in queries]
        if not self.store.documents():
            raise StoreError(f'the knowledge base at "{self.store.path}" holds no documents yet; put your papers '
                             "(PDF, TXT, Markdown) in a folder and run `kb ingest FOLDER`")
        filters = filters or Filters()
        allowed = self.store.allowed_rowids(filters)
        hidden = set() if filters.all_versions or filters.docs else self.versions.superseded_rowids()
        if hidden and allowed is not None:
            allowed = allowed[~np.isin(allowed, list(hidden))]
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in cleaned]
        candidates = self._candidates(cleaned, allowed)
        if hidden and allowed is None:  # few documents to leave out: drop them from the candidates
            candidates = [tuple({r: v for r, v in side.items() if r not in hidden} for side in c[:3]) + (c[3],)
                          for c in candidates]
        ranked = [self._rank(*c, k) for c in candidates]
        return ranked if hidden else [self.versions.mark(hits) for hits in ranked]

    def search_record(self, query: str, hits: list[Hit]) -> dict:
        """A search's JSON (`kb search --json`, the API's /search): each hit with its version note."""
        return {"query": query, "hits": [h.to_dict() | {"version": self.versions.note(h.document)} for h in hits]}

    def latest_versions(self, filters: Filters) -> Filters:
        """`filters`, narrowed to leave out documents a later revision in the store replaces,
        unless they ask for all versions or name documents themselves."""
        if filters.all_versions or filters.docs:
            return filters
        old = self.versions.superseded_ids()
        if not old:
            return filters
        return replace(filters, docs=tuple(d.doc_id for d in self.store.documents() if d.doc_id not in old))

    def documents_in_scope(self, filters: Filters | None = None) -> list[Document]:
        """The documents a question is put to: those the filters keep, latest versions only."""
        scoped = self.latest_versions(filters or Filters())
        return self.store.filter_documents(scoped) if not scoped.empty else self.store.documents()

    def _candidates(self, cleaned: list[str], allowed: np.ndarray | None) -> list[tuple[dict, dict, dict, dict]]:
        """Per query, the dense, keyword and term-pair candidates as {rowid: score} and the
        documents it names."""
        r = self.ranking
        stripped = FRAME_SIDES[r.strip_framing]  # the request words say nothing about a passage
        topics = [strip_framing(q) if stripped else q for q in cleaned]
        dense_q = topics if "dense" in stripped else cleaned
        keyword_q = topics if "keyword" in stripped else cleaned
        qvecs = None
        if r.mode != "keyword" and cleaned:
            qvecs = self.embedder.encode([q[:_EMBED_CHARS] for q in dense_q], batch_size=64)
        out = []
        for i, q in enumerate(cleaned):
            dense = self._dense(qvecs[i], r.candidates, allowed) if qvecs is not None else {}
            keyword = self._keyword(keyword_q[i], r.candidates, allowed) if r.mode != "dense" else {}
            pairs = (self._pairs(keyword_q[i], r.candidates, allowed) if r.mode == "hybrid" and r.proximity_weight
                     else {})
            out.append((dense, keyword, pairs, self._mentions(q)))  # the whole question: "the 2009 briefing" names one
        return out

    def _dense(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        ids, scores = self.store.vector_search(qvec, n, allowed)
        dense = {int(i): float(s) for i, s in zip(ids, scores)}
        if self.ranking.sentence_weight and dense:
            best = spans.best_sentence(qvec, self.store.sentence_vectors_for(dense))
            dense = spans.mix(dense, best, self.ranking.sentence_weight)
        return dense

    def _keyword(self, query: str, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        weights = (1.0, self.ranking.context_weight)
        total = int(self.store.manifest.get("passages", 0))
        terms = query_terms(query)
        if total >= PRUNE_FROM:  # a large store: terms found in >1% of passages are left out (speed)
            terms = rare_terms(self.store.term_counts, terms, total)
        return dict(self.store.keyword_search(terms, n, allowed, weights=weights))

    def _pairs(self, query: str, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        weights = (1.0, self.ranking.context_weight)
        pairs = adjacent_pairs(query)
        return dict(self.store.near_search(pairs, self.ranking.proximity_span, n, allowed, weights=weights)) if pairs else {}

    def _mentions(self, query: str) -> dict[str, float]:
        """How strongly the query names each document: by its authors, publisher, year, symbol,
        kind or file name, plus `title_naming` x the same measure over its title's words (weaker
        evidence: a title also says what the document is about)."""
        names = self._naming_terms()
        if self._naming is None:
            self._naming = NamingIndex(names)
        found = self._naming.mentions(query)
        if self.ranking.title_naming:
            if self._titles is None:  # a word counts once: title words that also name the document add nothing
                self._titles = NamingIndex({d.doc_id: document_terms(d.short_title or d.title) - names.get(d.doc_id,
                                            frozenset()) for d in self.store.documents()})
            for doc_id, m in self._titles.mentions(query).items():
                found[doc_id] = found.get(doc_id, 0.0) + self.ranking.title_naming * m
        return found

    def _naming_terms(self) -> dict[str, frozenset[str]]:
        generation = self.store.generation()
        if self._doc_terms is None or self._names_generation != generation:  # documents added or removed meanwhile
            self._names_generation = generation
            self._naming = self._titles = None
            self._doc_terms = {d.doc_id: document_terms(d.authors, d.publisher, d.year, d.symbol, d.kind,
                                                        Path(d.file).stem)
                               for d in self.store.documents()}
        return self._doc_terms

    def _rank(self, dense: dict[int, float], keyword: dict[int, float], pairs: dict[int, float],
              mentions: dict[str, float], k: int) -> list[Hit]:
        r = self.ranking
        dense = {} if r.mode == "keyword" else dense
        keyword = {} if r.mode == "dense" else keyword
        d_rank, k_rank = fusion.ranks(dense), fusion.ranks(keyword)
        if r.fusion == "weighted":
            norm = {"minmax": fusion.minmax, "max": fusion.max_normalise, "z": fusion.zscore}[r.norm]
            sides = [norm(dense), norm(keyword), fusion.max_normalise(pairs)]
            weights = [r.dense_weight, r.keyword_weight, r.proximity_weight]
            if r.rank_bonus:
                sides += [fusion.rank_scores(s, r.rank_bonus_k, r.rank_tie) for s in (dense, keyword, pairs)]
                weights += [r.rank_bonus] * 3
            fused = fusion.weighted_sum(sides, weights)
            if r.norm == "z":  # keep scores positive for the document boost
                low = min(fused.values(), default=0.0)
                fused = {i: v - low + 1e-6 for i, v in fused.items()}
        else:
            fused = fusion.rrf([sorted(d_rank, key=d_rank.get), sorted(k_rank, key=k_rank.get)],
                               [r.dense_weight, r.keyword_weight], k=r.rrf_k)
        doc_of = self.store.doc_ids_by_rowid(fused)  # whole passages are read for the top k only
        if r.doc_boost and mentions:
            unit = math.log(max(2, len(self._naming_terms())))  # one word naming a single document
            boost = {d: r.doc_boost * min(1.0, max(0.0, m / unit - r.mention_floor)) for d, m in mentions.items()}
            for i, d in doc_of.items():
                fused[i] *= 1.0 + boost.get(d, 0.0)
        order = sorted(fused, key=lambda i: -fused[i])
        passages: dict[int, Passage] = {}
        if r.reference_penalty:  # a bibliography entry names a source, it never answers
            passages = self.store.passages_by_rowid(order[: k + 20])
            for i, p in passages.items():
                if is_reference(p.text, p.section_path):
                    fused[i] *= 1.0 - r.reference_penalty
            order = sorted(fused, key=lambda i: -fused[i])
        ranked = [i for i in order if i in doc_of]
        best_of_each = {min(side, key=side.get) for side in (d_rank, k_rank) if side}
        if r.cap_damping > 0:
            top = fusion.damp_repeats(ranked, fused, doc_of.__getitem__, r.per_doc_cap, r.cap_damping,
                                      protected=best_of_each)[:k]
        else:
            top = fusion.top_k_capped(ranked, k, doc_of.__getitem__, r.per_doc_cap, protected=best_of_each)
        passages.update(self.store.passages_by_rowid([i for i in top if i not in passages]))
        top = [i for i in top if i in passages]  # a passage removed by another process meanwhile
        return [
            Hit(passage=passages[i], document=self.store.document(passages[i].doc_id), score=fused[i], rank=n,
                dense_score=dense.get(i), keyword_score=keyword.get(i),
                dense_rank=d_rank.get(i), keyword_rank=k_rank.get(i))
            for n, i in enumerate(top, start=1)
        ]

    # ------------------------------------------------------------------ reading
    def documents(self) -> list[Document]:
        return self.store.documents()

    def passage(self, passage_id: str) -> tuple[Passage, Document]:
        p = self.store.passage(passage_id)
        return p, self.store.document(p.doc_id)

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> list[Passage]:
        """The passages around one passage in its document, in order, itself included."""
        return self.store.neighbours(self.store.passage(passage_id), before=before, after=after)

    def as_retriever(self, k: int = 10, filters: Filters | None = None):
        """A LangChain BaseRetriever over this knowledge base."""
        from kb.search.retriever import KBRetriever

        return KBRetriever(kb=self, k=k, filters=filters)

    def with_ranking(self, **changes: object) -> KnowledgeBase:
        """The same open store with other ranking choices (benchmarks and tuning)."""
        return KnowledgeBase(self.store, self.settings, self._embedder, replace(self.ranking, **changes))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
