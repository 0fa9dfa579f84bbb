"""kb against the plain LangChain pipeline on the reference corpus, in one run.

    python bench/bench_langchain.py [--corpus DIR] [--questions FILE.jsonl]

LangChain: RecursiveCharacterTextSplitter (1000 characters, 200 overlap) over the corpus's
.txt files, HuggingFaceEmbeddings on the same shipped all-MiniLM-L6-v2, LangChain FAISS in
memory, similarity_search top 10. kb: `kb ingest` of the same folder into a temporary store,
then KnowledgeBase.search. Prints ingest time and chunks/s (model load excluded for both),
warm query latency p50/p95 over the dev questions, and dev hit@1 / hit@5 / MRR@10 / coverage.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import latencies_ms, machine, shared, table

from kb.config import Settings
from kb.embed.load import load_embedder
from kb.embed.resolve import resolve_model_path
from kb.search.evaluate import evaluate, read_questions
from kb.search.knowledge_base import KnowledgeBase
from kb.types import Document, Hit, Passage


def langchain_pipeline(corpus: Path):
    """Build the plain pipeline; returns (vector store, chunks, seconds excluding model load)."""
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    emb = HuggingFaceEmbeddings(model_name=resolve_model_path("all-MiniLM-L6-v2"))
    emb.embed_query("warm up")
    t0 = time.perf_counter()
    files = sorted(p for p in corpus.glob("*.txt"))
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.create_documents([p.read_text(encoding="utf-8") for p in files],
                                     metadatas=[{"source": p.name} for p in files])
    store = FAISS.from_documents(docs, emb)
    return store, len(docs), time.perf_counter() - t0


def kb_pipeline(corpus: Path, kb_dir: Path, backend: str):
    """`kb ingest` into kb_dir; returns (KnowledgeBase, passages, seconds excluding model load, what
    the passages were embedded in: "bf16, batch 8", "int8, batch 8" ...)."""
    from ingest.pipeline import sync

    settings = Settings.load(kb_dir=str(kb_dir), backend=backend)
    emb = load_embedder(settings.model, backend=backend, device=settings.device, max_tokens=settings.max_tokens,
                        precision=settings.precision)
    emb.encode(["warm up"])
    t0 = time.perf_counter()
    report = sync(corpus, kb_dir, emb, settings, progress=False)
    secs = time.perf_counter() - t0
    if backend == "torch":  # what `kb ingest` does after syncing: questions then use the light encoder
        from kb.embed.load import prepare_light_queries

        prepare_light_queries(settings.model)
    # opened as the product opens it: the query encoder is kb's choice (load_query_embedder)
    kbase = KnowledgeBase.open(kb_dir, settings=settings)
    kbase.embedder.encode(["warm up"])
    return kbase, report.passages, secs, f"{getattr(emb, 'precision', 'int8')}, batch {settings.batch_size}"


def as_hits(lc_docs: list) -> list[Hit]:
    """LangChain Documents as kb Hits, so both are scored by the same rule."""
    out = []
    for r, d in enumerate(lc_docs, start=1):
        doc = Document(doc_id=d.metadata["source"], file=d.metadata["source"], sha256="")
        out.append(Hit(Passage(passage_id=str(r), doc_id=doc.doc_id, seq=r, text=d.page_content), doc, 0.0, r))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="folder of papers (default ../shared/corpus)")
    ap.add_argument("--questions", type=Path, default=None, help="question file (default ../shared/eval/dev.jsonl)")
    ap.add_argument("--backend", default="torch", help="kb's embedding backend: torch or onnx-int8")
    args = ap.parse_args()
    corpus = args.corpus or shared("corpus")
    qfile = args.questions or shared("eval", "dev.jsonl")
    questions = read_questions(qfile)
    texts = [q.question for q in questions]

    lc_store, lc_chunks, lc_secs = langchain_pipeline(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        kb, kb_chunks, kb_secs, kb_embedding = kb_pipeline(corpus, Path(tmp) / "kb", args.backend)
        with kb:
            kb_p50, kb_p95 = latencies_ms(lambda q: kb.search(q, k=10), texts)
            lc_p50, lc_p95 = latencies_ms(lambda q: lc_store.similarity_search(q, k=10), texts)
            kb_m, _ = evaluate(questions, lambda qs: kb.search_many(qs, k=10))
            lc_m, _ = evaluate(questions, lambda qs: [as_hits(lc_store.similarity_search(q, k=10)) for q in qs])

    print(f"kb vs plain LangChain on {corpus} ({len(questions)} questions in {qfile.name}); "
          f"{machine()}; {time.strftime('%Y-%m-%d %H:%M')}; kb backend {args.backend} (passages in {kb_embedding}), "
          f"query encoder {type(kb.embedder).__name__}")
    rows = []
    for name, chunks, secs, p50, p95, m in (("LangChain (1000/200, MiniLM, FAISS)", lc_chunks, lc_secs, lc_p50, lc_p95, lc_m),
                                            ("kb (hybrid)", kb_chunks, kb_secs, kb_p50, kb_p95, kb_m)):
        rows.append((name, chunks, f"{secs:.1f}", f"{chunks / secs:.1f}", f"{p50:.1f}", f"{p95:.1f}",
                     m["hit@1"], m["hit@5"], m["mrr@10"], m["coverage@10"]))
    print(table(["pipeline", "chunks", "ingest s", "chunks/s", "p50 ms", "p95 ms", "hit@1", "hit@5", "MRR@10",
                 "coverage@10"], rows))
    print(f"warm p50 speed-up: {lc_p50 / kb_p50:.1f}x")
    print(json.dumps({"kb": kb_m, "langchain": lc_m}))


if __name__ == "__main__":
    main()
