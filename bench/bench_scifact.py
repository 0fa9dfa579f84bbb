"""SciFact (BEIR): nDCG@10 of kb's hybrid ranking, its keyword side alone and its dense side
alone, plus plain reciprocal rank fusion, in one run, scored with pytrec_eval.

    python bench/bench_scifact.py [--limit N] [--precision bf16]

Each abstract becomes one document with one passage (title in the keyword context, title +
abstract embedded, as BEIR does, with its sentence vectors). Vectors are cached in $KB_BENCH_CACHE (default
/tmp/kb-bench-cache) so a second run takes seconds.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time

import numpy as np
from common import CACHE, CachedEmbedder, machine, shared, table

from kb.config import Settings
from kb.embed.encoders import SentenceTransformerEmbedder
from kb.embed.spans import embed_passages
from kb.search.knowledge_base import KnowledgeBase
from kb.store.sqlite import Store
from kb.types import Document, ParsedDocument, Passage, make_passage_id


def load_corpus(limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in shared("external", "beir-scifact", "corpus.jsonl").open()]
    return rows[:limit] if limit else rows


def build_store(rows: list[dict], emb: SentenceTransformerEmbedder) -> Store:
    variant = "" if emb.precision == "fp32" else "+" + emb.precision
    tag = hashlib.sha256((emb.name + str(len(rows)) + "+sentences" + variant).encode()).hexdigest()[:10]
    path = CACHE / f"scifact-{tag}"
    if (path / "manifest.json").exists():
        return Store.open(path)
    vec_path = CACHE / f"scifact-{tag}.npz"
    if vec_path.exists():
        z = np.load(vec_path, allow_pickle=False)
        vecs, counts = z["vecs"], z["counts"]
        sents = np.split(z["sents"], np.cumsum(counts)[:-1])
    else:
        t0 = time.perf_counter()
        vecs, sents = embed_passages(emb, [f"{r['title']} {r['text']}".strip() for r in rows], batch_size=64,
                                     progress=True)
        print(f"encoded {len(rows)} abstracts (and their sentences) in {time.perf_counter() - t0:.0f} s")
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(vec_path, vecs=vecs, sents=np.vstack(sents), counts=np.array([len(s) for s in sents]))
    store = Store.create(path, emb.name, emb.dim)
    with store.transaction():
        for r, v, sv in zip(rows, vecs, sents):
            did = hashlib.sha256(r["_id"].encode()).hexdigest()[:16]
            doc = Document(doc_id=did, file=r["_id"], sha256=did, title=r["title"])
            p = Passage(passage_id=make_passage_id(did, 0, r["text"]), doc_id=did, seq=0, text=r["text"] or r["title"])
            store.add_document(ParsedDocument(doc, (p,)), v[None, :], [], sentence_vectors=[sv])
    store.save()
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N abstracts (smoke test)")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                    help="abstracts embedded in fp32 (the reference) or bf16 (KB_PRECISION); claims always in fp32")
    args = ap.parse_args()
    import pytrec_eval

    emb = SentenceTransformerEmbedder(precision=args.precision)
    rows = load_corpus(args.limit)
    store = build_store(rows, emb)
    ids = {d.doc_id: d.file for d in store.documents()}
    qrels: dict[str, dict[str, int]] = {}
    with shared("external", "beir-scifact", "qrels", "test.tsv").open() as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(r["query-id"], {})[r["corpus-id"]] = int(r["score"])
    queries = {q["_id"]: q["text"] for q in map(json.loads, shared("external", "beir-scifact", "queries.jsonl").open())
               if q["_id"] in qrels}
    qids = sorted(queries)
    fp32 = emb if emb.precision == "fp32" else SentenceTransformerEmbedder(precision="fp32")
    queries_emb = CachedEmbedder(fp32, CACHE / f"scifact-queries-{emb.name.replace('/', '_')}.npz")
    base = KnowledgeBase(store, Settings.load(), queries_emb).with_ranking(per_doc_cap=0)
    variants = {
        "kb hybrid (default)": base,
        "kb hybrid, no sentence vectors": base.with_ranking(sentence_weight=0.0),
        "kb hybrid, no rank bonus": base.with_ranking(rank_bonus=0.0),
        "kb hybrid, no title naming": base.with_ranking(title_naming=0.0),
        "keyword side alone (FTS5 BM25)": base.with_ranking(mode="keyword"),
        "dense side alone (MiniLM, with sentences)": base.with_ranking(mode="dense"),
        "dense side alone (MiniLM passage vectors)": base.with_ranking(mode="dense", sentence_weight=0.0),
        "plain RRF (k=60, equal weights)": base.with_ranking(fusion="rrf", rrf_k=60, dense_weight=1.0,
                                                             keyword_weight=1.0, doc_boost=0.0, sentence_weight=0.0),
    }
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    out = []
    for name, kb in variants.items():
        t0 = time.perf_counter()
        results = kb.search_many([queries[q] for q in qids], k=100)
        secs = time.perf_counter() - t0
        run = {q: {ids[h.passage.doc_id]: float(len(hits) - i) for i, h in enumerate(hits)}
               for q, hits in zip(qids, results)}
        m = evaluator.evaluate(run)
        ndcg = float(np.mean([m[q]["ndcg_cut_10"] for q in qids]))
        rec = float(np.mean([m[q]["recall_100"] for q in qids]))
        out.append((name, ndcg, rec, f"{1000 * secs / len(qids):.1f}"))
    print(f"SciFact test: {len(qids)} claims, {len(rows)} abstracts embedded in {emb.precision}; {machine()}; {time.strftime('%Y-%m-%d %H:%M')}")
    print(table(["ranking", "nDCG@10", "recall@100", "ms/query"], out))
    print("published: BM25 0.665-0.679 (BEIR, Anserini), all-MiniLM-L6-v2 0.645 (MTEB)")


if __name__ == "__main__":
    main()
