"""`kb ask`, `kb quote`, `kb check` and `kb compare`: cited answers, verified quotes, claim
cross-checks and document comparisons. Each takes one question or `--batch FILE.jsonl`
(lines with `id` and `question`; one JSON line out per line in, with its `id`), `--json`,
`-k` and the search filters."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.cli.search import _filters, _open, add_query_args, warn_filters
from kb.errors import QueryError


def _common(p: argparse.ArgumentParser, k_help: str) -> None:
    p.add_argument("question", nargs="?", help="the question, topic or claim")
    add_query_args(p, k_help, 'read {"id", "question"} lines and write one JSON line per question')


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("ask", help="a short answer with numbered citations",
                       description="Answer from the best sentences of the retrieved passages, each cited [n]; "
                                   "says so when the documents do not answer. Uses the chat model in KB_LLM "
                                   "when one is configured (its answer is verified against the passages).")
    _common(a, "passages the answer may cite (default 5)")
    a.add_argument("--offline", action="store_true", help="ignore KB_LLM and answer extractively")
    _export_args(a, "the answer")
    a.set_defaults(func=run_ask)

    q = sub.add_parser("quote", help="verbatim quotes with copy-ready references",
                       description="Quotes of one to three sentences, each verified to be an exact substring "
                                   "of its stored passage, with the reference to paste.")
    _common(q, "number of quotes (default 5)")
    q.add_argument("--export", choices=("md", "csv", "bib", "ris", "docx"),
                   help="write the quotes in this format (docx: a Word briefing, needs -o)")
    q.add_argument("-o", "--output", type=Path, help="file for --export (default: standard output)")
    q.set_defaults(func=run_quote)

    c = sub.add_parser("check", help="cross-check a claim against every document",
                       description="Per document: supports / contradicts / not addressed / unclear, with the "
                                   "passages that decide it, and an overall verdict.")
    _common(c, "passages retrieved to judge the claim (default 30)")
    c.add_argument("--all", action="store_true", help="also list the documents that do not address the claim")
    _export_args(c, "the cross-check")
    c.set_defaults(func=run_check)

    m = sub.add_parser("compare", help="what each document says on a topic, side by side",
                       description="One row per document with its best one or two passages, cited.")
    _common(m, "passages per document (default 2)")
    _export_args(m, "the comparison")
    m.set_defaults(func=run_compare)


def _export_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--export", choices=("md", "docx"),
                   help=f"also write {what} as Markdown or a Word document, citations numbered, sources listed")
    p.add_argument("-o", "--output", type=Path, help="file for --export (Markdown: standard output without it)")


def _take_away(args: argparse.Namespace, kind: str, results: list, title: str) -> None:
    """--export md|docx of one question's result (a briefing: kb.answers.briefing)."""
    if not getattr(args, "export", None):
        return
    if len(results) != 1:
        raise QueryError("--export writes one result; ask one question (not --batch) to export it")
    if args.export == "docx" and not args.output:
        raise QueryError("--export docx needs -o FILE.docx")
    from kb.answers.briefing import export_result

    data = results[0].to_dict()
    data = data["quotes"] if kind == "quotes" else data
    out = export_result(kind, data, title, args.export)
    if args.output:
        try:
            args.output.write_bytes(out)
        except OSError as err:
            raise QueryError(f"cannot write {args.output} ({err.strerror}); give a writable path") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(out.decode("utf-8"))


def _questions(args: argparse.Namespace) -> list[tuple[str | None, str]]:
    from kb.cli.batch import read_batch

    if args.batch is None and args.question is None:
        raise QueryError(f'no question given; run `kb {args.command} "..."` or `kb {args.command} --batch FILE.jsonl`')
    if args.batch is not None and args.question is not None:
        raise QueryError("give either a question or --batch FILE.jsonl, not both")
    if args.k is not None and args.k < 1:
        raise QueryError(f"-k {args.k} asks for nothing; use -k 1 or more")
    if args.batch is not None:
        return list(read_batch(args.batch))
    return [(None, args.question)]


def _run(args: argparse.Namespace, work: Callable[[Any, str], Any], fmt: Callable[[Any], str]) -> list:
    """Run `work(kbase, question)` for each question; print JSON lines or formatted text."""
    from kb.cli.batch import write_jsonl

    questions = _questions(args)
    kbase, _ = _open(args)
    results = []
    # Markdown exported to standard output replaces the terminal text
    quiet = getattr(args, "export", None) == "md" and not getattr(args, "output", None) and args.command != "quote"
    with kbase:
        warn_filters(kbase, _filters(args))
        for qid, question in questions:
            result = work(kbase, question)
            results.append(result)
            if args.json or args.batch is not None:
                write_jsonl([{"id": qid, **result.to_dict()}])
            elif not quiet:
                print(fmt(result))
    return results


def run_ask(args: argparse.Namespace) -> int:
    from kb.answers.ask import SOURCES, ask, format_answer
    from kb.answers.llm import load_chat_model

    filters = _filters(args)
    chat = None

    def work(kbase, question):
        nonlocal chat
        if chat is None and not args.offline:
            chat = load_chat_model(kbase.settings) or False
        return ask(kbase, question, k=args.k or SOURCES, filters=filters, llm=chat or None)

    _take_away(args, "answer", _run(args, work, format_answer), args.question or "")
    return 0


def run_quote(args: argparse.Namespace) -> int:
    from kb.answers.export import export_quotes
    from kb.answers.quotes import find_quotes, format_quotes
    from kb.types import Quote

    filters = _filters(args)

    class _Quotes(list):
        def to_dict(self) -> dict:
            return {"quotes": [q.to_dict() for q in self]}

    def work(kbase, question):
        return _Quotes(find_quotes(kbase, question, k=args.k or 5, filters=filters))

    if args.export == "docx":
        _take_away(args, "quotes", _run(args, work, format_quotes), args.question or "")
        return 0
    if args.export and not args.json and args.batch is None:
        kbase, _ = _open(args)
        with kbase:
            quotes: list[Quote] = find_quotes(kbase, _questions(args)[0][1], k=args.k or 5, filters=filters)
        text = export_quotes(quotes, args.export)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
            print(f"wrote {len(quotes)} quotes to {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    results = _run(args, work, format_quotes)
    if args.export:
        text = export_quotes([q for r in results for q in r], args.export)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            print("kb: warning: --export with --json/--batch needs -o FILE; nothing exported", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from kb.answers.check import RETRIEVE, check_claim, format_verdict

    filters = _filters(args)
    results = _run(args, lambda kbase, q: check_claim(kbase, q, filters=filters, k=args.k or RETRIEVE),
                   lambda v: format_verdict(v, show_unaddressed=args.all))
    _take_away(args, "verdict", results, f"Claim: {args.question or ''}")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from kb.answers.compare import compare, format_comparison

    filters = _filters(args)
    results = _run(args, lambda kbase, q: compare(kbase, q, per_doc=args.k or 2, filters=filters), format_comparison)
    _take_away(args, "comparison", results, args.question or "")
    return 0
