"""Passages -> vectors in batches, with tokenisation running ahead of the model.

The torch embedder's passage path (`SentenceTransformerEmbedder.encode` and `encode_with_spans`).
On a GPU the model is fast enough that tokenising, padding and copying in the main thread
between batches, then waiting for each batch's result, left the GPU idle most of the time
(sentence-transformers' `encode` ran at about 3,000 passages/s on an H200 where the bare model
ran at 20,000). Here:

- batches are formed by character length, longest first, as sentence-transformers does, so a
  batch's texts pad to similar widths;
- tokenising and padding runs in a thread pool (a thread per core but one), in pieces of 64
  texts, batches ahead of the model (on an H200 machine's 16 cores, 15 threads tokenised 3-4x
  faster than one). `TOKENIZERS_PARALLELISM` is left as it is: ingest sets it to false for its
  forked readers, and letting `tokenizers` use its own pool instead measured no faster;
- each batch goes through the model's own modules (transformer, pooling), so any
  sentence-transformers model pools as it was trained to; sentence spans are pooled on the
  model's device with one batched product; results stay on the device until the end, when they
  are copied back once.

Spans (kb.embed.spans) are character ranges; a span's vector is the mean of the token vectors whose
offsets overlap it, special and padding tokens excluded (`kb.embed.spans.overlap`, the rule the ONNX
embedder's pooling uses too).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb.embed.spans import Span, overlap, span_bounds


@dataclass
class Batch:
    """One padded batch: rows of `index` (positions in the input), ids and mask (B x T), and the
    tokens' character offsets (B x T x 2, zeros for special and padding tokens) when spans are wanted."""

    index: np.ndarray
    ids: np.ndarray
    mask: np.ndarray
    offsets: np.ndarray | None


def length_order(texts: Sequence[str], batch_size: int, groups: Sequence[Any] | None = None) -> list[np.ndarray]:
    """Batches of input positions, longest text first. With `groups` (one key per text), no batch
    mixes two groups: each group is batched on its own, groups in order of first appearance."""
    if groups is None:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    members: dict[Any, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    batches = []
    for idx in members.values():
        idx = np.asarray(idx)
        batches.extend(idx[b] for b in length_order([texts[i] for i in idx], batch_size))
    return batches


def _scatter(index: np.ndarray, lens: np.ndarray, flat_ids: np.ndarray, flat_offsets: np.ndarray | None) -> Batch:
    """A Batch from the texts' token ids (and offsets) laid end to end, `lens` tokens each."""
    width = int(lens.max()) if len(lens) else 0
    mask = np.arange(width)[None, :] < lens[:, None]
    ids = np.zeros((len(lens), width), dtype=np.int64)
    ids[mask] = flat_ids
    offsets = None
    if flat_offsets is not None:
        offsets = np.zeros((len(lens), width, 2), dtype=np.int64)
        offsets[mask] = flat_offsets.reshape(-1, 2)
    return Batch(index, ids, mask.astype(np.int64), offsets)


def pad(encodings: Sequence[Any], index: np.ndarray, with_offsets: bool) -> Batch:
    """A Batch from `tokenizers` Encodings (ids and offsets flattened in C, then scattered)."""
    lens = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    total = int(lens.sum())
    ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int64, count=total)
    offsets = (np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(e.offsets for e in encodings)),
                           dtype=np.int64, count=2 * total) if with_offsets else None)
    return _scatter(index, lens, ids, offsets)


def merge(parts: Sequence[Batch]) -> Batch:
    """One Batch from pieces padded to their own widths."""
    if len(parts) == 1:
        return parts[0]
    width = max(p.ids.shape[1] for p in parts)
    rows = sum(len(p.index) for p in parts)
    ids = np.zeros((rows, width), dtype=np.int64)
    mask = np.zeros((rows, width), dtype=np.int64)
    offsets = np.zeros((rows, width, 2), dtype=np.int64) if parts[0].offsets is not None else None
    r = 0
    for p in parts:
        n, w = p.ids.shape
        ids[r:r + n, :w], mask[r:r + n, :w] = p.ids, p.mask
        if offsets is not None:
            offsets[r:r + n, :w] = p.offsets
        r += n
    return Batch(np.concatenate([p.index for p in parts]), ids, mask, offsets)


def pad_tokens(items: Sequence[tuple[np.ndarray, np.ndarray]], index: np.ndarray, with_offsets: bool) -> Batch:
    """A Batch from (ids, offsets) arrays made ahead (`tokenize_passages`)."""
    lens = np.fromiter((len(ids) for ids, _ in items), dtype=np.int64, count=len(items))
    ids = np.concatenate([a for a, _ in items]).astype(np.int64) if len(items) else np.zeros(0, np.int64)
    offsets = np.concatenate([o for _, o in items]).astype(np.int64) if with_offsets and len(items) else None
    return _scatter(index, lens, ids, offsets)


