"""Ingest throughput split into extraction, tokenisation and model time (GPU fp16, or CPU).

    python bench/bench_gpu.py                       # all 92 UN PDFs; GPU when present
    python bench/bench_gpu.py --limit 10 --device cpu --backend onnx-int8

Stages, each timed on its own over ../shared/external/un-documents-2025/pdfs:
  extraction    files -> passages and their sentence spans, as ingest's reader processes do it
                (ingest.parse.parse_file: read, structure, chunk; kb.embed.spans.sentence_spans), in
                --workers processes;
  bare stages   tokenisation alone (one `encode_batch` call over all passages, 256 tokens max)
                and the bare transformer (transformers' AutoModel, fp16 on a GPU, batches of
                --batch sorted by length, mean pooling, normalisation, copy to host);
  product path  what kb runs (kb.embed.pipeline: tokenising in threads ahead of the model, results kept
                on the device until the end): the passage vectors (`load_embedder(...).encode`)
                and the embedding stage as ingest runs it with sentence vectors
                (`kb.embed.spans.embed_passages` with the readers' spans: forward pass with token
                outputs, span pooling on the device). Each the median of --repeats after a warm-up.
Passages/s for each, and the end-to-end rate (extraction + the ingest embedding). The acceptance
target is >= 20,000 passages/s for the embedding stage on an H100-class GPU. --reference compares
this run's vectors with another run's (e.g. the GPU's fp16 against CPU fp32).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import statistics
import time
from pathlib import Path

import numpy as np
from common import machine, shared, table

from kb.config import Settings

_EMB = None  # the loaded embedder, inherited by the forked readers as in `kb ingest`


def _extract(path: str) -> list[tuple[str, list, object]] | str:
    """One file as ingest's reader does it (ingest.pipeline._parse_task): passages, their sentence
    spans, and their tokens from the embedder's own tokenizer where it makes them ahead."""
    from ingest.pipeline import _parse_task
    from kb.errors import IngestError

    fn = getattr(_EMB, "tokenize_passages", None)
    try:
        parsed = _parse_task(Path(path), Path(path).name, None, count_tokens=_EMB.count_tokens, max_tokens=256,
                             sentences=True, tokenize=fn)
    except IngestError as exc:
        return str(exc)
    tokens = parsed.tokens or [None] * len(parsed.passages)
    return [(p.text, list(sp), tok) for p, sp, tok in zip(parsed.passages, parsed.sentence_spans, tokens)]


