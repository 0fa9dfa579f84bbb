"""Field accuracy of the citation metadata kb extracts, against a table read by hand.

    python bench/metadata_accuracy.py --kb /tmp/kb-un [--kb /tmp/kb-ref ...] [--show-wrong]

The table (tests/fixtures/expected_metadata.csv: file, symbol, title, authors, publisher, date,
year, note) was written by reading each document's first page; it is test data, never read by
kb. For every document of the stores that the table lists: title, authors (persons, byline order),
publisher (any of the " | " alternatives), symbol and year, compared after normalising case,
quotes, dashes and spaces. A title also counts when it is the table's "alt title: ..." in the
note, or the table's title followed by a generic "Report of the Secretary-General" line.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from pathlib import Path

from common import ROOT

sys.path.insert(0, str(ROOT))

from kb.answers.cite import authors_and_editors, chapter_parts
from kb.store.sqlite import Store
from kb.types import Document

TABLE = ROOT / "tests" / "fixtures" / "expected_metadata.csv"
FIELDS = ("title", "authors", "publisher", "symbol", "year")
_GENERIC = re.compile(r"\s*:\s*(?:(?:progress |annual )?report|note) (?:of|by) the [\w\- ]+$", re.IGNORECASE)
_INSTITUTION = re.compile(r"\b(?:secretariat|secretary-general|unctad|oecd|united nations|office|unit)\b",
                          re.IGNORECASE)


def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"\s*([:;,.-])\s*", r"\1 ", text)
    return " ".join(text.casefold().split()).strip(" .;:,")


def persons(doc: Document) -> list[str]:
    """The document's personal authors in byline order (institutions and editors left out)."""
    authors, editors = authors_and_editors(doc)
    return [norm(a) for a in (authors or editors) if not _INSTITUTION.search(a)]


def right(field: str, doc: Document, row: dict) -> bool:
    if field == "title":
        got = doc.title or ""
        parts = chapter_parts(got)
        candidates = {norm(got), norm(_GENERIC.sub("", got))} | ({norm(parts[2])} if parts else set())
        wanted = {norm(row["title"])} | {norm(t) for t in re.findall(r"alt title: ([^;]+)", row["note"])}
        return bool(candidates & wanted)
    if field == "authors":
        return persons(doc) == [norm(a) for a in row["authors"].split(";") if a.strip()]
    if field == "publisher":
        return norm(doc.publisher) in {norm(p) for p in row["publisher"].split("|")}
    if field == "symbol":
        return norm(doc.symbol) == norm(row["symbol"])
    return str(doc.year or "") == row["year"]


def score(stores: list[Path], table: Path = TABLE) -> tuple[dict[str, list[bool]], list[str]]:
    expected = {r["file"]: r for r in csv.DictReader(table.open(encoding="utf-8"))}
    results: dict[str, list[bool]] = {f: [] for f in FIELDS}
    wrong: list[str] = []
    for path in stores:
        with Store.open(path) as store:
            docs = store.documents()
        for doc in docs:
            row = next((expected[n] for n in (Path(doc.file).name, *doc.aliases) if n in expected), None)
            if row is None:
                continue
            for field in FIELDS:
                ok = right(field, doc, row)
                results[field].append(ok)
                if not ok:
                    got = ("; ".join(persons(doc)) if field == "authors" else getattr(doc, field))
                    wrong.append(f"{row['file']}  {field}: got {got!r}, want {row[field]!r}")
    return results, wrong


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", action="append", type=Path, required=True, help="a store (repeat for several)")
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--show-wrong", action="store_true")
    args = ap.parse_args()
    results, wrong = score(args.kb, args.table)
    print("| field | right | documents | accuracy |\n|---|---|---|---|")
    for field, oks in results.items():
        print(f"| {field} | {sum(oks)} | {len(oks)} | {sum(oks) / max(len(oks), 1):.3f} |")
    if args.show_wrong:
        print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
