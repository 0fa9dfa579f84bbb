"""`kb ingest` (sync a folder into the knowledge base) and the commands that look inside it:
`kb docs`, `kb show`, `kb passages`, `kb remove`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kb.types import Document, Passage, para_label, passage_record


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="add, update and remove the papers of a folder in the knowledge base",
                       description="Sync FOLDER into the knowledge base: new files are added, changed ones "
                                   "replaced, deleted ones removed; unchanged files cost nothing.")
    p.add_argument("folder", type=Path, help="folder of PDF, text and Markdown files (catalog.csv is read if present)")
    p.add_argument("--model", default=None, help="embedding model (default: the store's model, else $KB_MODEL)")
    p.add_argument("--backend", default=None, help="embedding backend: torch or onnx-int8 (default: $KB_BACKEND)")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="seconds one file may take to read before it is skipped (default: $KB_FILE_TIMEOUT or 120)")
    p.add_argument("--no-ocr", action="store_true",
                   help="do not OCR scanned pages (default: OCR them when Tesseract is installed; $KB_OCR)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_ingest)

    d = sub.add_parser("docs", help="list the documents in the knowledge base")
    d.add_argument("--json", action="store_true", help="one JSON object per document")
    d.set_defaults(func=run_docs)

    s = sub.add_parser("show", help="show one passage with everything needed to cite it")
    s.add_argument("passage_id", help="a passage id from `kb search` or `kb passages`")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--context", type=int, default=0, metavar="N", help="also show N passages before and after")
    s.add_argument("--page-image", type=Path, default=None, metavar="FILE.png",
                   help="write the passage's PDF page(s) with the passage highlighted")
    s.add_argument("--page", type=int, default=None, metavar="N",
                   help="with --page-image: page N of the document instead (previous / next)")
    s.set_defaults(func=run_show)

    ps = sub.add_parser("passages", help="dump passages (one JSON line each with --json)")
    ps.add_argument("--doc", default=None, metavar="FILE", help="only this document (file name, symbol or id)")
    ps.add_argument("--json", action="store_true", help="one JSON object per line")
    ps.set_defaults(func=run_passages)

    r = sub.add_parser("remove", help="drop a document (and its vectors) from the knowledge base")
    r.add_argument("file", help="file name, symbol or id of the document")
    r.set_defaults(func=run_remove)


def _settings(args: argparse.Namespace, **overrides: Any):
    from kb.config import Settings

    return Settings.load(kb_dir=getattr(args, "kb_dir", None), **overrides)


def _open_store(args: argparse.Namespace):
    from kb.store.backend import open_store

    return open_store(_settings(args))


class LazyEmbedder:
    """The store's embedder, loaded only when text must be tokenised or embedded, so a sync with
    nothing to do does not pay for loading the model. `load()` checks it is the store's model."""

    def __init__(self, settings: Any, name: str, dim: int) -> None:
        self.settings, self.name, self.dim, self.max_tokens = settings, name, dim, settings.max_tokens
        self._real: Any = None

    def load(self) -> Any:
        if self._real is None:
            from kb.embed.load import check_fingerprint, load_embedder
            from kb.store.backend import open_store

            s = self.settings
            check_fingerprint(s.model, self.name)  # the manifest's "name@fingerprint", before any weights are read
            real = load_embedder(s.model, s.backend, s.device, s.max_tokens, s.precision)
            with open_store(s) as store:
                store.check_model(real.name, real.dim)
            self._real, self.max_tokens = real, real.max_tokens
        return self._real

    def encode(self, texts: Any, batch_size: int = 32, progress: bool = False, **ahead: Any) -> Any:
        """`ahead`: the readers' `tokens` and `groups`, passed on to the real embedder."""
        return self.load().encode(texts, batch_size=batch_size, progress=progress, **ahead)

    def encode_with_spans(self, texts: Any, spans: Any, batch_size: int = 32, progress: bool = False,
                          tokens: Any = None, groups: Any = None) -> Any:
        """Sentence vectors as the real embedder makes them (from the passage's own forward pass
        where it can), so documents added to a store get the vectors its first ingest gave."""
        from kb.embed.spans import embed_passages

        return embed_passages(self.load(), texts, batch_size=batch_size, progress=progress, spans=spans, tokens=tokens,
                              groups=groups)

    def tokenize_passages(self, texts: list[str]) -> Any:
        fn = getattr(self.load(), "tokenize_passages", None)
        return fn(texts) if callable(fn) else None

    def count_tokens(self, text: str) -> int:
        return self.load().count_tokens(text)


