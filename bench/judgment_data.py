"""Collect what the judgments weigh, once, so fitting and held-out scoring take seconds.

    python bench/judgment_data.py --kb /tmp/kb-ref --questions ../shared/eval/dev.jsonl [--out DIR]
    python bench/judgment_data.py --scifact [--out DIR]

For a question file over its store: per question the abstain model's features (kb.answers.ask.gather)
and whether the answer kb would give cites a gold quote; per claim question each document's best
sentences (kb.answers.check.gather) with their similarity and whether they lie in a gold quote.
For SciFact: (claim, sentence, cosine, label) pairs from claims_train and claims_validation with
their gold abstracts: rationale sentences labelled SUPPORT / CONTRADICT, other sentences of the
cited abstract (two or three sampled for training claims, all for validation claims) and the claims
without evidence labelled neutral.
Writes DIR/<file stem>.json (default DIR: $KB_BENCH_CACHE/judgments).
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import random
import re
import sys
import zipfile
from pathlib import Path

from common import CACHE, ROOT, shared

from kb.answers import ask as ask_mod
from kb.answers import check as check_mod
from kb.config import Settings
from kb.search.evaluate import eval_tokens, hits_quote
from kb.search.knowledge_base import KnowledgeBase, clean_query

OUT = CACHE / "judgments"
SENTENCES = 5  # best sentences kept per document of a claim


def in_quote(sentence: str, quote: str) -> bool:
    """Whether a sentence lies in a gold quote: its first 8 tokens (or all, when shorter) appear there."""
    s, q = eval_tokens(sentence), " ".join(eval_tokens(quote))
    head = s[:8]
    return bool(head) and (" ".join(head) in q or hits_quote(sentence, quote))


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def questions_data(kbase: KnowledgeBase, questions: list[dict], source: str) -> dict:
    asks, claims = [], []
    for q in questions:
        question = clean_query(q["question"])
        g = ask_mod.gather(kbase, question)
        chosen = ask_mod.select_sentences(g.scored, max_sentences=ask_mod.ANSWER_SENTENCES)
        _, citations = ask_mod.compose(chosen, g.hits)
        cites = any(hits_quote(c.passage.text, e["quote"]) for c in citations for e in q["evidence"])
        asks.append({"id": q["id"], "type": q["type"], "file": source, "answerable": q["type"] != "unanswerable",
                     "features": list(g.features), "cites_gold": cites})
        if not q["type"].startswith("claim"):
            continue
        c = check_mod.gather(kbase, question)
        gold_docs = {e["doc"] for e in q["evidence"]}
        docs = {}
        for sents in c.per_doc.values():
            name = Path(c.hits[sents[0].hit_index].document.file).name
            docs[name] = [{"text": s.text, "similarity": s.similarity, "keyword": s.keyword, "score": s.score,
                           "gold": name in gold_docs and any(in_quote(s.text, e["quote"]) for e in q["evidence"])}
                          for s in sents[:SENTENCES]]
        claims.append({"id": q["id"], "file": source, "verdict": q["verdict"], "claim": c.text,
                       "gold_docs": sorted(gold_docs), "best_overall": c.best_overall, "docs": docs})
    return {"source": source, "asks": asks, "claims": claims}


def _sentences(abstract: str) -> list[str]:
    try:
        return [str(s) for s in ast.literal_eval(abstract.replace("'\n '", "', '").replace('"\n "', '", "')
                                                .replace("'\n \"", "', \"").replace("\"\n '", "\", '"))]
    except (ValueError, SyntaxError):
        return []


def scifact_data(seed: int = 13) -> dict:
    from kb.embed.load import load_embedder

    zpath = shared("external", "beir-scifact", "original", "scifact-hf-csv.zip")
    with zipfile.ZipFile(zpath) as z:
        def rows(name: str) -> list[dict]:
            return list(csv.DictReader(io.TextIOWrapper(z.open(name), encoding="utf-8")))
        corpus = {r["doc_id"]: _sentences(r["abstract"]) for r in rows("corpus_train.csv")}
        splits = {"train": rows("claims_train.csv"), "validation": rows("claims_validation.csv")}
    rng = random.Random(seed)
    pairs = []
    for split, claims in splits.items():
        for r in claims:
            label = {"SUPPORT": "supports", "CONTRADICT": "contradicts"}.get(r["evidence_label"], "neutral")
            doc = r["evidence_doc_id"] or (re.findall(r"\d+", r["cited_doc_ids"]) or [""])[0]
            sents = corpus.get(str(doc), [])
            if not sents:
                continue
            rationale = {int(i) for i in r["evidence_sentences"].strip("[]").split()} if label != "neutral" else set()
            for i in sorted(rationale):
                if i < len(sents):
                    pairs.append({"split": split, "claim_id": r["id"], "doc": str(doc), "claim": r["claim"],
                                  "sentence": sents[i], "label": label})
            others = [i for i in range(len(sents)) if i not in rationale]
            # validation claims keep their whole abstract (label accuracy with the gold abstract)
            keep = others if split == "validation" else rng.sample(others, min(2 if rationale else 3, len(others)))
            for i in keep:
                pairs.append({"split": split, "claim_id": r["id"], "doc": str(doc), "claim": r["claim"],
                              "sentence": sents[i], "label": "neutral"})
    emb = load_embedder()
    texts = sorted({p["claim"] for p in pairs} | {p["sentence"] for p in pairs})
    vecs = emb.encode(texts, batch_size=64)
    index = {t: i for i, t in enumerate(texts)}
    for p in pairs:
        p["similarity"] = float(vecs[index[p["claim"]]] @ vecs[index[p["sentence"]]])
    return {"source": "scifact", "pairs": pairs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", help="knowledge base built from the questions' corpus")
    ap.add_argument("--questions", type=Path)
    ap.add_argument("--scifact", action="store_true", help="collect the SciFact pairs instead")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.scifact:
        data, stem = scifact_data(), "scifact"
    elif args.kb and args.questions:
        kbase = KnowledgeBase.open(args.kb, settings=Settings.load(kb_dir=args.kb))
        data, stem = questions_data(kbase, load(args.questions), args.questions.stem), args.questions.stem
    else:
        ap.error("give --kb and --questions, or --scifact")
    target = args.out / f"{stem}.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
