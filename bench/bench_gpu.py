"""Ingest throughput split into extraction, tokenisation and model time (GPU fp16, or CPU).

    python bench/bench_gpu.py                       # all 92 UN PDFs; GPU when present
    python bench/bench_gpu.py --limit 10 --device cpu --backend onnx-int8

Stages, each timed on its own over ../shared/external/un-documents-2025/pdfs:
  extraction    files -> passages with kb's ingest (ingest.parse.parse_file: read, structure,
                chunk), in --workers processes;
  tokenisation  passages -> word-piece ids (the model's fast tokenizer, 256 tokens max);
  model         ids -> unit vectors: the transformer (fp16 on a GPU, batches of --batch sorted by
                length), mean pooling, normalisation, copy to host; median of --repeats;
  product path  the passage vectors alone (`load_embedder(...).encode`), and the whole embedding
                as ingest runs it with sentence vectors (`kb.spans.embed_passages`: sentence
                splitting, the forward pass with token outputs, span pooling), plus the
                sentence splitting alone (single-threaded, in the main process).
Passages/s for each, and the end-to-end rate. The acceptance target is >= 20,000 passages/s
for the embedding stage on an H100-class GPU.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from pathlib import Path

import numpy as np
from common import machine, shared, table

from kb.config import Settings

_COUNTER = None


def _count_tokens(text: str) -> int:
    return len(_COUNTER.encode(text, add_special_tokens=False).ids)


def _init_worker(tok_file: str) -> None:
    global _COUNTER
    from tokenizers import Tokenizer

    _COUNTER = Tokenizer.from_file(tok_file)
    _COUNTER.no_truncation()
    _COUNTER.no_padding()


def _extract(path: str) -> list[str] | str:
    from ingest.parse import parse_file
    from kb.errors import IngestError

    try:
        return [p.text for p in parse_file(Path(path), Path(path).name, None, _count_tokens, 256).passages]
    except IngestError as exc:
        return str(exc)


def extract(files: list[Path], tok_file: str, workers: int) -> tuple[list[str], int, float]:
    """(passage texts, files skipped, seconds)."""
    t0 = time.perf_counter()
    if workers <= 1:
        _init_worker(tok_file)
        results = [_extract(str(f)) for f in files]
    else:
        ctx = mp.get_context("fork")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(tok_file,)) as pool:
            results = pool.map(_extract, [str(f) for f in files], chunksize=1)
    texts = [t for r in results if isinstance(r, list) for t in r]
    return texts, sum(1 for r in results if isinstance(r, str)), time.perf_counter() - t0


def tokenize(tok_file: str, texts: list[str]) -> tuple[list[list[int]], float]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tok_file)
    tok.no_padding()
    tok.enable_truncation(256)
    t0 = time.perf_counter()
    ids = [e.ids for e in tok.encode_batch(texts)]
    return ids, time.perf_counter() - t0


def torch_model_seconds(model_path: str, seqs: list[list[int]], device: str, batch: int, precision: str) -> float:
    """One pass of the transformer over all sequences, length-sorted batches, fp16 on a GPU,
    bf16 autocast on a CPU when kb embeds in bf16 there (KB_PRECISION)."""
    import contextlib

    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path).to(device).eval()
    if device == "cuda":
        model = model.half()
    order = np.argsort([-len(s) for s in seqs], kind="stable")
    out = np.zeros((len(seqs), model.config.hidden_size), dtype=np.float32)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    t0 = time.perf_counter()
    cast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
    with torch.inference_mode(), cast:
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            width = max(len(seqs[j]) for j in idx)
            ids = torch.zeros((len(idx), width), dtype=torch.long)
            for r, j in enumerate(idx):
                ids[r, :len(seqs[j])] = torch.tensor(seqs[j])
            mask = (ids != 0).long()
            ids, mask = ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1)
            out[idx] = torch.nn.functional.normalize(pooled.float(), dim=1).cpu().numpy()
    sync()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="first N PDFs only (0 = all)")
    ap.add_argument("--device", default="auto", help="auto (cuda when present), cuda or cpu")
    ap.add_argument("--backend", default="torch", help="torch, or onnx-int8 (CPU) for the model stage")
    ap.add_argument("--batch", type=int, default=0, help="passages per batch (default 512 on GPU, 32 on CPU)")
    ap.add_argument("--workers", type=int, default=0, help="extraction processes (default: CPU count)")
    ap.add_argument("--repeats", type=int, default=3, help="model-stage repeats (median)")
    args = ap.parse_args()
    from kb.embed import load_embedder, pick_device, resolve_model_path
    from kb.spans import embed_passages, sentence_spans

    device = pick_device(args.device)
    batch = args.batch or (512 if device == "cuda" else Settings.load().batch_size)
    workers = args.workers or os.cpu_count() or 1
    model_path = resolve_model_path("all-MiniLM-L6-v2")
    tok_file = str(Path(model_path) / "tokenizer.json")
    files = sorted(shared("external", "un-documents-2025", "pdfs").glob("*.pdf"))
    files = files[: args.limit] if args.limit else files

    texts, skipped, t_extract = extract(files, tok_file, workers)
    seqs, t_tok = tokenize(tok_file, texts)
    if args.backend == "onnx-int8":
        emb = load_embedder(backend="onnx-int8")
        emb.embed_ids(seqs[:64])  # warm-up
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            emb.embed_ids(seqs, batch_size=batch)
            runs.append(time.perf_counter() - t0)
    else:
        emb = load_embedder(backend="torch", device=device, precision=Settings.load().precision)
        torch_model_seconds(model_path, seqs[:batch], device, batch, emb.precision)  # warm-up (kernels, allocator)
        runs = [torch_model_seconds(model_path, seqs, device, batch, emb.precision) for _ in range(args.repeats)]
    t_model = statistics.median(runs)
    t0 = time.perf_counter()
    emb.encode(texts, batch_size=batch)
    t_product = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        sentence_spans(t)
    t_split = time.perf_counter() - t0
    t0 = time.perf_counter()
    embed_passages(emb, texts, batch_size=batch)
    t_ingest = time.perf_counter() - t0

    n = len(texts)
    rate = lambda s: f"{n / s:,.0f}" if s > 0 else "-"
    gpu = ""
    if device == "cuda":
        import torch

        gpu = f", {torch.cuda.get_device_name(0)}"
    print(f"# Ingest stages: {len(files)} UN PDFs ({skipped} skipped), {n:,} passages; "
          f"device {device}{gpu}, backend {args.backend} ({getattr(emb, 'precision', 'int8')}), batch {batch}, {workers} extraction workers ({machine()})")
    print(table(["stage", "seconds", "passages/s", "share of total"], [
        ("extraction (read + structure + chunk)", round(t_extract, 2), rate(t_extract),
         f"{t_extract / (t_extract + t_tok + t_model):.0%}"),
        ("tokenisation", round(t_tok, 3), rate(t_tok), f"{t_tok / (t_extract + t_tok + t_model):.0%}"),
        (f"model (median of {args.repeats})", round(t_model, 3), rate(t_model),
         f"{t_model / (t_extract + t_tok + t_model):.0%}"),
        ("embedding stage = tokenisation + model", round(t_tok + t_model, 3), rate(t_tok + t_model), ""),
        ("passage vectors alone (load_embedder().encode)", round(t_product, 3), rate(t_product), ""),
        ("sentence splitting alone (main process)", round(t_split, 3), rate(t_split), ""),
        ("embedding as ingest runs it (kb.spans.embed_passages)", round(t_ingest, 3), rate(t_ingest), ""),
        ("end to end (extraction + embedding)", round(t_extract + t_tok + t_model, 2),
         rate(t_extract + t_tok + t_model), ""),
    ]))
    print(f"\nReproduce: python bench/bench_gpu.py --device {args.device} --backend {args.backend}"
          + (f" --limit {args.limit}" if args.limit else ""))


if __name__ == "__main__":
    main()