def extract(files: list[Path], workers: int) -> tuple[list[tuple[str, list, object, int]], int, float]:
    """((passage text, sentence spans, tokens, file number) per passage, files skipped, seconds), as
    ingest's readers do it."""
    t0 = time.perf_counter()
    if workers <= 1:
        results = [_extract(str(f)) for f in files]
    else:
        ctx = mp.get_context("fork")
        with ctx.Pool(workers) as pool:
            results = pool.map(_extract, [str(f) for f in files], chunksize=1)
    texts = [(*t, f) for f, r in enumerate(results) if isinstance(r, list) for t in r]  # + the file's number
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
    model = model.half() if device == "cuda" else model.float()
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
    ap.add_argument("--write-reference", default="", metavar="NPZ",
                    help="save the first 512 passages and this run's product-path vectors (e.g. CPU fp32)")
    ap.add_argument("--reference", default="", metavar="NPZ",
                    help="encode the passages of a --write-reference file and report the cosine to its vectors")
    args = ap.parse_args()
    from kb.embed.encoders import pick_device
    from kb.embed.load import load_embedder
    from kb.embed.resolve import resolve_model_path
    from kb.embed.spans import embed_passages

    device = pick_device(args.device)
    workers = args.workers or os.cpu_count() or 1
    settings = Settings.load()
    model_path = resolve_model_path(settings.model)
    batch = args.batch or (512 if device == "cuda" else settings.batch_size)
    tok_file = str(Path(model_path) / "tokenizer.json")
    files = sorted(shared("external", "un-documents-2025", "pdfs").glob("*.pdf"))
    files = files[: args.limit] if args.limit else files

    global _EMB
    logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)  # as ingest: counting is not a model input
    if args.backend == "onnx-int8":
        emb = _EMB = load_embedder(settings.model, backend="onnx-int8")
    else:
        emb = _EMB = load_embedder(settings.model, backend="torch", device=device, precision=settings.precision)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # as `kb ingest` runs (it forks reader processes)
    triples, skipped, t_extract = extract(files, workers)
    texts, spans, tokens, groups = ([t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples],
                                    [t[3] for t in triples])
    tokens = tokens if all(t is not None for t in tokens) else None
    os.environ["TOKENIZERS_PARALLELISM"] = "true"  # the bare tokenisation stage: one call over every core
    seqs, t_tok = tokenize(tok_file, texts)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    if args.backend == "onnx-int8":
        emb.embed_ids(seqs[:64])  # warm-up
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            emb.embed_ids(seqs, batch_size=batch)
            runs.append(time.perf_counter() - t0)
    else:
        torch_model_seconds(model_path, seqs[:batch], device, batch, emb.precision)  # warm-up (kernels, allocator)
        runs = [torch_model_seconds(model_path, seqs, device, batch, emb.precision) for _ in range(args.repeats)]
    t_model = statistics.median(runs)

    def timed(fn):
        """(result, median seconds) of --repeats calls of a product path (its first call warms up)."""
        out, secs = fn(), []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = fn()
            secs.append(time.perf_counter() - t0)
        return out, statistics.median(secs)

    vecs, t_product = timed(lambda: emb.encode(texts, batch_size=batch))
    if args.write_reference:
        _, sents = embed_passages(emb, texts[:512], batch_size=batch, spans=spans[:512])
        np.savez_compressed(args.write_reference, texts=np.array(texts[:512]), vectors=vecs[:512],
                            sentence_counts=np.array([len(v) for v in sents]),
                            sentence_vectors=np.vstack(sents).astype(np.float32))
    _, t_main = timed(lambda: embed_passages(emb, texts, batch_size=batch, spans=spans))
    if tokens is not None:  # as ingest runs it: the readers' tokens
        _, t_ingest = timed(lambda: embed_passages(emb, texts, batch_size=batch, spans=spans, tokens=tokens,
                                                   groups=groups))
    else:
        t_ingest = t_main
    n = len(texts)
    rate = lambda s: f"{n / s:,.0f}" if s > 0 else "-"
    gpu = ""
    if device == "cuda":
        import torch

        gpu = f", {torch.cuda.get_device_name(0)}"
    print(f"# Ingest stages: {len(files)} UN PDFs ({skipped} skipped), {n:,} passages; "
          f"device {device}{gpu}, backend {args.backend} ({getattr(emb, 'precision', 'int8')}), batch {batch}, {workers} extraction workers ({machine()})")
    print(table(["stage", "seconds", "passages/s", "share of total"], [
        ("extraction (read + structure + chunk + sentence spans + tokens)", round(t_extract, 2), rate(t_extract),
         f"{t_extract / (t_extract + t_tok + t_model):.0%}"),
        ("tokenisation (bare: one encode_batch call)", round(t_tok, 3), rate(t_tok), f"{t_tok / (t_extract + t_tok + t_model):.0%}"),
        (f"model (bare AutoModel, median of {args.repeats})", round(t_model, 3), rate(t_model),
         f"{t_model / (t_extract + t_tok + t_model):.0%}"),
        ("bare tokenisation + bare model", round(t_tok + t_model, 3), rate(t_tok + t_model), ""),
        (f"passage vectors as kb embeds them (load_embedder().encode), median of {args.repeats}",
         round(t_product, 3), rate(t_product), ""),
        (f"passage + sentence vectors, tokenising here (embed_passages), median of {args.repeats}",
         round(t_main, 3), rate(t_main), ""),
        (f"embedding stage as ingest runs it (from the readers' tokens), median of {args.repeats}",
         round(t_ingest, 3), rate(t_ingest), ""),
        ("end to end as ingest (extraction + embed_passages)", round(t_extract + t_ingest, 2),
         rate(t_extract + t_ingest), ""),
    ]))
    if args.reference:
        from kb.embed.spans import sentence_spans

        ref = np.load(args.reference)
        ref_texts = [str(t) for t in ref["texts"]]
        mine, sents = embed_passages(emb, ref_texts, batch_size=batch, spans=[sentence_spans(t) for t in ref_texts])
        cos = np.sum(mine * ref["vectors"], axis=1)
        print(f"\nVectors against {args.reference}: passages ({len(cos)}) cosine min {cos.min():.5f}, "
              f"median {np.median(cos):.5f}", end="")
        if "sentence_vectors" in ref.files:
            same = [len(v) for v in sents] == ref["sentence_counts"].tolist()
            scos = np.sum(np.vstack(sents) * ref["sentence_vectors"], axis=1) if same else np.zeros(1)
            print(f"; sentences ({len(scos)}, counts {'equal' if same else 'DIFFER'}) cosine min {scos.min():.5f}, "
                  f"median {np.median(scos):.5f}")
        else:
            print()
    print(f"\nReproduce: python bench/bench_gpu.py --device {args.device} --backend {args.backend}"
          + (f" --limit {args.limit}" if args.limit else ""))


if __name__ == "__main__":
    main()
