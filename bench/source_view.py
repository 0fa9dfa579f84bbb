"""Source view check: for the top hit of each of the first N answerable questions of a question
file, is the passage's first and last sentence inside the highlighted region, on the right page?
And how long does the source view take, cold (page rendered) and warm (page cached)?

The check is independent of kb's matching: pdfium's own text search finds the first sentence's
opening words and the last sentence's closing words on the passage's pages, and their character
boxes must lie inside the highlight boxes.

    python bench/source_view.py --kb STORE --questions ../shared/eval/dev2-un.jsonl [-n 20]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _words_found(pdf_path: Path, page: int, phrase: str, boxes, scale: float) -> bool:
    """Whether pdfium finds `phrase` on the page with its characters inside `boxes`."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf_path))
    try:
        pg = doc[page - 1]
        tp, height = pg.get_textpage(), pg.get_height()
        search = tp.search(phrase, match_case=False)
        while (hit := search.get_next()) is not None:
            start, count = hit
            centres = []
            for i in (start, start + count - 1):
                left, bottom, right, top = tp.get_charbox(i)
                centres.append(((left + right) / 2 * scale, (height - (top + bottom) / 2) * scale))
            if all(any(a <= x <= c and b <= y <= d for a, b, c, d in boxes) for x, y in centres):
                return True
        return False
    finally:
        doc.close()


def _edge_phrase(sentence: str, first: bool) -> str:
    """Two or three words at the start (or end) of a sentence, as pdfium's search can meet them
    on one line."""
    words = re.findall(r"\w[\w'’-]*", sentence)
    pick = words[:3] if first else words[-3:]
    return pick[0] if len(pick) < 2 else (" ".join(pick[:2]) if first else " ".join(pick[-2:]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", required=True, type=Path)
    ap.add_argument("--questions", required=True, type=Path)
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    from ingest.chunk import split_sentences
    from kb.config import Settings
    from kb.library.source import PAGES_DIR, SCALE, source_file, source_pages
    from kb.search.knowledge_base import KnowledgeBase
    from kb.store.sqlite import Store

    settings = Settings.load(kb_dir=str(args.kb))
    shutil.rmtree(args.kb / PAGES_DIR, ignore_errors=True)  # cold renders are measured too
    questions = [json.loads(line) for line in args.questions.open(encoding="utf-8")]
    questions = [q for q in questions if q.get("evidence") and q["type"] not in ("unanswerable",)]
    kbase = KnowledgeBase.open(args.kb, settings=settings)
    ok = both = 0
    cold, warm, rows = [], [], []
    for q in questions:
        if len(rows) >= args.n:
            break
        hits = kbase.search(q["question"], k=1)
        if not hits or hits[0].document.fmt != "pdf":
            continue
        h = hits[0]
        t = time.perf_counter()
        pages = source_pages(h.passage.passage_id, settings)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        source_pages(h.passage.passage_id, settings)
        warm.append(time.perf_counter() - t)
        with Store.open(args.kb) as store:
            path = source_file(store, store.document(h.passage.doc_id))
        sentences = split_sentences(h.passage.text)
        head, tail = _edge_phrase(sentences[0], True), _edge_phrase(sentences[-1], False)
        first_ok = _words_found(path, pages[0].page, head, pages[0].boxes, SCALE)
        last_ok = _words_found(path, pages[-1].page, tail, pages[-1].boxes, SCALE)
        ok += first_ok and last_ok
        both += len(pages) > 1
        rows.append((q["id"], h.document.file, pages[0].page, pages[-1].page, first_ok, last_ok))
    print("| question | document | pages | first sentence in highlight | last sentence in highlight |")
    print("|---|---|---|---|---|")
    for qid, file, a, z, f, la in rows:
        print(f"| {qid} | {file} | {a}{'-' + str(z) if z != a else ''} | {'yes' if f else 'NO'} | {'yes' if la else 'NO'} |")
    print(f"\n{ok}/{len(rows)} hits with first and last sentence highlighted on the right page "
          f"({both} over two pages)")
    print(f"source view: cold p50 {statistics.median(cold):.3f} s (max {max(cold):.3f}); "
          f"warm p50 {statistics.median(warm):.3f} s (max {max(warm):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