def encode_batches(forward: Callable[[dict], dict], tokenizer: Any, texts: Sequence[str], dim: int, *,
                   spans: Sequence[Sequence[Span]] | None = None, tokens: Sequence[Any] | None = None,
                   groups: Sequence[Any] | None = None, batch_size: int = 32, device: str = "cpu",
                   type_ids: bool = False, autocast: Callable[[], Any] = contextlib.nullcontext,
                   threads: int | None = None, chunk: int = 64, progress: bool = False) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Unit passage vectors (float32, input order) and, when `spans` is given, each text's span
    vectors (one row per span that has tokens, in span order).

    `forward` is the model (sentence-transformers' module chain: features in, a dict with
    "sentence_embedding" and "token_embeddings" out); `tokenizer` a `tokenizers.Tokenizer` with
    truncation set and padding off; `tokens`, when given, each text's (ids, offsets) made ahead by
    that tokenizer (ingest makes them in its reader processes), so nothing is tokenised here;
    `groups`, when given, one key per text (ingest gives the document): batches stay within a
    group, so a text's vector does not depend on which other groups are embedded with it (in
    bf16 or fp16 a batch's padding moves vectors by up to 1e-3)."""
    import torch

    n = len(texts)
    if not n:
        return np.zeros((0, dim), dtype=np.float32), ([] if spans is not None else None)
    if groups is not None and len(groups) != n:
        raise ValueError(f"{len(groups)} group keys for {n} texts")
    if tokens is not None and len(tokens) != n:
        raise ValueError(f"{len(tokens)} token lists for {n} texts")
    batches = length_order(texts, batch_size, groups)
    with_spans = spans is not None and any(len(sp) for sp in spans)
    cuda = str(device).startswith("cuda")

    def prepare(index: np.ndarray) -> Batch:
        if tokens is not None:
            return pad_tokens([tokens[i] for i in index], index, with_spans)
        return pad(tokenizer.encode_batch([texts[i] for i in index]), index, with_spans)

    def pieces(index: np.ndarray) -> list[np.ndarray]:
        # a batch is tokenised in pieces across the threads, so the first batch is ready soon
        return [index[i:i + chunk] for i in range(0, len(index), chunk)]

    def to_device(a: np.ndarray) -> Any:
        t = torch.from_numpy(a)
        return t.pin_memory().to(device, non_blocking=True) if cuda else t

    threads = threads or max(1, min(15, (os.cpu_count() or 1) - 1))  # a core left for the model's thread
    vec_parts, span_parts = [], []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(batches), desc="embedding", unit="batch")
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending = [[pool.submit(prepare, part) for part in pieces(idx)] for idx in batches]  # in order, ahead
        for futs in pending:
            b = merge([f.result() for f in futs])
            features = {"input_ids": to_device(b.ids), "attention_mask": to_device(b.mask)}
            if type_ids:
                features["token_type_ids"] = torch.zeros_like(features["input_ids"])
            with torch.inference_mode(), autocast():
                out = forward(features)
                vec_parts.append(torch.nn.functional.normalize(out["sentence_embedding"].float(), dim=-1))
                if with_spans:
                    span_parts.append(_pool_spans(out["token_embeddings"], to_device(b.offsets),
                                                  to_device(span_bounds([spans[i] for i in b.index]))))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    order = np.concatenate(batches)
    vectors = np.zeros((n, dim), dtype=np.float32)
    vectors[order] = torch.cat(vec_parts).cpu().numpy()
    if spans is None:
        return vectors, None
    per_text = [np.zeros((0, dim), dtype=np.float32) for _ in range(n)]
    for idx, part in zip(batches, span_parts):
        pooled, counts = part[0].cpu().numpy(), part[1].cpu().numpy()
        for r, i in enumerate(idx):
            keep = counts[r] > 0
            if keep.any():
                per_text[i] = np.ascontiguousarray(pooled[r][keep], dtype=np.float32)
    return vectors, per_text


def _pool_spans(tokens: Any, offsets: Any, bounds: Any) -> tuple[Any, Any]:
    """(B x S x D unit span vectors, B x S token counts) on the tokens' device: the mean of the
    real tokens overlapping each span (`kb.embed.spans.overlap`)."""
    import torch

    member = overlap(offsets, bounds)
    counts = member.sum(dim=2)
    pooled = torch.bmm(member.float(), tokens.float()) / counts.clamp(min=1)[..., None].float()
    return torch.nn.functional.normalize(pooled, dim=-1), counts
