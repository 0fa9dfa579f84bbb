"""Sentence vectors of passages, for the dense side's best-sentence score.

A question often paraphrases one sentence of a long paragraph; the paragraph's mean-pooled
vector dilutes that sentence among the others. Each passage of two or more sentences
therefore also keeps one vector per sentence, and the dense side scores a candidate by a mix
of its passage cosine and its best sentence cosine (kb.search).

The sentence vectors come from the passage's own forward pass ("late chunking"): the token
vectors of the whole passage are averaged over each sentence's tokens. Ingest costs no extra
model call, and each sentence vector carries its paragraph's context. Embedders without
token outputs (the test fake, custom ones) embed each sentence on its own instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kb.sentences import split_sentences

Span = tuple[int, int]


def sentence_spans(text: str) -> list[Span]:
    """Character ranges of the sentences of a passage; empty for a one-sentence passage
    (its sentence vector would be its passage vector)."""
    spans = [(s.start, s.end) for s in split_sentences(text)]
    return spans if len(spans) > 1 else []


def span_bounds(spans: Sequence[Sequence[Span]]) -> np.ndarray:
    """B x S x 2 character ranges (S = the most spans of any text); (0, 0) pads a text with fewer
    spans and covers no token."""
    width = max((len(sp) for sp in spans), default=0)
    bounds = np.zeros((len(spans), width, 2), dtype=np.int64)
    for b, sp in enumerate(spans):
        if len(sp):
            bounds[b, : len(sp)] = np.asarray(sp, dtype=np.int64).reshape(-1, 2)
    return bounds


def overlap(offsets: Any, bounds: Any) -> Any:
    """The B x S x T boolean of which real tokens (offsets B x T x 2; special and padding tokens
    have empty ranges) overlap which span (bounds B x S x 2). The one rule for span membership:
    the expression works on numpy arrays and on torch tensors alike (kb.embed.pipeline pools on
    the model's device with it)."""
    real = offsets[:, None, :, 1] > offsets[:, None, :, 0]
    return real & (offsets[:, None, :, 1] > bounds[:, :, None, 0]) & (offsets[:, None, :, 0] < bounds[:, :, None, 1])


def span_membership(offsets: np.ndarray, spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, np.ndarray]:
    """For a batch of B tokenised texts (offsets: B x T x 2 character ranges, empty for special
    and padding tokens) and each text's spans, the B x S x T 0/1 matrix of which real tokens
    overlap which span (S = the most spans of any text) and the B x S token counts. A span
    past the truncation point, or a missing one, has count 0."""
    off = np.asarray(offsets, dtype=np.int64).reshape(len(spans), -1, 2)
    member = overlap(off, span_bounds(spans))
    return member.astype(np.float32), member.sum(axis=2)


def pool_spans(tokens: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> np.ndarray:
    """Unit vectors for the character spans of one text: the mean of the token vectors whose
    character offsets overlap the span. Special tokens (empty offsets) are never used; a span
    past the model's truncation point has no tokens and gets no row, so the result has at
    most len(spans) rows."""
    dim = tokens.shape[-1]
    off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)[: len(tokens)]
    if not len(spans) or not len(off):
        return np.zeros((0, dim), dtype=np.float32)
    member, counts = span_membership(off[None], [spans])
    keep = counts[0] > 0
    if not keep.any():
        return np.zeros((0, dim), dtype=np.float32)
    pooled = (member[0][keep] @ tokens[: len(off)].astype(np.float32)) / counts[0][keep, None]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.ascontiguousarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)


def embed_passages(embedder: Any, texts: Sequence[str], batch_size: int = 32, progress: bool = False,
                   spans: Sequence[Sequence[Span]] | None = None,
                   tokens: Sequence[Any] | None = None,
                   groups: Sequence[Any] | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Passage vectors and, per passage, its sentence vectors (0 rows for a one-sentence
    passage). Uses the embedder's `encode_with_spans` (one forward pass) when it has one.
    `spans`: each text's `sentence_spans`, when already found (ingest finds them in its readers);
    `tokens`: each text's tokens from the embedder's own `tokenize_passages`, likewise;
    `groups`: each text's document, for embedders that keep batches within one (the torch one)."""
    if spans is None:
        spans = [sentence_spans(t) for t in texts]
    elif len(spans) != len(texts):
        raise ValueError(f"{len(spans)} span lists for {len(texts)} texts")
    fn = getattr(embedder, "encode_with_spans", None)
    if callable(fn):
        extra = {k: v for k, v in (("tokens", tokens), ("groups", groups)) if v is not None}
        return fn(list(texts), spans, batch_size=batch_size, progress=progress, **extra)
    vectors = embedder.encode(list(texts), batch_size=batch_size, progress=progress)
    flat = [t[a:b] for t, sp in zip(texts, spans) for a, b in sp]
    svecs = embedder.encode(flat, batch_size=batch_size) if flat else np.zeros((0, vectors.shape[1]), np.float32)
    out, start = [], 0
    for sp in spans:
        out.append(np.asarray(svecs[start:start + len(sp)], dtype=np.float32))
        start += len(sp)
    return vectors, out


def best_sentence(query: np.ndarray, sentence_vectors: Mapping[int, np.ndarray]) -> dict[int, float]:
    """Per passage, the cosine of its best sentence to the (unit) query vector (one matrix
    product over all the passages' sentences)."""
    ids = [i for i, v in sentence_vectors.items() if len(v)]
    if not ids:
        return {}
    mats = [sentence_vectors[i] for i in ids]
    sims = np.vstack(mats).astype(np.float32) @ np.asarray(query, dtype=np.float32)
    starts = np.cumsum([0] + [len(m) for m in mats[:-1]])
    return dict(zip(ids, np.maximum.reduceat(sims, starts).tolist()))


def mix(passage_scores: Mapping[int, float], sentence_scores: Mapping[int, float], weight: float) -> dict[int, float]:
    """(1 - weight) x passage cosine + weight x best-sentence cosine; a passage without sentence
    vectors keeps its passage cosine."""
    return {i: (1.0 - weight) * s + weight * sentence_scores[i] if i in sentence_scores else s
            for i, s in passage_scores.items()}
