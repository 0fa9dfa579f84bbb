"""The pure text-cleaning functions of ingest.clean and ingest.pagenum, tested with plain strings."""

from __future__ import annotations

import pytest

from ingest import clean, pagenum


@pytest.mark.parametrize("raw,expected", [
    ("e\ufb03cient \ufb01nance \ufb02ows", "efficient finance flows"),
    ("non\u2011tariff\u00a0measures\u2003here", "non-tariff measures here"),
    ("inter\u00adnational  trade\u200b", "international trade"),
    ("\uff21\uff22\uff23 full width", "ABC full width"),
    ("x\u00b2 and \u00bd stay", "x\u00b2 and \u00bd stay"),
])
def test_normalise_text_folds_ligatures_spaces_and_soft_hyphens(raw, expected):
    """This test ensures that ligatures, odd hyphens, unicode spaces, zero-width characters and
    interior soft hyphens are normalised while superscripts and fractions are left alone."""
    assert clean.normalise_text(raw) == expected


def test_normalise_text_keeps_a_trailing_soft_hyphen_for_joining():
    """This test ensures that a soft hyphen at the end of a line survives normalisation, so that
    dehyphenate can join the word."""
    assert clean.normalise_text("inter\u00ad ").endswith(clean.SOFT_HYPHEN)
    vocab = {"medium-sized"}
    assert clean.dehyphenate(["small and medium\u00ad", "sized firms"], vocab)[0] == "small and medium-sized"
    assert clean.dehyphenate([clean.normalise_text("the inter\u00ad"), "national order"]) == \
        ["the international", "order"]


@pytest.mark.parametrize("lines,expected", [
    (["the develop-", "ment of firms"], ["the development", "of firms"]),
    (["a long-", "term view"], ["a long-term", "view"]),
    (["their self-", "reliance"], ["their self-reliance", ""]),
    (["the South-", "South cooperation"], ["the South-South", "cooperation"]),
    (["the UNDP-", "specific needs"], ["the UNDP-specific", "needs"]),
    (["demand-", "driven support"], ["demand-driven", "support"]),
    (["in 2022-", "2025 the plan"], ["in 2022-2025", "the plan"]),
    (["policies -", "and more"], ["policies -", "and more"]),
])
def test_dehyphenate_joins_broken_words_and_keeps_compounds(lines, expected):
    """This test ensures that words broken at line ends are joined and real compounds keep their
    hyphen (compound prefixes, capitals, acronyms, numbers, common second parts)."""
    assert clean.dehyphenate(lines, vocab=set()) == expected


def test_dehyphenate_uses_the_documents_own_spelling():
    """This test ensures that a word seen unbroken elsewhere is joined, and a compound seen with
    its hyphen elsewhere keeps it."""
    vocab = clean.hyphen_vocabulary(["the cross-border flows of capital", "small enterprises grow"])
    assert clean.dehyphenate(["small enter-", "prises"], vocab)[0] == "small enterprises"
    assert not clean.keep_hyphen("enter", "prises", vocab)
    assert clean.keep_hyphen("cross", "border", vocab)


@pytest.mark.parametrize("line", ["15", "- 15 -", "Page 15", "page 3 of 12", "3/28", "25-10679 3", "3/28 25-10652",
                                  "GE.25-01234", "25-01234 (E) 120525", "25-10679 iii", "*2501234*", "A/79/730", "TD/B/COM.3/22",
                                  "E/2025/25 E/CN.9/2025/7", "S/RES/2776 (2025)", "/...", "iv"])
def test_explicit_running_lines_are_recognised(line):
    """This test ensures that page numbers, job numbers, barcodes and bare document symbols are
    recognised as running header/footer lines by their form."""
    assert clean.is_explicit_running_line(line)


@pytest.mark.parametrize("line", ["1. The Board met.", "Report of the Secretary-General", "2025 was a year of change",
                                  "Table 3", "See A/79/730 for details"])
