"""Scale test: a synthetic knowledge base of N passages (default 1M), no model needed.

    python bench/bench_scale.py [--n 1000000] [--queries 300] [--dir /tmp/kb-scale]

Vectors: unit vectors around 2,000 topic centres, with noise whose variance decays over the
dimensions (i^-1, as sentence embeddings' spectra do), so nearest-neighbour search is neither
trivial nor pure noise. Text: about 60 words a passage, 40% English stopwords, the rest drawn
from 50,000 pseudo-words with a Zipf-Mandelbrot law (the commonest content word sits in about
10% of passages, as "development" does in a UN corpus). A query is 3 stopwords + 4-7 content
words of one passage, its vector that passage's vector plus noise (cosine about 0.75).

Measured in one run: build time (SQLite + FTS5 insert, HNSW build, save), memory (RSS, index
bytes per passage), hybrid query latency through `KnowledgeBase.search` (dense + FTS5 + fusion
+ passage fetch; the query vector is precomputed, the encoder's time is in bench_embed.py),
recall@10 of HNSW against exact search, and the exact index as the baseline.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import machine, table

from kb.config import Settings
from kb.search.keyword import query_terms
from kb.search.knowledge_base import KnowledgeBase
from kb.store.common_terms import rare_terms
from kb.store.faiss_index import EF_CONSTRUCTION, EF_SEARCH, VectorIndex
from kb.store.fts import quote_term
from kb.store.sqlite import Store
from kb.types import Document, Filters, ParsedDocument, Passage, make_passage_id

DIM = 384
PER_DOC = 200
STOP = ["the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "as", "with", "by", "are", "be", "this", "from", "or", "at", "which", "it", "an", "was", "has", "have", "not", "their", "its", "these", "can", "more", "also", "other", "such", "between", "into", "than", "been", "within", "through", "both", "they"]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    vals = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            vals[line.split(":")[0]] = int(line.split()[1]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def make_vocab(rng: np.random.Generator, size: int = 50_000) -> list[str]:
    syll = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "ve", "do", "ga", "zu", "fe", "bi", "xo", "qu", "re", "an",
            "or", "el", "is", "un", "ex", "om"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syll, size=rng.integers(2, 5))))
    return sorted(words)


def zipf_probs(n: int, s: float = 1.0, q: float = 50.0) -> np.ndarray:
    p = 1.0 / (np.arange(1, n + 1) + q) ** s
    return p / p.sum()


class Generator:
    """Synthetic passages (text and vector) and queries, reproducible from a seed.

    A vector is 0.5 * a library-wide direction + 0.6 * one of 200 broad topics + 0.6 * one of
    20 subtopics of it + 0.8 * anisotropic noise (variance ~ i^-1 over the dimensions), then unit
    length. On 515 vectors this gives what the reference corpus's real MiniLM vectors show:
    random pairs at cosine ~0.15-0.3, a participation ratio of ~40 dimensions, and near ties at
    the top of a query's neighbour list (top-1 and top-10 cosines close together). A query is a
    new draw from a passage's subtopic, not a copy of the passage."""

    TOPICS, SUBTOPICS = 200, 20

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = np.array(make_vocab(self.rng))
        self.probs = zipf_probs(len(self.vocab))
        self.mean = self._unit(self.rng.normal(size=(1, DIM)))[0]
        self.topics = self._unit(self.rng.normal(size=(self.TOPICS, DIM)))
        self.subtopics = self._unit(self.rng.normal(size=(self.TOPICS * self.SUBTOPICS, DIM)))
        scale = np.arange(1, DIM + 1) ** -0.5
        self.scale = (scale / np.sqrt((scale ** 2).sum())).astype(np.float32)  # expected noise norm 1
        self.rotation = np.linalg.qr(self.rng.normal(size=(DIM, DIM)))[0].astype(np.float32)

    @staticmethod
    def _unit(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    def _draw(self, sub: np.ndarray) -> np.ndarray:
        noise = (self.rng.standard_normal((len(sub), DIM), dtype=np.float32) * self.scale) @ self.rotation
        topic = sub // self.SUBTOPICS
        return self._unit(0.5 * self.mean + 0.6 * self.topics[topic] + 0.6 * self.subtopics[sub] + 0.8 * noise)

    def vectors(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, subtopic of each)."""
        sub = self.rng.integers(0, len(self.subtopics), n)
        return self._draw(sub), sub

    def texts(self, n: int) -> list[str]:
        out = []
        lengths = self.rng.integers(30, 90, n)
        words = self.vocab[self.rng.choice(len(self.vocab), size=int(lengths.sum()), p=self.probs)]
        stops = np.array(STOP)[self.rng.integers(0, len(STOP), int(lengths.sum()))]
        is_stop = self.rng.random(int(lengths.sum())) < 0.4
        toks = np.where(is_stop, stops, words)
        at = 0
        for ln in lengths:
            out.append(" ".join(toks[at:at + ln]))
            at += ln
        return out

    def query(self, text: str, sub: int) -> tuple[str, np.ndarray]:
        """Some content words of a passage, and a new vector from the passage's subtopic."""
        content = [w for w in text.split() if w not in STOP]
        k = int(self.rng.integers(4, 8))
        picked = list(self.rng.choice(content, size=min(k, len(content)), replace=False))
        return " ".join(["what", "the", "of", *picked]), self._draw(np.array([sub]))[0]


class FixedEmbedder:
    """Returns the precomputed vector of each generated query (the store's model name)."""

    def __init__(self, name: str, table_: dict[str, np.ndarray]) -> None:
        self.name, self.dim, self.max_tokens, self._t = name, DIM, 256, table_

    def encode(self, texts, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return np.vstack([self._t[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def build(path: Path, n: int, gen: Generator) -> tuple[Store, dict[str, float], list[tuple[str, int]]]:
    """Create the store with N passages; returns timings and a sample of (text, subtopic) for queries."""
    shutil.rmtree(path, ignore_errors=True)
    store = Store.create(path, "synthetic-384", DIM, index_threshold=min(200_000, n // 2))
    t0 = time.perf_counter()
    sample: list[tuple[str, np.ndarray]] = []
    docs = (n + PER_DOC - 1) // PER_DOC
    for d0 in range(0, docs, 50):
        with store.transaction():
            for d in range(d0, min(docs, d0 + 50)):
                m = min(PER_DOC, n - d * PER_DOC)
                texts, (vecs, subs) = gen.texts(m), gen.vectors(m)
                doc_id = f"{d:016x}"
                doc = Document(doc_id=doc_id, file=f"doc{d:05d}.txt", sha256=doc_id * 4, title=f"Synthetic paper {d}",
                               publisher=("UNCTAD", "OECD", "UNIDO", "ILO")[d % 4], year=1990 + d % 35)
                ps = tuple(Passage(passage_id=make_passage_id(doc_id, i, t), doc_id=doc_id, seq=i, text=t,
                                   para=str(i + 1)) for i, t in enumerate(texts))
                store.add_document(ParsedDocument(doc, ps), vecs, [(doc.file, 1, 0.0)])
                sample.append((texts[7], int(subs[7])))
    t_sql = time.perf_counter() - t0
    store.save()
    t0 = time.perf_counter()
    _ = store.index  # rebuilt from SQLite (HNSW past the threshold) and saved
    t_index = time.perf_counter() - t0
    return store, {"sqlite+fts5": t_sql, "vector index (build+save)": t_index}, sample


def exact_baseline(store: Store) -> VectorIndex:
    flat = VectorIndex(DIM, approximate=False)
    cur = store.conn.execute("SELECT rowid, vec FROM vectors ORDER BY rowid")
    while rows := cur.fetchmany(100_000):
        flat.add(np.array([r[0] for r in rows], dtype=np.int64),
                 np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), DIM))
    return flat


def pct(times: list[float], p: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def timed_ms(fn, items) -> list[float]:
    out = []
    for x in items:
        t0 = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="passages (default 1,000,000)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--dir", default="/tmp/kb-scale", help="where the synthetic store is built (deleted first)")
    ap.add_argument("--keep", action="store_true", help="keep the store directory afterwards")
    ap.add_argument("--query-only", action="store_true", help=argparse.SUPPRESS)  # the measuring child process
    args = ap.parse_args()
    path = Path(args.dir)
    if args.query_only:
        measure_queries(path, args.n)
        return
    gen = Generator(seed=0)
    t_all = time.perf_counter()
    store, build_t, sample = build(path, args.n, gen)
    build_total = time.perf_counter() - t_all
    peak_build = rss_mb()[1]
    store.close()
    rng = np.random.default_rng(1)
    picks = rng.choice(len(sample), size=args.queries, replace=len(sample) < args.queries)
    queries = [gen.query(*sample[i]) for i in picks]
    (path / "bench_queries.json").write_text(json.dumps([q for q, _ in queries]))
    np.save(path / "bench_queries.npy", np.vstack([v for _, v in queries]), allow_pickle=False)
    print(f"# Scale test: {args.n:,} synthetic passages ({machine()}; load average at the start "
          f"{os.getloadavg()[0]:.1f})")
    print(table(["build step", "seconds"], [*[(k, round(v, 1)) for k, v in build_t.items()],
                                            ("total", round(build_total, 1)),
                                            ("peak RSS during build (MiB)", round(peak_build))]))
    print(flush=True)
    # a fresh process opens the store, as a user's would, so its memory is the query-time memory
    subprocess.run([sys.executable, __file__, "--query-only", "--dir", str(path), "--n", str(args.n)], check=True)
    print(f"\nReproduce: python bench/bench_scale.py --n {args.n} --queries {args.queries}")
    if not args.keep:
        shutil.rmtree(path, ignore_errors=True)


def measure_queries(path: Path, n: int) -> None:
    rss0 = rss_mb()[0]
    texts = json.loads((path / "bench_queries.json").read_text())
    vecs = np.load(path / "bench_queries.npy", allow_pickle=False)
    qtable = dict(zip(texts, vecs))
    t0 = time.perf_counter()
    store = Store.open(path)
    kbase = KnowledgeBase(store, Settings.load(), embedder=FixedEmbedder("synthetic-384", qtable))
    index = store.index
    t_open = time.perf_counter() - t0
    rss_open = rss_mb()[0]
    for q in texts[:5]:
        kbase.search(q)
    hybrid = timed_ms(kbase.search, texts)
    dense = timed_ms(lambda q: index.search(qtable[q], 100), texts)
    keyword = timed_ms(lambda q: kbase._keyword(q, 100, None), texts)

    # the keyword side with common terms left out (kb.store.common_terms), as a KnowledgeBase would run it
    total = int(store.manifest["passages"])

    def pruned_keyword(query: str, n: int = 100, allowed: np.ndarray | None = None) -> dict[int, float]:
        kept = rare_terms(store.conn, query_terms(query), total)
        return dict(store.keyword_search(" OR ".join(quote_term(t) for t in kept), n, allowed))

    pruned_kb = copy.copy(kbase)
    pruned_kb._keyword = pruned_keyword
    keyword_p = timed_ms(pruned_keyword, texts)
    hybrid_p = timed_ms(pruned_kb.search, texts)
    kw_overlap = statistics.mean(
        len(set(kbase._keyword(q, 10, None)) & set(pruned_keyword(q, 10))) / 10 for q in texts[:100])
    hit_overlap = statistics.mean(
        len({h.passage.passage_id for h in kbase.search(q)} & {h.passage.passage_id for h in pruned_kb.search(q)}) / 10
        for q in texts[:100])

    exact = exact_baseline(store)
    exact_ms = timed_ms(lambda q: exact.search(qtable[q], 100), texts)
    recall = statistics.mean(
        len(set(index.search(v, 10)[0].tolist()) & set(exact.search(v, 10)[0].tolist())) / 10 for v in vecs)
    quarter = store.allowed_rowids(Filters(publishers=("OECD",)))
    one_doc = store.allowed_rowids(Filters(docs=("doc00004.txt",)))
    f_recall = statistics.mean(
        len(set(index.search(v, 10, quarter)[0].tolist()) & set(exact.search(v, 10, quarter)[0].tolist())) / 10
        for v in vecs[:100])
    f_ms = timed_ms(lambda q: index.search(qtable[q], 100, quarter), texts[:100])
    d_ms = timed_ms(lambda q: index.search(qtable[q], 100, one_doc), texts[:100])

    ef_rows = []
    for ef in (64, 128, 256):
        index.ef_search = ef
        ms = timed_ms(lambda v: index.search(v, 10), vecs)
        r = statistics.mean(len(set(index.search(v, 10)[0].tolist()) & set(exact.search(v, 10)[0].tolist())) / 10
                            for v in vecs)
        ef_rows.append((ef, round(r, 4), pct(ms, .5), pct(ms, .95)))
    index.ef_search = EF_SEARCH

    t0 = time.perf_counter()  # an incremental change at this size: delete one document, save
    with store.transaction():
        store.remove_document(f"{3:016x}")
    store.save()
    t_delete = time.perf_counter() - t0
    index_file = json.loads((path / "vectors.json").read_text()).get("file", "vectors.faiss")
    index_bytes = sum(f.stat().st_size for f in path.glob(index_file + "*"))
    print(table(["query path (ms)", "p50", "p95", "p50 vs exact dense"], [
        ("hybrid: KnowledgeBase.search (dense+FTS5+fusion+fetch)", pct(hybrid, .5), pct(hybrid, .95),
         f"{pct(hybrid, .5) / pct(exact_ms, .5):.2f}x"),
        ("dense only, HNSW top 100", pct(dense, .5), pct(dense, .95), f"{pct(dense, .5) / pct(exact_ms, .5):.3f}x"),
        ("dense only, exact top 100 (baseline)", pct(exact_ms, .5), pct(exact_ms, .95), "1.00x"),
        ("keyword only, FTS5 top 100", pct(keyword, .5), pct(keyword, .95), ""),
        ("hybrid, common terms left out (kb.store.common_terms)", pct(hybrid_p, .5), pct(hybrid_p, .95),
         f"{pct(hybrid_p, .5) / pct(exact_ms, .5):.2f}x"),
        ("keyword only, common terms left out", pct(keyword_p, .5), pct(keyword_p, .95), ""),
        (f"dense HNSW, filter 25% of passages ({len(quarter):,})", pct(f_ms, .5), pct(f_ms, .95), ""),
        (f"dense HNSW, filter one document ({len(one_doc)})", pct(d_ms, .5), pct(d_ms, .95), ""),
    ]))
    print()
    print(table(["HNSW efSearch", "recall@10 vs exact", "top-10 p50 ms", "p95 ms"], ef_rows))
    print()
    print(table(["measure", "value"], [
        ("queries", len(texts)),
        ("load average after the queries (2 cores)", round(os.getloadavg()[0], 1)),
        ("index", f"HNSW M={index.hnsw_m} efConstruction={EF_CONSTRUCTION} efSearch={EF_SEARCH}"
                  if index.approximate else "exact"),
        ("recall@10 HNSW vs exact", round(recall, 4)),
        ("recall@10 HNSW vs exact, 25% filter", round(f_recall, 4)),
        ("keyword top-10 overlap, common terms left out vs all terms", round(kw_overlap, 3)),
        ("hybrid top-10 overlap, common terms left out vs all terms", round(hit_overlap, 3)),
        ("open store + load index (s)", round(t_open, 2)),
        ("RSS after open + load (MiB)", round(rss_open)),
        ("RSS growth from open + load, bytes per passage", round((rss_open - rss0) * 2**20 / n)),
        ("index files (FAISS + labels), bytes per passage", round(index_bytes / n)),
        ("store directory on disk (GiB)", round(sum(f.stat().st_size for f in path.iterdir()) / 2**30, 2)),
        ("delete one document + save (s)", round(t_delete, 2)),
    ]))
    store.close()


if __name__ == "__main__":
    main()
