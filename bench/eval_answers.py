"""Measure the answer commands (issue 4 acceptance) on an eval question file.

    python bench/eval_answers.py --kb /tmp/kb-corpus [--questions ../shared/eval/dev.jsonl] [--features]

Prints one table per command:
- ask: answerable questions wrongly refused (and answered with low confidence), unanswerable ones
  flagged (low confidence or not answered), and the share of answerable questions whose cited
  passages cover a gold quote (the eval README's token-run rule);
- quote: quotes that are not verbatim in their stored passage (must be 0), references missing
  a paragraph or page the passage has, and quotes hitting the gold passage;
- check: per claim question the overall verdict and the gold document's verdict: right, unclear,
  not addressed, or on the wrong side (supports for a contradicted claim or the reverse);
- compare: per cross-document question, the gold documents with a row whose passages hit a gold quote.
`--features` also prints the evidence features per question. The last line sums up every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.answers.ask import RETRIEVE, ask
from kb.answers.check import check_claim
from kb.answers.compare import compare
from kb.answers.evidence import assess, term_weights
from kb.answers.quotes import find_quotes
from kb.config import Settings
from kb.search.evaluate import hits_quote
from kb.search.knowledge_base import KnowledgeBase
from kb.sentences import content_words, strip_framing

GOLD_VERDICT = {"supported": "supports", "contradicted": "contradicts"}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def covers(texts: list[str], evidence: list[dict], doc: str | None = None) -> bool:
    return any(hits_quote(t, e["quote"]) for t in texts for e in evidence if doc is None or e["doc"] == doc)


def doc_name(kbase: KnowledgeBase, file: str) -> str:
    return Path(file).name


def eval_ask(kbase: KnowledgeBase, questions: list[dict], features: bool, totals: dict) -> list[str]:
    out = ["## ask", "", "| id | type | outcome | confidence | cites gold |", "|---|---|---|---|---|"]
    unans_flagged = unans_refused = unans = ans_refused = ans_cautioned = ans = covered = 0
    rows_f = []
    for q in questions:
        a = ask(kbase, q["question"])
        texts = [c.passage.text for c in a.citations]
        is_unans = q["type"] == "unanswerable"
        hit = covers(texts, q["evidence"]) if not is_unans else None
        if is_unans:
            unans += 1
            unans_flagged += a.confidence_level != "high"
            unans_refused += not a.answered
        else:
            ans += 1
            ans_refused += not a.answered
            ans_cautioned += a.confidence_level == "low"
            covered += bool(hit)
        outcome = {"high": "answered", "low": "low confidence", "none": "not in the documents"}[a.confidence_level]
        out.append(f"| {q['id']} | {q['type']} | {outcome} | {a.confidence:.3f} | "
                   f"{'-' if hit is None else ('yes' if hit else 'NO')} |")
        if features:
            topic = strip_framing(q["question"])
            hits = kbase.search(topic, k=RETRIEVE)
            ev = assess(topic, hits, term_weights(kbase, content_words(topic)))
            rows_f.append(f"| {q['id']} | {q['type']} | {ev.dense:.3f} | {ev.coverage:.3f} | {ev.agreement:.2f} | "
                          f"{ev.score:.3f} | {', '.join(ev.missing[:4])} |")
    totals.update(refused=f"{ans_refused}/{ans}", cautioned=f"{ans_cautioned}/{ans}",
                  flagged=f"{unans_flagged}/{unans} ({unans_refused} refused)", cites=f"{covered}/{ans}")
    out += ["", (f"answerable wrongly refused: {ans_refused}/{ans} = {ans_refused / max(ans, 1):.1%} (need <= 5%), "
                f"answered with low confidence {ans_cautioned}/{ans}; unanswerable flagged (low confidence or not "
                f"answered): {unans_flagged}/{unans} = {unans_flagged / max(unans, 1):.1%} (need >= 80%), of them "
                f"not answered {unans_refused}; citations cover the gold quote: {covered}/{ans} = "
                f"{covered / max(ans, 1):.1%} (need >= 85%)")]
    if features:
        out += ["", "| id | type | dense | coverage | agreement | score | missing words |", "|---|---|---|---|---|---|---|",
                *rows_f]
    return out


def eval_quote(kbase: KnowledgeBase, questions: list[dict]) -> list[str]:
    out = ["## quote", "", "| id | quotes | not verbatim | missing para/page | gold hit |", "|---|---|---|---|---|"]
    total = bad = missing = hit_q = n = 0
    for q in questions:
        if q["type"] != "quote":
            continue
        n += 1
        quotes = find_quotes(kbase, q["question"])
        nv = sum(1 for x in quotes if x.quote not in kbase.store.passage(x.passage.passage_id).text)
        miss = sum(1 for x in quotes if (x.passage.para and f"para. {x.passage.para}" not in x.reference)
                   or (x.passage.page_start is not None and " p" not in x.reference))
        hit = covers([x.quote for x in quotes], q["evidence"]) or covers([x.passage.text for x in quotes], q["evidence"])
        total += len(quotes)
        bad += nv
        missing += miss
        hit_q += hit
        out.append(f"| {q['id']} | {len(quotes)} | {nv} | {miss} | {'yes' if hit else 'no'} |")
    out += ["", (f"{total} quotes over {n} questions: {bad} not verbatim (need 0), {missing} references missing a "
                f"paragraph or page the passage has; questions with a quote from the gold passage: {hit_q}/{n}")]
    return out


def eval_check(kbase: KnowledgeBase, questions: list[dict], totals: dict) -> list[str]:
    out = ["## check", "", "| id | gold | overall | gold doc verdict | deciding passage is gold | result |",
           "|---|---|---|---|---|---|"]
    counts = {"right": 0, "unclear": 0, "wrong side": 0, "not addressed": 0}
    n = 0
    for q in questions:
        if not q["type"].startswith("claim"):
            continue
        n += 1
        v = check_claim(kbase, q["question"])
        gold = GOLD_VERDICT.get(q.get("verdict") or "", "")
        gold_docs = {e["doc"] for e in q["evidence"]}
        rows = [d for d in v.documents if doc_name(kbase, d.document.file) in gold_docs]
        doc_verdict = rows[0].verdict if rows else "-"
        deciding = covers([p.text for d in rows for p in d.evidence], q["evidence"])
        if v.verdict == gold:
            result = "right"
        elif v.verdict in GOLD_VERDICT.values():
            result = "wrong side"
        else:
            result = "unclear" if v.verdict == "unclear" else "not addressed"
        counts[result] += 1
        out.append(f"| {q['id']} | {gold} | {v.verdict} | {doc_verdict} | {'yes' if deciding else 'no'} | "
                   f"{result if result != 'wrong side' else 'WRONG SIDE'} |")
    totals.update(claims=f"{counts['right']}/{n} right, {counts['unclear']} unclear, {counts['wrong side']} wrong side")
    out += ["", (f"claims right {counts['right']}/{n} (need >= 70%; unclear counts as not right), unclear "
                f"{counts['unclear']}, not addressed {counts['not addressed']}, on the wrong side "
                f"{counts['wrong side']} (need 0)")]
    return out


def eval_compare(kbase: KnowledgeBase, questions: list[dict], totals: dict) -> list[str]:
    out = ["## compare", "", "| id | gold documents | with a row | row hits gold |", "|---|---|---|---|"]
    all_docs = all_hit = 0
    for q in questions:
        if q["type"] != "cross-doc":
            continue
        c = compare(kbase, q["question"])
        rows = {doc_name(kbase, r.document.file): r for r in c.rows}
        gold_docs = sorted({e["doc"] for e in q["evidence"]})
        with_row = [d for d in gold_docs if d in rows]
        hit = [d for d in with_row if covers([p.text for p in rows[d].passages], q["evidence"], doc=d)]
        all_docs += len(gold_docs)
        all_hit += len(hit)
        out.append(f"| {q['id']} | {len(gold_docs)} | {len(with_row)} | {len(hit)} |")
    totals.update(compare=f"{all_hit}/{all_docs}")
    out += ["", (f"gold documents with a row holding a relevant passage: {all_hit}/{all_docs} = "
                 f"{all_hit / max(all_docs, 1):.1%} (need >= 90%)")]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", default="/tmp/kb-corpus", help="knowledge base built from the questions' corpus")
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--only", choices=("ask", "quote", "check", "compare"), help="run one command only")
    ap.add_argument("--features", action="store_true", help="print the evidence features per question")
    args = ap.parse_args()
    questions = load(args.questions)
    kbase = KnowledgeBase.open(args.kb, settings=Settings.load(kb_dir=args.kb))
    t0 = time.perf_counter()
    lines = [f"# answers on {args.questions.name} ({len(questions)} questions), store {args.kb}", ""]
    totals: dict[str, str] = {}
    for name, fn in (("ask", lambda: eval_ask(kbase, questions, args.features, totals)),
                     ("quote", lambda: eval_quote(kbase, questions)),
                     ("check", lambda: eval_check(kbase, questions, totals)),
                     ("compare", lambda: eval_compare(kbase, questions, totals))):
        if args.only in (None, name):
            lines += fn() + [""]
    if totals:
        lines.append("summary: " + "; ".join(f"{k} {v}" for k, v in totals.items()))
    lines.append(f"time: {time.perf_counter() - t0:.1f} s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