def test_body_lines_are_not_explicit_running_lines(line):
    """This test ensures that ordinary body lines are not mistaken for headers or footers."""
    assert not clean.is_explicit_running_line(line)


def test_running_lines_recurring_across_pages_are_found():
    """This test ensures that a header repeated on many pages (with a changing number) is found
    at the page edges, and that body lines are kept."""
    pages = [
        ["Annual report of the fund", "", "First body line of the first page.", "Second line.", "Footer org 1"],
        ["Annual report of the fund", "Page two starts with this text.", "More body text.", "Footer org 2"],
        ["Annual report of the fund", "Page three continues here.", "Last words.", "Footer org 3"],
    ]
    drops = clean.running_line_indices(pages)
    assert drops == [{0, 4}, {0, 3}, {0, 3}]


def test_explicit_forms_are_removed_only_from_the_edge_inwards():
    """This test ensures that a symbol-like line inside the page (after body text) stays, while a
    line that recurs on most pages is removed anywhere near the edges (title pages)."""
    pages = [["X/1/2", "Body one.", "Y/9/9", "Body two."], ["Body three.", "Body four.", "X/1/2", "Closing."],
             ["X/1/2", "Body five."]]
    assert clean.running_line_indices(pages) == [{0}, {2}, {0}]


@pytest.mark.parametrize("line,expected", [("25-00749 (E) 220125", True), ("*2500749*", True), ("GE.25-01234", True),
                                           ("25-00749 (E) 220125 *2500749*", True), ("25-00749 3", False),
                                           ("See 25-00749 for details", False)])
def test_job_number_lines(line, expected):
    """This test ensures that print-shop job numbers and barcodes are recognised alone on a line."""
    assert clean.is_job_number_line(line) is expected


def test_job_number_lines_are_dropped_anywhere_on_a_page():
    """This test ensures that a job number in the middle of a first page is removed."""
    pages = [["Title", "Distribution: general", "Subtitle", "Date line", "Language line", "More front matter",
              "25-00749 (E) 220125", "*2500749*", "The body begins here."]]
    assert clean.running_line_indices(pages) == [{6, 7}]


def test_garbled_repeats_from_pypdf_are_repaired():
    """This test ensures that a line emitted twice by pypdf (first copy spliced with the end of
    the line before, or truncated, second copy possibly starting a few letters late) is reduced to
    one good line, while lines that merely start alike are kept."""
    lines = ["rules for the protection of data in the Member",
             "States. The Regulation asks the Council to lay the Member",
             "States. The Regulation asks the Council to lay down the",
             "consistent monitoring of the processing of data in all States",
             "istent monitoring of the processing of data in all States as well",
             "rules relating to the processing of personal data and the",
             "rules relating to the free movement of personal data.",
             "not restricted for reasons connected with persons with regard to",
             "the processing of personal data. To take account of micro s with regard to the",
             "processing of personal data. To take account of micro, small and medium-sized"]
    repairs = clean.garbled_repeats(lines)
    assert repairs == {1: None, 2: lines[2], 3: None, 4: "consistent monitoring of the processing of data in all States as well",
                       8: None, 9: "the " + lines[9]}
    urls = ["See:", "https://example.org/archive/documents/item-0001;", "https://example.org/archive/documents/item-0002."]
    assert clean.garbled_repeats(urls) == {}


def test_split_footnotes_after_a_separator():
    """This test ensures that the lines under a '______' separator are footnotes, continuation
    lines included."""
    body, notes = clean.split_footnotes(["Text with a note.1", "More text.", "__________", "1 See X/1/2, for",
                                         "the details.", "2 Ibid."])
    assert body == ["Text with a note.1", "More text."]
    assert notes == ["1 See X/1/2, for", "the details.", "2 Ibid."]