# ---------------------------------------------------------------------- ingest
def run_ingest(args: argparse.Namespace) -> int:
    from kb.embed.encoders import check_precision
    from kb.embed.load import load_embedder
    from kb.errors import IngestError
    from kb.library.seam import report_lines, sync
    from kb.store.backend import stored_manifest, stored_model

    if not args.folder.is_dir():  # before the model loads
        raise IngestError(f'folder "{args.folder}" does not exist or is not a directory; '
                          "give the folder that holds your papers")
    ocr = "off" if args.no_ocr else None
    settings = _settings(args, model=args.model, backend=args.backend, file_timeout=args.timeout, ocr=ocr)
    check_precision(settings.precision)  # before any file is read
    built = stored_model(settings)
    explicit = args.model is not None or bool(os.environ.get("KB_MODEL"))
    if built and not explicit and built not in (settings.model, Path(settings.model).name):
        settings = _settings(args, model=built, backend=args.backend, file_timeout=args.timeout, ocr=ocr)
    manifest = stored_manifest(settings)
    if manifest and str(manifest.get("model", "")).split("@")[0] in (settings.model, Path(settings.model).name):
        embedder = LazyEmbedder(settings, str(manifest["model"]), int(manifest["dim"]))
    else:
        embedder = load_embedder(settings.model, settings.backend, settings.device, settings.max_tokens,
                                 settings.precision)
    report = sync(args.folder, settings.kb_path, embedder, settings, progress=not args.no_progress)
    if settings.light_queries and settings.backend == "torch":
        from kb.embed.load import prepare_light_queries

        prepare_light_queries(settings.model)  # once per model and machine: fast `kb ask` start-up
    if report.documents == 0:
        print(f'kb: no papers in "{args.folder}" yet: put PDF, TXT or Markdown files there and run '
              "`kb ingest` again", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in report_lines(report):
            print(line)
    return 0


# ---------------------------------------------------------------------- docs
def run_docs(args: argparse.Namespace) -> int:
    from kb.search.versions import document_records, versions

    with _open_store(args) as store:
        if args.json:
            for rec in document_records(store):
                print(json.dumps(rec, ensure_ascii=False))
            return 0
        counts = store.passage_counts()
        docs = store.documents()
        family = {doc_id: v.describe() for doc_id, v in versions(docs).items()}
        if not docs:
            print("the knowledge base is empty; add papers with `kb ingest FOLDER`")
            return 0
        rows = [(_clip(d.short_title or d.title, 50), str(d.year or ""), d.symbol or "",
                 _clip(d.publisher or "", 40), _clip(d.kind or "", 24), str(d.pages or ""),
                 str(counts.get(d.doc_id, 0)), d.language or "", family.get(d.doc_id, ""), d.file) for d in docs]
        print(format_table(("title", "year", "symbol", "publisher", "kind", "pages", "passages", "lang", "version",
                            "file"), rows))
    return 0


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------- show / passages
def citation(p: Passage, d: Document) -> str:
    """A one-line citation: title (symbol, year), para, page, section."""
    head = d.short_title or d.title
    meta = ", ".join(x for x in (d.symbol, str(d.year) if d.year else None) if x)
    parts = [f"{head} ({meta})" if meta else head]
    if p.para:
        parts.append(para_label(p.para) + (f" (part {p.part})" if p.part else ""))
    if p.page_start is not None:
        page = f"p. {p.page_start}" + (f"-{p.page_end}" if p.page_end and p.page_end != p.page_start else "")
        parts.append(page + (f" (printed {p.page_label})" if p.page_label else ""))
    if p.section:
        parts.append(p.section_path)
    return ", ".join(parts)


def run_show(args: argparse.Namespace) -> int:
    written = None
    if args.page_image is not None:
        from kb.cli.source import describe, write_page_image

        written = write_page_image(args.passage_id, args.page_image, _settings(args), args.page)
    with _open_store(args) as store:
        p = store.passage(args.passage_id)
        d = store.document(p.doc_id)
        around = store.neighbours(p, args.context, args.context) if args.context > 0 else [p]
        if args.json:
            rec = passage_record(p, d)
            if args.context > 0:
                rec["context"] = [passage_record(q, d) for q in around]
            if written:
                rec["page_image"] = written
            print(json.dumps(rec, ensure_ascii=False))
            return 0
        if written:
            print(describe(written))
        print(f"{p.passage_id}  {citation(p, d)}")
        print(f"document: {d.title} | {d.publisher or '-'} | {d.year or '-'} | {d.symbol or '-'} | {d.file}")
        print(f"kind: {p.kind}")
        print()
        for q in around:
            mark = ">> " if q.passage_id == p.passage_id else "   "
            label = f"[{q.para}] " if q.para else ""
            print(f"{mark}{label}{q.text}\n")
    return 0


def run_passages(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        doc_id = store.find_document(args.doc).doc_id if args.doc else None
        docs = {d.doc_id: d for d in store.documents()}
        for p in store.passages(doc_id):
            d = docs[p.doc_id]
            if args.json:
                print(json.dumps(passage_record(p, d), ensure_ascii=False))
            else:
                print(f"{p.passage_id}  {citation(p, d)}\n    {_clip(p.text, 200)}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from kb.library.manage import drop_document

    with _open_store(args) as store:
        d, n = drop_document(store, args.file)
    print(f"removed {d.file} ({n} passage{'' if n == 1 else 's'}); "
          "`kb ingest` of its folder adds it again while the file is there")
    return 0
