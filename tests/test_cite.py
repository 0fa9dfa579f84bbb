"""Citation formatting: short and full references, BibTeX and RIS entries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kb.answers.cite import bibtex, creator, full_reference, locator, page_text, ris, short_reference
from kb.types import Document, Passage

AGENCY = Document(doc_id="d1", file="agency.pdf", sha256="x", title="Pricing urban water: an assessment",
                  authors="Water Agency secretariat", publisher="WAGENCY", year=2003, symbol="WA/R/12",
                  kind="issues paper")
BOOK = Document(doc_id="d2", file="book.txt", sha256="y", title="Rivers & Reservoirs", short_title="Rivers",
                authors="Tom Berg; Eva Sand (eds); Ana Lima; Tom Berg", publisher="River Press", year=2011,
                kind="book chapter")


def passage(para=None, page=None, label=None, end=None) -> Passage:
    return Passage(passage_id="p", doc_id="d1", seq=0, text="t", para=para, page_start=page,
                   page_end=end if end is not None else page, page_label=label)


def test_short_and_full_reference_carry_para_and_printed_page():
    """This test ensures that references name the institution, year, symbol, paragraph and printed page."""
    p = passage(para="18", page=7, label="6")
    assert short_reference(AGENCY, p) == "WAGENCY (2003), WA/R/12, para. 18, p. 6"
    assert full_reference(AGENCY, p) == "WAGENCY (2003). Pricing urban water: an assessment (WA/R/12), para. 18, p. 6."


@pytest.mark.parametrize(("p", "expected"), [
    (passage(para="3", page=4), "para. 3, p. 4"),  # no printed label: the PDF page
    (passage(page=4, label="ii"), "p. ii"),  # front matter label
    (passage(para="3"), "para. 3"),  # text file: no page
    (passage(), ""),  # neither
    (passage(page=4, end=5), "pp. 4-5"),
    (passage(page=4, label="2", end=5), "pp. 2-3"),
])
def test_locator_includes_only_what_the_passage_has(p, expected):
    """This test ensures that the paragraph appears only when present and the page prefers the printed label."""
    assert locator(p) == expected


def test_page_text_is_none_for_text_files():
    """This test ensures that a passage without pages gets no page in its reference."""
    assert page_text(passage(para="1")) is None


def test_creator_uses_surnames_and_drops_editors():
    """This test ensures that person authors become surnames in byline order, and the editors
    ("A; B (eds)" closes the run of editors) are dropped when authors exist."""
    assert creator(BOOK) == "Lima and Berg"
    assert full_reference(BOOK, passage()) == "Lima and Berg (2011). Rivers & Reservoirs. River Press."


def test_creator_of_document_without_authors_is_the_publisher():
    """This test ensures that a document with no authors is credited to its publisher, with n.d. for no year."""
    doc = Document(doc_id="d", file="f.txt", sha256="z", title="T", publisher="OECD")
    assert short_reference(doc) == "OECD (n.d.), T"


def test_document_without_author_or_publisher_is_led_by_its_title_once():
    """This test ensures that a document with neither authors nor publisher is cited by its title,
    not title then title again, and that a title ending in a question mark gets no extra full stop."""
    doc = Document(doc_id="d", file="f.txt", sha256="z", title="Upgrading to compete: what opportunities for SMEs?")
    assert short_reference(doc, passage(para="4")) == "Upgrading to compete: what opportunities for SMEs? (n.d.), para. 4"
    assert full_reference(doc) == "Upgrading to compete: what opportunities for SMEs? (n.d.)."
    assert full_reference(doc, passage(para="4")) == "Upgrading to compete: what opportunities for SMEs? (n.d.), para. 4."
    assert full_reference(replace(doc, title="Why clusters?", year=2009)) == "Why clusters? (2009)."
    assert full_reference(replace(doc, title="Clusters?", authors="Ana Lima")) == "Lima (n.d.). Clusters?"
    numbered = replace(doc, symbol="TD/B/1")
    assert short_reference(numbered) == "Upgrading to compete: what opportunities for SMEs? (n.d.), TD/B/1"


def test_bibtex_entry_escapes_and_types():
    """This test ensures that BibTeX entries pick the entry type, escape special characters and keep the locator."""
    entry = bibtex(AGENCY, passage(para="18", page=7, label="6"), quote="50% of users")
    assert entry.startswith("@techreport{wagency2003pricing,")
    assert "note = {para. 18, p. 6}" in entry and "pages = {6}" in entry
    assert "annote = {50\\% of users}" in entry
    assert bibtex(BOOK).startswith("@incollection{lima2011rivers,")
    assert "Rivers \\& Reservoirs" in bibtex(BOOK)


def test_ris_record_has_type_authors_and_end():
    """This test ensures that RIS records have a type, one AU line per author, the locator and an end tag."""
    rec = ris(BOOK, passage(para="2"), quote="a quote")
    lines = rec.splitlines()
    assert lines[0] == "TY  - CHAP" and lines[-1] == "ER  - "
    assert "AU  - Ana Lima" in lines and "AU  - Tom Berg" in lines
    assert "N1  - para. 2" in lines and "AB  - a quote" in lines


def test_chapter_entry_has_editors_booktitle_and_no_line_breaks():
    """This test ensures that a book chapter's BibTeX entry carries the volume's editors and title
    and the chapter's own title, and that no field of a BibTeX, RIS or CSV export holds a raw line
    break (a quote from a PDF keeps "if\nthey")."""
    from kb.answers.export import to_csv
    from kb.types import Quote

    chapter = replace(BOOK, title="Rivers and Reservoirs (chapter 2: Dams and\nfloods)")
    entry = bibtex(chapter, quote="only if\nthey pay")
    assert "title = {{Dams and floods}}" in entry and "booktitle = {Rivers and Reservoirs}" in entry
    assert "editor = {Tom Berg and Eva Sand}" in entry and "author = {Ana Lima and Tom Berg}" in entry
    assert "chapter = {2}" in entry and "annote = {only if they pay}" in entry
    assert all(line.startswith(("@", "  ", "}")) for line in entry.splitlines() if line)
    assert "AB  - only if they pay" in ris(chapter, quote="only if\nthey pay")
    q = Quote(quote="only if\nthey pay", passage=passage(para="3"), document=chapter, reference="r", short_reference="s")
    rows = to_csv([q]).splitlines()
    assert len(rows) == 2 and "only if they pay" in rows[1]


@pytest.mark.parametrize(("p", "expected"), [
    (replace(passage(page=5), kind="box", text="Box 2: Outward FDI from China\nChina is ..."), "Box 2, p. 5"),
    (replace(passage(page=6), kind="box", text="The strategy went on.", section=("II. FDI", "Box 2: Outward FDI")),
     "Box 2, p. 6"),  # a later part of the box: the label comes from its section
    (replace(passage(), kind="footnote", text="3 See UNCTAD (1998c)."), "note 3"),
    (replace(passage(page=9), kind="footnote", text="12/ A/51/23 (Part IV)."), "note 12, p. 9"),
    (replace(passage(para="4", page=12), section=("ANNEX II", "Statement")), "annex II, para. 4, p. 12"),
    (replace(passage(para="7"), kind="para", text="7. Boxes of fish."), "para. 7"),
])
def test_locator_names_the_box_note_or_annex(p, expected):
    """This test ensures that a passage in a box, an endnote or an annex is cited with it
    ("Box 2", "note 3", "annex II"), and an ordinary paragraph is not."""
    assert locator(p) == expected


def test_annex_locator_needs_the_word_and_csv_leaves_missing_fields_empty():
    """This test ensures that "Annexation of Crimea" is no annex, "Annex B" keeps its letter, and
    a CSV export writes nothing (not "None") for a missing title."""
    from kb.answers.export import to_csv
    from kb.types import Quote

    assert locator(replace(passage(para="4"), section=("Annexation of Crimea",))) == "para. 4"
    assert locator(replace(passage(para="4"), section=("Annex B", "Tables"))) == "annex B, para. 4"
    q = Quote(quote="q", passage=passage(para="3"), document=replace(BOOK, title=None), reference="r")
    assert "None" not in to_csv([q])