def test_split_footnotes_without_separator_needs_a_marker_and_a_gap():
    """This test ensures that bottom lines starting with a number become footnotes only when the
    body cites that number and a blank line precedes them; a body line starting with a number
    stays body."""
    _, notes = clean.split_footnotes(["It rose sharply.3", "", "3 Data for 2024."])
    assert notes == ["3 Data for 2024."]
    lines = ["The standards, adopted by", "18 organizations, are silent."]
    assert clean.split_footnotes(lines) == (lines, [])
    lines = ["We met twice.", "", "7 members attended the meeting."]
    assert clean.split_footnotes(lines) == (lines, []), "no marker 7 in the body"
    lines = ["Letter dated 16 January from the mission", "", "16 January 2025", "Text of the statement."]
    assert clean.split_footnotes(lines) == (lines, []), "a date line is not a note"
    lines = ["A title line.2", "", "2 A long", "statement", "that fills", "most of", "the page."]
    assert clean.split_footnotes(lines) == (lines, []), "notes without a separator do not fill the page"


@pytest.mark.parametrize("line,prev,blank,indented,expected", [
    ("12. The Board noted", "previous text.", False, False, True),
    ("(a) To note the report", "decides:", False, False, True),
    ("continues the sentence", "the previous", False, False, False),
    ("Another paragraph.", "ends here.", True, False, True),
    ("New sentence indented", "ends here.", False, True, True),
    ("Not a new paragraph", "ends here.", False, False, False),
])
def test_paragraph_starts(line, prev, blank, indented, expected):
    """This test ensures that numbered paragraphs, blank lines and indented sentence starts mark
    a paragraph break, and a plain wrapped line does not."""
    assert clean.is_paragraph_start(line, prev, blank, indented) is expected


def test_a_short_last_line_ends_a_paragraph():
    """This test ensures that a sentence ending on a short line followed by a capital starts a
    new paragraph, while a sentence ending on a full-width line does not."""
    full = "x" * 80
    width = clean.typical_line_width([full] * 6)
    assert width == 80
    assert clean.is_paragraph_start("Next paragraph", "the end of it.", False, line_width=width)
    assert clean.is_paragraph_start("Next paragraph", "was repaired.2", False, line_width=width), "note marker"
    assert not clean.is_paragraph_start("Same paragraph", full[:-1] + ".", False, line_width=width)
    assert not clean.is_paragraph_start("continues", "short line", False, line_width=width)


def test_printed_page_numbers_with_front_matter_and_gaps():
    """This test ensures that strong forms count alone, lone numbers need agreeing neighbours,
    and a page without a number between two agreeing pages is filled in."""
    pages = [["Cover"], ["Contents"], ["X/1", "25-12345 1/4", "text"], ["text", "2"], ["a table only"],
             ["text", "4"], ["text", "17 apples"]]
    assert pagenum.printed_page_numbers(pages) == [None, None, "1", "2", "3", "4", None]


def test_a_stray_number_is_not_a_page_number():
    """This test ensures that a lone number with no agreeing neighbour is ignored."""
    assert pagenum.printed_page_numbers([["text", "7"], ["more text"], ["even more"]]) == [None, None, None]


def test_page_labels_prefer_meaningful_pdf_labels():
    """This test ensures that PDF page labels are used when they are not just 1..n, and that a
    label equal to the PDF page number gives None."""
    pages = [["a"], ["b"], ["c"]]
    assert pagenum.page_labels(pages, ["i", "ii", "1"]) == ["i", "ii", "1"]
    assert pagenum.page_labels(pages, ["1", "2", "3"]) == [None, None, None]
    assert pagenum.page_labels([["x", "1/3 25-12345"], ["y", "25-12345 3/3"], ["z"]], None) == [None, "3", None]
    assert pagenum.page_labels([["25-12345 iii", "x"], ["y", "1/3 25-12345"]], None) == ["iii", "1"]


@pytest.mark.parametrize("text,value", [("iv", 4), ("xii", 12), ("ix", 9), ("iiii", None), ("abc", None)])
def test_roman_numerals(text, value):
    """This test ensures that well-formed lower-case roman numerals are read and others refused."""
    assert pagenum.roman_to_int(text) == value
