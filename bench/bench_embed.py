"""Embedding variants: torch fp32 (sentence-transformers), torch bf16 autocast and onnx-int8, in one run.

    python bench/bench_embed.py [--limit 300] [--repeats 3] [--no-ingest]

1. passages/s on real passages (the reference corpus split on blank lines), median of repeats,
   with onnx-int8's time split into tokenisation and model;
2. process start-up: a fresh `python` that loads the backend and encodes one query (median of 3);
3. ranking effect against torch fp32: dense top-10 of every dev question over the same passages
   (overlap of the two top-10 sets; questions encoded in fp32 except for int8, whose store
   takes int8 questions) and the cosine of each passage's two vectors;
4. unless --no-ingest: `kb ingest ../shared/corpus` per variant (fresh process, files to a
   searchable store) and `kb eval ../shared/eval/dev.jsonl`, giving ingest seconds and dev-set
   hit@5 / MRR@10, and the plain LangChain pipeline's ingest of the same files
   (bench_langchain.py's) as the baseline for ingest time.

The bf16 row is skipped on a CPU without native bf16 (kb.embed.native_bf16).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, machine, shared, table

from kb.config import Settings

VARIANTS = {"torch fp32": ("torch", "fp32"), "torch bf16": ("torch", "bf16"), "onnx-int8": ("onnx-int8", "fp32")}
BASE = "torch fp32"
BATCH = Settings().batch_size  # kb's default batch on a CPU (KB_BATCH_SIZE)


def corpus_passages(limit: int | None) -> list[str]:
    out = []
    for f in sorted(shared("corpus").glob("*.txt")):
        out += [" ".join(b.split()) for b in f.read_text(encoding="utf-8").split("\n\n") if len(b.strip()) > 40]
    if limit and limit < len(out):
        idx = np.random.default_rng(0).choice(len(out), size=limit, replace=False)
        out = [out[i] for i in sorted(idx)]
    return out


def dev_questions() -> list[str]:
    return [json.loads(line)["question"] for line in shared("eval", "dev.jsonl").open() if line.strip()]


def startup_seconds(backend: str, precision: str, runs: int = 3) -> float:
    code = (f"from kb.embed.load import load_embedder; "
            f"load_embedder(backend={backend!r}, precision={precision!r}).encode(['what is a cluster?'])")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def throughput(emb, texts: list[str], repeats: int) -> tuple[float, np.ndarray]:
    """Median passages/s and the vectors."""
    emb.encode(texts[:16])  # warm-up
    rates, vecs = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        vecs = emb.encode(texts, batch_size=BATCH)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return statistics.median(rates), vecs


def onnx_split(emb, texts: list[str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    seqs = emb.tokenize(texts)
    t1 = time.perf_counter()
    emb.embed_ids(seqs, batch_size=BATCH)
    return t1 - t0, time.perf_counter() - t1


def top10_overlap(p_a: np.ndarray, q_a: np.ndarray, p_b: np.ndarray, q_b: np.ndarray) -> float:
    top_a = np.argsort(-(q_a @ p_a.T), axis=1)[:, :10]
    top_b = np.argsort(-(q_b @ p_b.T), axis=1)[:, :10]
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top_a, top_b)]))


def ingest_and_eval(backend: str, precision: str, workdir: Path) -> dict:
    kb_dir = workdir / f"{backend}-{precision}"
    shutil.rmtree(kb_dir, ignore_errors=True)
    cmd = [sys.executable, "-m", "kb", "--kb", str(kb_dir), "ingest", str(shared("corpus")), "--backend", backend,
           "--json", "--no-progress"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "KB_PRECISION": precision})
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    out = subprocess.run([sys.executable, "-m", "kb", "--kb", str(kb_dir), "eval", str(shared("eval", "dev.jsonl")),
                          "--json"], check=False, cwd=ROOT, capture_output=True, text=True)
    metrics = json.loads(out.stdout)["metrics"] if out.returncode == 0 else {"error": out.stderr.strip()[-200:]}
    manifest = json.loads((kb_dir / "manifest.json").read_text())
    return {"seconds": seconds, "passages": manifest.get("passages"), "model": manifest.get("model"), **metrics}


def langchain_ingest() -> tuple[int, float]:
    """(chunks, seconds) of the plain LangChain pipeline over the corpus (bench_langchain.py's)."""
    from bench_langchain import langchain_pipeline

    _, chunks, seconds = langchain_pipeline(shared("corpus"))
    return chunks, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=300, help="passages for the throughput test (0 = all)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-ingest", action="store_true", help="skip kb ingest + kb eval per variant")
    args = ap.parse_args()
    from kb.embed.encoders import native_bf16
    from kb.embed.load import load_embedder

    variants = {v: bp for v, bp in VARIANTS.items() if bp[1] != "bf16" or native_bf16()}
    texts, questions = corpus_passages(args.limit or None), dev_questions()
    embs = {v: load_embedder(backend=b, precision=p) for v, (b, p) in variants.items()}  # int8 exported before timing
    rates, pvecs, qvecs = {}, {}, {}
    for v, emb in embs.items():
        rates[v], pvecs[v] = throughput(emb, texts, args.repeats)
        qvecs[v] = emb.encode(questions)
    tok_s, model_s = onnx_split(embs["onnx-int8"], texts)
    starts = {v: startup_seconds(b, p) for v, (b, p) in variants.items()}
    print(f"# Embedding variants ({machine()}, load average {os.getloadavg()[0]:.1f}); {len(texts)} corpus passages, "
          f"{len(questions)} dev questions")
    print(table(["variant", "model name", "passages/s", "vs fp32", "start-up s", "vs fp32"], [
        (v, embs[v].name, round(rates[v], 1), f"{rates[v] / rates[BASE]:.2f}x", round(starts[v], 2),
         f"{starts[v] / starts[BASE]:.2f}x") for v in variants]))
    print(f"\nonnx-int8 split: tokenisation {tok_s:.2f} s ({len(texts) / tok_s:,.0f} passages/s), "
          f"model + pooling {model_s:.2f} s ({len(texts) / model_s:.1f} passages/s)")
    print()
    rows = []
    for v in variants:
        if v == BASE:
            continue
        cos = (pvecs[BASE] * pvecs[v]).sum(axis=1)
        q = qvecs[v] if v == "onnx-int8" else qvecs[BASE]  # a torch store's questions are always fp32
        rows += [(f"{v}: dense top-10 overlap on dev questions (mean)", round(top10_overlap(pvecs[BASE], qvecs[BASE],
                                                                                          pvecs[v], q), 3)),
                 (f"{v}: passage vector cosine, median", f"{float(np.median(cos)):.5f}"),
                 (f"{v}: passage vector cosine, min", f"{float(cos.min()):.5f}")]
    print(table(["ranking effect (against torch fp32)", "value"], rows))
    if not args.no_ingest:
        work = Path(tempfile.mkdtemp(prefix="kb-bench-embed-"))
        runs = {v: ingest_and_eval(b, p, work) for v, (b, p) in variants.items()}
        lc_chunks, lc_seconds = langchain_ingest()
        print()
        rows = []
        for v, r in runs.items():
            if "error" in r:
                rows.append((v, "error", str(r["error"]), "", "", "", ""))
                continue
            rows.append((v, round(r["seconds"], 1), f"{r['seconds'] / runs[BASE].get('seconds', r['seconds']):.2f}x",
                         r["passages"], r.get("hit@5"), r.get("mrr@10"), r.get("hit@1")))
        print(table(["kb ingest ../shared/corpus + kb eval dev", "ingest s", "vs fp32", "passages", "hit@5",
                     "MRR@10", "hit@1"], rows))
        print(f"\nPlain LangChain pipeline on the same files, same run (bench_langchain.langchain_pipeline, "
              f"model load excluded): {lc_chunks} chunks in {lc_seconds:.1f} s. kb ingest (a fresh process, "
              "model load and start-up included) as a share of it: "
              + ", ".join(f"{v} {r['seconds'] / lc_seconds:.2f}" for v, r in runs.items() if "seconds" in r))
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nReproduce: python bench/bench_embed.py --limit {args.limit} --repeats {args.repeats}"
          + (" --no-ingest" if args.no_ingest else ""))


if __name__ == "__main__":
    main()
