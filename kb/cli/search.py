"""`kb search` (one query or a batch file) and `kb eval` (score a question file)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from kb.types import Filters, Hit, para_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="find the passages that answer a question",
                       description="Hybrid (dense + keyword) search; prints cited passages best first.")
    p.add_argument("query", nargs="?", help="the question or words to search for")
    add_query_args(p, "number of hits (default: $KB_K or 10)", 'read {"id", "question"} lines and write {"id", "hits"} lines')
    p.set_defaults(func=run_search)

    e = sub.add_parser("eval", help="score retrieval on a question file (hit@1, hit@5, MRR@10, coverage)",
                       description="Score retrieval with the rule of the eval README: token-run match of gold quotes.")
    e.add_argument("file", type=Path, metavar="FILE.jsonl", help="questions with id, question, evidence")
    e.add_argument("-k", type=int, default=10, help="hits scored per question (default 10)")
    e.add_argument("--json", action="store_true", help="print the metrics and per-question ranks as JSON")
    e.set_defaults(func=run_eval)


def add_query_args(p: argparse.ArgumentParser, k_help: str, batch_help: str) -> None:
    """The options every querying command shares: -k, --json, the filters and --batch."""
    p.add_argument("-k", type=int, default=None, help=k_help)
    p.add_argument("--json", action="store_true", help="print JSON (one line per question in --batch mode)")
    p.add_argument("--doc", action="append", default=[], metavar="FILE",
                   help="only this document (file name, symbol or id); repeat for several")
    p.add_argument("--publisher", action="append", default=[], help="only documents of this publisher")
    p.add_argument("--kind", action="append", default=[], help="only documents of this kind (e.g. 'issues paper')")
    p.add_argument("--year-min", type=int, default=None, help="only documents from this year on")
    p.add_argument("--year-max", type=int, default=None, help="only documents up to this year")
    p.add_argument("--language", action="append", default=[], metavar="CODE",
                   help="only documents in this language (ISO code: en, fr, es, ru, ar, zh; `kb docs` shows them)")
    p.add_argument("--all-versions", action="store_true",
                   help="also search documents that a later revision (/Rev.N) in the knowledge base replaces")
    p.add_argument("--batch", type=Path, metavar="FILE.jsonl", help=batch_help)


def _open(args: argparse.Namespace):
    from kb.config import Settings
    from kb.search.knowledge_base import KnowledgeBase

    settings = Settings.load(kb_dir=args.kb_dir)
    return KnowledgeBase.open(settings=settings), settings


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(docs=tuple(args.doc), publishers=tuple(args.publisher), kinds=tuple(args.kind),
                   year_min=args.year_min, year_max=args.year_max, all_versions=args.all_versions,
                   languages=tuple(args.language))


def warn_filters(kb: Any, filters: Filters) -> None:
    """A warning line per filter value that matches no document, naming the nearest ones."""
    if filters.empty:
        return
    problems = kb.store.filter_problems(filters)
    for line in problems:
        print(f"kb: warning: {line}", file=sys.stderr)
    if not problems and not kb.store.filter_documents(filters):
        print("kb: warning: no document matches all the filters together; `kb docs` lists them", file=sys.stderr)


def run_search(args: argparse.Namespace) -> int:
    from kb.cli.batch import read_batch, write_jsonl
    from kb.errors import QueryError

    if args.batch is None and args.query is None:
        raise QueryError('no query given; run `kb search "your question"` or `kb search --batch FILE.jsonl`')
    if args.batch is not None and args.query is not None:
        raise QueryError("give either a query or --batch FILE.jsonl, not both")
    batch = read_batch(args.batch) if args.batch is not None else None
    kb, settings = _open(args)
    with kb:
        k = settings.k if args.k is None else args.k  # -k 0 is refused by search, not read as the default
        filters = _filters(args)
        warn_filters(kb, filters)
        if batch is not None:
            results = kb.search_many([q for _, q in batch], k=k, filters=filters)
            write_jsonl({"id": qid, "hits": [h.to_dict() for h in hits]} for (qid, _), hits in zip(batch, results))
            return 0
        hits = kb.search(args.query, k=k, filters=filters)
        if args.json:
            write_jsonl([kb.search_record(args.query, hits)])
        else:
            print(format_hits(hits) if hits else "no passage matches; try other words or fewer filters")
    return 0


def format_hits(hits: list[Hit], width: int = 100, max_chars: int = 600) -> str:
    """Hits for the terminal: rank, score, citation line ("superseded by X/Rev.1" under it for an
    older version, from the flag search sets), wrapped text."""
    from kb.answers.cite import superseded_note

    blocks = []
    for h in hits:
        p, d = h.passage, h.document
        where = [d.symbol or d.short_title or d.title or d.file]
        if p.para:
            where.append(para_label(p.para) + (f" (part {p.part})" if p.part else ""))
        if p.page_start:
            where.append(f"p. {p.page_label or p.page_start}")
        lang = f", {d.language}" if d.language and d.language != "en" else ""  # English is the default
        head = f"[{h.rank}] {h.score:.4f}  {', '.join(where)}  ({d.file}{lang})"
        sect = f"    § {p.section_path}" if p.section else ""
        if superseded_note(d):
            sect = "\n".join(x for x in (f"    ! {superseded_note(d)}", sect) if x)
        text = p.text if len(p.text) <= max_chars else p.text[:max_chars].rsplit(" ", 1)[0] + " ..."
        body = textwrap.fill(text, width=width, initial_indent="    ", subsequent_indent="    ")
        blocks.append("\n".join(x for x in (head, sect, body, f"    id {p.passage_id}") if x))
    return "\n\n".join(blocks)


def run_eval(args: argparse.Namespace) -> int:
    from kb.search.evaluate import evaluate, format_table, read_questions

    questions = read_questions(args.file)
    kb, _ = _open(args)
    with kb:
        summary, scores = evaluate(questions, lambda qs: kb.search_many(qs, k=args.k))
    if args.json:
        print(json.dumps({"file": str(args.file), "metrics": summary,
                          "questions": [{"id": s.qid, "type": s.qtype, "first_hit": s.first_hit,
                                         "docs": s.docs, "docs_found": s.docs_found} for s in scores]}, indent=2))
    else:
        print(f"{args.file}  ({summary['answerable']} answerable of {summary['questions']} questions)")
        print(format_table(summary))
        missed = [s.qid for s in scores if s.answerable and s.first_hit is None]
        if missed:
            print("no hit in the top", args.k, ":", " ".join(missed))
    return 0
