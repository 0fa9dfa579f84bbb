"""Exports of quote selections: Markdown, CSV, BibTeX, RIS."""

from __future__ import annotations

import csv
import io

import pytest

from kb.answers.export import export_quotes
from kb.errors import ConfigError
from kb.types import Document, Passage, Quote

DOC = Document(doc_id="d1", file="agency.pdf", sha256="x", title="Pricing urban water", authors="Ana Lima",
               publisher="WAGENCY", year=2003, symbol="WA/R/12", kind="report")
QUOTES = [
    Quote(quote='Meters "work", mostly.', passage=Passage("p1", "d1", 0, 'Meters "work", mostly.', para="4",
                                                           page_start=3, page_end=3, page_label="2"),
          document=DOC, reference="Lima (2003). Pricing urban water (WA/R/12). WAGENCY, para. 4, p. 2.",
          short_reference="Lima (2003), WA/R/12, para. 4, p. 2"),
    Quote(quote="Leaks, too.", passage=Passage("p2", "d1", 1, "Leaks, too.", para="5", page_start=3, page_end=3),
          document=DOC, reference="Lima (2003). Pricing urban water (WA/R/12). WAGENCY, para. 5, p. 3."),
]


def test_markdown_export_has_quote_and_reference():
    """This test ensures that the Markdown export shows each quote as a block quote followed by its reference."""
    md = export_quotes(QUOTES, "md")
    assert '> Meters "work", mostly.' in md
    assert "> \u2014 Lima (2003). Pricing urban water (WA/R/12). WAGENCY, para. 4, p. 2." in md


def test_csv_export_round_trips_quotes_with_commas_and_quotes():
    """This test ensures that the CSV export quotes fields so commas and quotation marks survive."""
    rows = list(csv.DictReader(io.StringIO(export_quotes(QUOTES, "csv"))))
    assert [r["quote"] for r in rows] == [q.quote for q in QUOTES]
    assert rows[0]["para"] == "4" and rows[0]["page"] == "3" and rows[0]["page_label"] == "2"


def test_bibtex_export_makes_keys_unique():
    """This test ensures that two quotes from one document get distinct BibTeX keys."""
    bib = export_quotes(QUOTES, "bib")
    assert "@techreport{lima2003pricing," in bib and "@techreport{lima2003pricinga," in bib


def test_ris_export_has_one_record_per_quote():
    """This test ensures that the RIS export has one record per quote."""
    assert export_quotes(QUOTES, "ris").count("ER  - ") == 2


def test_unknown_export_format_is_a_clear_error():
    """This test ensures that an unknown format names the allowed ones."""
    with pytest.raises(ConfigError, match="md, csv, bib, ris"):
        export_quotes(QUOTES, "docx")
