"""Scoring retrieval against a question file (the rule of shared/eval/README.md).

A returned passage hits a gold quote when both share a contiguous run of word tokens
(lower-cased, markup such as `**` and `<b>` removed) at least as long as 60% of the quote,
with a minimum of 8 tokens, and never more than 12 needed for quotes longer than 20 tokens.
Per answerable question, the rank of the first hit in the top 10 gives hit@1, hit@5 and
MRR@10; cross-document coverage@10 is the share of a multi-document question's documents
with a hit in the top 10; paragraph accuracy is the share of hits on quotes with a printed
paragraph number whose passage carries that number (one judgement per hit: a passage hitting
several quotes is right when it carries the paragraph of any of them); page accuracy the same
for PDF pages.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import KBError
from kb.types import Hit

_MARKUP = re.compile(r"<[^>]{0,40}>|\*\*|__")
_WORD = re.compile(r"\w+", re.UNICODE)


def eval_tokens(text: str) -> list[str]:
    """Word tokens as the scoring rule sees them."""
    return _WORD.findall(_MARKUP.sub(" ", text).lower())


def needed_run(n: int) -> int:
    """Tokens a shared run must have for a quote of n tokens."""
    need = max(8, math.ceil(0.6 * n))
    if n > 20:
        need = min(need, 12)
    return min(need, n)


def _grams(toks: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def hits_quote(passage_text: str, quote: str) -> bool:
    """Whether a passage hits a gold quote under the token-run rule."""
    q = eval_tokens(quote)
    if not q:
        return False
    n = needed_run(len(q))
    p = eval_tokens(passage_text)
    if len(p) < n:
        return False
    return not _grams(q, n).isdisjoint(_grams(p, n))


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    qtype: str
    evidence: tuple[dict, ...]


def read_questions(path: Path) -> list[Question]:
    """Questions of an eval JSONL file; KBError naming the file and line on bad input."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KBError(f"cannot read question file {str(path)!r} ({exc.strerror}); check the path") from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(Question(str(obj["id"]), str(obj["question"]), str(obj.get("type", "")),
                                tuple(obj.get("evidence") or ())))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise KBError(f"{path}:{n}: not a question line ({type(exc).__name__}: {exc}); each line needs "
                          "a JSON object with id, question and evidence") from None
    return out


@dataclass
class QuestionScore:
    qid: str
    qtype: str
    answerable: bool
    first_hit: int | None  # 1-based rank of the first hit in the top 10
    docs: int  # distinct gold documents
    docs_found: int
    para_checked: int = 0
    para_right: int = 0
    page_checked: int = 0
    page_right: int = 0
    wrong: list[str] = field(default_factory=list)


def score_question(q: Question, hits: Sequence[Hit], depth: int = 10) -> QuestionScore:
    """Score one question's ranked hits (only the first `depth` count)."""
    hits = list(hits)[:depth]
    gold_docs = {e.get("doc") for e in q.evidence}
    s = QuestionScore(q.qid, q.qtype, bool(q.evidence), None, len(gold_docs), 0)
    found_docs: set = set()
    for rank, h in enumerate(hits, start=1):
        matched = [e for e in q.evidence if hits_quote(h.passage.text, e.get("quote", ""))]
        if not matched:
            continue
        if s.first_hit is None:
            s.first_hit = rank
        found_docs.update(e.get("doc") for e in matched)
        # One judgement per hit: a passage that hits several gold quotes (a summary box
        # repeating a numbered paragraph) is right when it carries the paragraph of any of them,
        # or none where one of them has none.
        if any(e.get("para") not in (None, "") for e in matched):
            s.para_checked += 1
            gold_paras = {str(e["para"]) if e.get("para") not in (None, "") else None for e in matched}
            s.para_right += int((str(h.passage.para) if h.passage.para else None) in gold_paras)
        pages = {e["page"] for e in matched if isinstance(e.get("page"), int)}
        if pages:
            s.page_checked += 1
            s.page_right += int(h.passage.page_start in pages)
    s.docs_found = len(found_docs)
    return s


def summarise(scores: Sequence[QuestionScore]) -> dict[str, Any]:
    """The metrics over a question set."""
    ans = [s for s in scores if s.answerable]
    multi = [s for s in ans if s.docs > 1]
    n = len(ans) or 1

    def share(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "questions": len(scores),
        "answerable": len(ans),
        "hit@1": round(sum(1 for s in ans if s.first_hit == 1) / n, 4),
        "hit@5": round(sum(1 for s in ans if s.first_hit and s.first_hit <= 5) / n, 4),
        "hit@10": round(sum(1 for s in ans if s.first_hit) / n, 4),
        "mrr@10": round(sum(1 / s.first_hit for s in ans if s.first_hit) / n, 4),
        "coverage@10": round(sum(s.docs_found / s.docs for s in multi) / len(multi), 4) if multi else None,
        "cross_doc_questions": len(multi),
        "para_accuracy": share(sum(s.para_right for s in ans), sum(s.para_checked for s in ans)),
        "page_accuracy": share(sum(s.page_right for s in ans), sum(s.page_checked for s in ans)),
    }


def evaluate(questions: Sequence[Question], search: Callable[[list[str]], list[list[Hit]]],
             depth: int = 10) -> tuple[dict[str, Any], list[QuestionScore]]:
    """Run `search` (a batch search function) on the questions and score the results."""
    results = search([q.question for q in questions])
    scores = [score_question(q, hits, depth) for q, hits in zip(questions, results)]
    return summarise(scores), scores


def format_table(summary: dict[str, Any]) -> str:
    """A small two-column table for the terminal."""
    rows = [(k, "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))) for k, v in summary.items()]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v:>7}" for k, v in rows)
