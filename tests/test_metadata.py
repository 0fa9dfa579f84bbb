"""Catalog loading, metadata guesses from a file's first page, titles and text-quality checks."""

from __future__ import annotations

import logging

import pytest

from ingest import quality
from ingest.metadata import document_fields, find_symbol, find_year, load_catalog, meaningful_pdf_title
from ingest.model import Line, RawDocument
from ingest.titles import title_from_text

HEADER = """United Nations X/80/123
General Assembly
Distr.: General
3 March 2025
Original: English
25-99999 (E) 040325
*2599999*
Eightieth session
Item 12 of the provisional agenda
Trade questions:
Commodities
Trade in small island economies
Report of the Secretary-General
Summary
The present report reviews trade in small island economies."""


def _raw(first_text: str, **meta) -> RawDocument:
    return RawDocument(lines=(Line(text="body", page=1),), fmt="pdf", pages=3, meta={"first_text": first_text, **meta})


def test_load_catalog_reads_rows_keyed_by_file(tmp_path):
    """This test ensures that catalog.csv rows are keyed by file name, empty cells are left out
    and the year becomes an int."""
    (tmp_path / "catalog.csv").write_text(
        "file,title,short_title,authors,publisher,year,symbol,kind\n"
        'a.pdf,"Clusters, chains and firms",Clusters,Team A,Pub One,2001,X/1/2,report\n'
        "b.txt,Only a title,,,,,,\n", encoding="utf-8")
    cat = load_catalog(tmp_path)
    assert cat["a.pdf"]["title"] == "Clusters, chains and firms" and cat["a.pdf"]["year"] == 2001
    assert cat["b.txt"] == {"title": "Only a title"}


def test_load_catalog_skips_bad_rows_with_a_warning(tmp_path, caplog):
    """This test ensures that a row without a file name or with a bad year is reported as a
    warning and does not stop the rest."""
    (tmp_path / "catalog.csv").write_text("file,title,year\n,No file,2001\nc.pdf,Good,next year\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        cat = load_catalog(tmp_path)
    assert cat == {"c.pdf": {"title": "Good"}}
    assert "no file name" in caplog.text and "not a year" in caplog.text


def test_load_catalog_missing_or_malformed_gives_empty(tmp_path, caplog):
    """This test ensures that no catalog, or one without a file column, gives {} (with a warning
    for the malformed one)."""
    assert load_catalog(tmp_path) == {}
    (tmp_path / "catalog.csv").write_text("name,title\nx.pdf,X\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_catalog(tmp_path) == {}
    assert '"file" column' in caplog.text


def test_document_fields_from_a_un_first_page():
    """This test ensures that symbol, year, publisher, kind and title are guessed from a UN-style
    first page, and the typist in the PDF author field is not taken as the author."""
    fields = document_fields(_raw(HEADER, author="A. Typist", creation_date="2024-12-30"), "X_80_123.en.pdf", None)
    assert fields["symbol"] == "X/80/123"
    assert fields["year"] == 2025
    assert fields["publisher"] == "United Nations General Assembly"
    assert fields["kind"] == "report of the Secretary-General"
    assert fields["title"] == "Trade in small island economies: Report of the Secretary-General"
    assert fields["authors"] == "Secretary-General"
    assert fields["language"] == "en"


def test_catalog_row_overrides_guesses_but_not_with_empty_cells():
    """This test ensures that catalog values win over guesses and empty cells do not erase them."""
    row = {"title": "Island trade", "short_title": "Islands", "year": "2026", "symbol": "", "kind": None}
    fields = document_fields(_raw(HEADER), "X_80_123.en.pdf", row)
    assert fields["title"] == "Island trade" and fields["short_title"] == "Islands" and fields["year"] == 2026
    assert fields["symbol"] == "X/80/123" and fields["kind"] == "report of the Secretary-General"


def test_document_fields_for_a_text_file_use_the_heading():
    """This test ensures that a text file (meta has only first_text) takes its title from its
    first heading line and guesses the publisher from the text."""
    raw = RawDocument(lines=(Line(text="Clusters and growth", heading_level=1), Line(text="OECD paper text.")),
                      fmt="markdown", meta={"first_text": "Clusters and growth\nOECD paper text."})
    fields = document_fields(raw, "paper.md", None)
    assert fields["title"] == "Clusters and growth" and fields["publisher"] == "OECD" and fields["symbol"] is None


@pytest.mark.parametrize("title,ok", [
    ("Microsoft Word - draft3.docx", False), ("report.pdf", False), ("A/79/730", False), ("1723427", False),
    ("", False), (None, False), ("Trade and clusters in Africa", True)])
def test_meaningful_pdf_title(title, ok):
    """This test ensures that placeholder PDF titles are ignored and real ones kept."""
    assert meaningful_pdf_title(title, "report.pdf") is ok


def test_find_symbol_prefers_the_one_the_file_name_spells():
    """This test ensures that the document's own symbol wins over symbols it cites."""
    text = "See A/78/100 and E/2025/9\nUnited Nations E/2025/9/Add.13"
    assert find_symbol(text, "E_2025_9_Add.13.en.pdf") == "E/2025/9/Add.13"
    assert find_symbol(text, "other.pdf") == "A/78/100"
    assert find_symbol("no symbol here", "x.pdf") is None


def test_find_year_order():
    """This test ensures that a date line wins, then a year in the symbol, then the PDF date."""
    assert find_year("Distr.: General\n5 May 2024\nsee 1 June 2020", None, None) == 2024
    assert find_year("nothing", "X/2019/3", "2021-01-01") == 2019
    assert find_year("nothing", None, "2021-01-01") == 2021


LETTER = """United Nations S/1/2
Security Council
Distr.: General
2 May 2025
Letter dated 1 May 2025 from the Permanent Representative
of Freedonia to the United Nations addressed to the Secretary-General
I have the honour to write."""


@pytest.mark.parametrize("text,title", [
    (LETTER, ("Letter dated 1 May 2025 from the Permanent Representative of Freedonia to the United Nations "
             "addressed to the Secretary-General")),
    ("X/1/2\nUnited Nations\nReport of the Secretary-General\non the work of the Organization\nGeneral Assembly",
     "Report of the Secretary-General on the work of the Organization"),
    ("Clusters in Africa\nA study of ten cases\n1. Introduction", "Clusters in Africa"),
])
def test_title_from_text(text, title):
    """This test ensures that letters, reports and plain papers get their own title lines."""
    assert title_from_text(text) == title


@pytest.mark.parametrize("text,lang", [
    ("The committee of the states is to review the plan and the budget for the year.", "en"),
    ("Le comité des États examine le plan et le budget pour l’année qui est en cours.", "fr"),
    ("Комитет по ликвидации дискриминации в отношении женщин рассмотрел доклад.", "ru"),
    ("اللجنة المعنية بالقضاء على التمييز ضد المرأة نظرت في التقرير", "ar"),
    ("消除对妇女歧视委员会审议了报告并通过了结论性意见和建议", "zh"),
    ("12 34", None),
])
def test_detect_language(text, lang):
    """This test ensures that the main language is told by script, and by function words for
    Latin-script languages."""
    assert quality.detect_language(text) == lang


CLEAN_SENTENCE = ("The General Assembly considered the report of the committee on its work and adopted the "
                  "resolution without a vote, as it had done in previous years.")
NOISY_SENTENCE = ("tbe GeneraI AssernbIy consj.dered tbe rePort oE tbe cornmittee 0n ite vork anC adoPted tlie "
                  "resoIution r,ithout a v0te, aa lt hac] done ln Prevj.ous yeara.")


def test_noisy_ocr_layer_is_detected():
    """This test ensures that a text full of malformed OCR words is judged noisy and clean prose
    is not."""
    clean_text = " ".join([CLEAN_SENTENCE] * 8)
    noisy = " ".join([NOISY_SENTENCE] * 8)
    assert not quality.looks_like_noisy_ocr(clean_text)
    assert quality.looks_like_noisy_ocr(noisy)


def test_doubled_capitals_are_repaired():
    """This test ensures that fake-bold doubled capitals are undone and normal words untouched."""
    assert quality.repair_doubled_words("UNITEDUNITED NATIONS and COUSCOUS") == ("UNITED NATIONS and COUSCOUS", 1)
    assert quality.repair_doubled_words("Hello world") == ("Hello world", 0)


def test_lexicon_share_counts_known_lower_case_words():
    """This test ensures that the OCR check counts lower-case words of three or more letters
    against the lexicon, ignoring names, numbers and short words."""
    share, n = quality.lexicon_share("The cat sat on tbe mat in 1984 with Bob.", frozenset({"cat", "sat", "mat", "with"}))
    assert n == 5 and share == pytest.approx(4 / 5)


def test_title_from_headings_skips_organisations_and_sections():
    """This test ensures that an organisation's name, a standard section heading or a two-word
    heading is not taken as the title of a text file."""
    from ingest.titles import title_from_headings

    headings = ["UNITED NATIONS", "United Nations Conference on Trade and Development", "Workshop 2",
                "Executive summary", "Clusters of small firms in Asia", "Introduction"]
    assert title_from_headings(headings) == "Clusters of small firms in Asia"
    assert title_from_headings(["Contents", "Annex I"]) is None


def _page(text: str) -> tuple[Line, ...]:
    """Lines of a first page; an empty line in `text` is a paragraph break."""
    out, blank = [], False
    for raw in text.splitlines():
        if not raw.strip():
            blank = True
            continue
        out.append(Line(raw.strip(), page=1, blank_before=blank))
        blank = False
    return tuple(out)


BOARD_PAGE = """United Nations XB/2025/7

Executive Board of the
Orchard Development Programme and the
Harbour Fund

Distr.: General
3 March 2025

Original: English

25-99999 (E) 040325
*2599999*

United Nations Harbour Fund
Annual session 2025
Item 4 of the provisional agenda
Financial matters

Report on ferry maintenance for the period from 1 January to
31 December 20241

Summary
The present report reviews ferry maintenance."""

LETTER_PAGE = """United Nations X/80/9\u2013Y/2025/41

General Assembly
Security Council

Distr.: General
17 January 2025

Original: English

Agenda items 32 and 69

Prevention of harbour disputes

Fisheries questions

Letter dated 16 January 2025 from the Permanent Representative
of Ruritania to the United Nations addressed to the Secretary-General

I have the honour to transmit the statement of the Ministry (see annex).

(Signed) Ana Lima"""

DRAFT_PAGE = """United Nations X/AC.7/2025/L.3

General Assembly

Distr.: Limited
5 June 2025

Original: English

Special Committee on Harbours

Draft resolution submitted by the Chair

Safe harbours for small island economies

The General Assembly,
Recalling its resolution 1 (I),"""


@pytest.mark.parametrize(("page", "name", "want"), [
    (BOARD_PAGE, "XB_2025_7.en.pdf", {
        "title": "Report on ferry maintenance for the period from 1 January to 31 December 2024",
        "publisher": "Executive Board of the Orchard Development Programme and the Harbour Fund",
        "symbol": "XB/2025/7", "year": 2025}),
    (LETTER_PAGE, "X_80_9.en.pdf", {
        "title": "Letter dated 16 January 2025 from the Permanent Representative of Ruritania to the United "
                 "Nations addressed to the Secretary-General",
        "publisher": "United Nations General Assembly", "symbol": "X/80/9-Y/2025/41"}),
    (DRAFT_PAGE, "X_AC.7_2025_L.3.en.pdf", {
        "title": "Safe harbours for small island economies", "publisher": "United Nations General Assembly",
        "symbol": "X/AC.7/2025/L.3"}),
])
def test_un_masthead_gives_title_body_and_joint_symbol(page, name, want):
    """This test ensures that a UN first page gives the document's own title (not the organ, the
    session block, the agenda item's titles, "Draft resolution submitted by ..." or a footnote
    digit glued to the year), the issuing body the masthead names ("United Nations" before a
    principal organ, the first organ of a joint masthead) and the whole joint symbol."""
    lines = _page(page)
    raw = RawDocument(lines=lines, fmt="pdf", meta={"first_text": "\n".join(line.text for line in lines)})
    fields = document_fields(raw, name, None)
    for key, value in want.items():
        assert fields[key] == value, (key, fields[key])


def test_prepared_by_gives_every_author_in_byline_order():
    """This test ensures that "Prepared by A and B" credits both, in that order (not "B (2025)")."""
    text = "JX/REP/2025/2\nUnited Nations\nReview of harbour safety\nReport of the Inspection Unit\n" \
           "Prepared by Eileen A. Lima, Tom Berg and Conrod Sand\nGeneva 2025"
    raw = RawDocument(lines=tuple(Line(t, page=1) for t in text.splitlines()), fmt="pdf", meta={"first_text": text})
    assert document_fields(raw, "JX_REP_2025_2.en.pdf", None)["authors"] == "Eileen A. Lima; Tom Berg; Conrod Sand"


def test_all_caps_title_takes_the_case_its_body_uses():
    """This test ensures that a title printed in capitals is cited in sentence case, keeping the
    acronyms and proper nouns its own text writes that way, and that other titles are untouched."""
    from ingest.titles import sentence_case

    body = "Harbour clusters in Italy help each SME. The OECD and Italy agree.\nMost clusters grow."
    assert sentence_case("HARBOUR CLUSTERS AND SME UPGRADING IN ITALY", body) == \
        "Harbour clusters and SME upgrading in Italy"
    assert sentence_case("Harbour Clusters in Italy", body) == "Harbour Clusters in Italy"


def test_text_papers_without_catalog_get_byline_and_year():
    """This test ensures that a paper without catalog.csv gets its authors from "was prepared by A
    and B" or a "Prof. A" byline, and its year from an ordinal date ("23rd September 2009") or a
    copyright line, instead of "(n.d.)"."""
    cases = [
        (("Ferries report\n\nThis background report was prepared by Ana M. Lima and Tom Berg in conjunction "
         "with the Harbour Programme.\n\n(c) Harbour Press 2004"), "Ana M. Lima; Tom Berg", 2004),
        (("Briefing session 13\n\nWednesday 23rd September 2009\n\nFerries and ports\nProf. Carlo Sand - "
         "University of Harbours\n\nSummary"), "Carlo Sand", 2009),
    ]
    for text, authors, year in cases:
        raw = RawDocument(lines=tuple(Line(t) for t in text.splitlines()), fmt="text", meta={"first_text": text})
        fields = document_fields(raw, "note.txt", None)
        assert (fields["authors"], fields["year"]) == (authors, year), fields


@pytest.mark.parametrize(("page", "title"), [
    # no paragraph breaks after the agenda item: its title, then the document's, then a generic line
    (("United Nations X/2025/60\n\nEconomic and Social Council\n\nDistr.: General\n8 May 2025\n\n"
     "Original: English\n\n2025 session\nAgenda item 19 (f)\nSocial questions: harbours\nFerry safety in small "
     "islands\nReport of the High Commissioner for Harbours\nSummary\nThe present report reviews ferries."),
     "Ferry safety in small islands"),
    # a title set in capitals over several lines, right after the agenda item, then "Progress report by"
    (("UNITED NATIONS TD\nTD/B/99/6\n15 August 1996\nOriginal: ENGLISH\nTRADE AND DEVELOPMENT BOARD\n"
     "Item 5 of the provisional agenda\nTHE CONTRIBUTION OF HARBOURS TO THE\nDEVELOPMENT OF SMALL ISLAND\n"
     "ECONOMIES IN THE 1990s\nProgress report by the Secretary-General of UNCTAD\nCONTENTS"),
     "The contribution of harbours to the development of small island economies in the 1990s"),
])
def test_title_after_the_agenda_item_without_paragraph_breaks(page, title):
    """This test ensures that a masthead whose text layer has no paragraph breaks after the agenda
    item still gives the document's own title: the agenda item's title is passed over when another
    line follows it before the generic "Report of ..." line, and a title in capitals is read over
    all its lines (and cited in sentence case)."""
    lines = _page(page)
    raw = RawDocument(lines=lines, fmt="pdf", meta={"first_text": "\n".join(line.text for line in lines)})
    assert document_fields(raw, "X_2025_60.en.pdf", None)["title"] == title


@pytest.mark.parametrize(("text", "name", "field", "want"), [
    # an OECD paper citing a UN symbol keeps "OECD", not a sentence naming a council
    (("G20/OECD Principles of Corporate Governance\nThis publication was approved by the OECD Council on 8 June 2023.\n"
     "OECD Publishing, Paris"), "oecd.pdf", "publisher", "OECD"),
    # OECD symbols with a year in brackets are read whole
    ("ECO/WKP(2019)12\nUnclassified\nEconomics Department", "eco.pdf", "symbol", "ECO/WKP(2019)12"),
    # an older UN masthead: the series letter and capitals do not make the organ
    ("UNITED NATIONS\nA\nGeneral Assembly\nDistr.\nGENERAL\nA/51/595\n8 November 1996", "A_51_595.en.pdf",
     "publisher", "United Nations General Assembly"),
    ("UNITED NATIONS\nGENERAL ASSEMBLY\nDistr.\nGENERAL", "A_52_1.en.pdf", "publisher", "United Nations General Assembly"),
    # "(c)" of a list item is no copyright line
    ("Goals, March 2019\nTargets: (a) end hunger; (b) water; and (c) by 2030 halve poverty.\n", "goals.txt", "year", 2019),
    # a number in a title is not a footnote mark
    ("Payments: migration to ISO 20022\nThe migration plan.", "iso.txt", "title", "Payments: migration to ISO 20022"),
])
def test_metadata_rules_leave_ordinary_documents_alone(text, name, field, want):
    """This test ensures that the UN masthead rules do not misread ordinary documents (found in
    review): an OECD text keeps its publisher and whole symbol, an old masthead's series letter is
    no organ, a list item "(c)" gives no year, and a title's own number stays."""
    raw = RawDocument(lines=tuple(Line(t, page=1) for t in text.splitlines()), fmt="pdf" if name.endswith(".pdf")
                      else "text", meta={"first_text": text, "creation_date": "2019-04-02"})
    assert document_fields(raw, name, None)[field] == want


def test_byline_names_keep_particles_and_drop_institutions():
    """This test ensures that "prepared by Ana García-López, Jean de la Fontaine and Li Wei" gives
    three authors and that "Professor A, Harvard Business School" gives one."""
    for text, want in (("This note was prepared by Ana García-López, Jean de la Fontaine and Li Wei.",
                        "Ana García-López; Jean de la Fontaine; Li Wei"),
                       ("Clusters\nProfessor Michael Porter, Harvard Business School\n", "Michael Porter")):
        raw = RawDocument(lines=tuple(Line(t) for t in text.splitlines()), fmt="text", meta={"first_text": text})
        assert document_fields(raw, "note.txt", None)["authors"] == want


def test_an_isbn_is_no_un_job_number():
    """This test ensures that an ISBN line ("978-92-64-30000-0") is not read as a UN job number
    (a header mark after which the title is sought), while "24-19914* (E)" and "GE.25-00925 (E)" are."""
    from ingest.titles import _HEADER_MARK

    assert not _HEADER_MARK.match("ISBN 978-92-64-30000-0")
    assert _HEADER_MARK.match("24-19914* (E)    031224") and _HEADER_MARK.match("GE.25-00925 (E)")


def test_an_eu_act_is_cited_by_its_own_number():
    """This test ensures that an EU regulation's first page gives the symbol "Regulation (EU)
    2016/679", its full title in citation case (not "I (Legislative acts) REGULATIONS ..."), the
    year of its date and the kind, with the European Union as publisher."""
    text = ("I (Legislative acts) REGULATIONS REGULATION (EU) 2016/679 OF THE EUROPEAN PARLIAMENT\n"
            "AND OF THE COUNCIL of 27 April 2016 on the protection of harbours with regard to ferries\n"
            "(Harbour Regulation) (Text with EEA relevance) THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE\n"
            "EUROPEAN UNION, Having regard to the Treaty on the Functioning of the European Union,")
    raw = RawDocument(lines=tuple(Line(t, page=1) for t in text.splitlines()), fmt="pdf", meta={"first_text": text})
    fields = document_fields(raw, "harbour_regulation.pdf", None)
    assert fields["symbol"] == "Regulation (EU) 2016/679" and fields["year"] == 2016 and fields["kind"] == "regulation"
    assert fields["title"] == ("Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April "
                               "2016 on the protection of harbours with regard to ferries (Harbour Regulation)")
    assert fields["publisher"] == "European Union"


@pytest.mark.parametrize(("text", "symbol", "title_end"), [
    # an OECD paper that cites the act in a footnote is not the act
    ("OECD Digital Economy Papers\nPrivacy and trade\nBy Ana Lima\n" + "Trade in data grows. " * 20 +
     "\n1 REGULATION (EU) 2016/679 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 27 April 2016 on the protection "
     "of harbours (Text with EEA relevance)\nOECD Publishing, Paris", None, None),
    # a Commission decision citing a regulation is not that regulation
    (("COMMISSION IMPLEMENTING DECISION (EU) 2021/914 of 4 June 2021 pursuant to REGULATION (EU) 2016/679 OF THE "
     "EUROPEAN PARLIAMENT AND OF THE COUNCIL of 27 April 2016 on harbours (Text with EEA relevance)"), None, None),
    # another enacting formula ends the title; "No" stays in an older number
    (("DECISION (EU) 2021/1758 OF THE EUROPEAN CENTRAL BANK\nof 21 September 2021\namending Decision (EU) 2019/1311 "
     "on harbour operations\nTHE GOVERNING COUNCIL OF THE EUROPEAN CENTRAL BANK,\nHaving regard to the Treaty"),
     "Decision (EU) 2021/1758", "on harbour operations"),
    (("REGULATION (EC) No 1907/2006 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 18 December 2006 concerning "
     "harbour chemicals (Text with EEA relevance)"), "Regulation (EC) No 1907/2006", "concerning harbour chemicals"),
])
def test_eu_act_rule_reads_only_the_documents_own_heading(text, symbol, title_end):
    """This test ensures (found in review) that an act cited in a footnote or by another act does
    not become the document's identity, that any enacting formula ends the title, and that an
    older act keeps its "No"; an EU act without an Official Journal line is published by the EU."""
    raw = RawDocument(lines=tuple(Line(t, page=1) for t in text.splitlines()), fmt="pdf", meta={"first_text": text})
    fields = document_fields(raw, "act.pdf", None)
    assert fields["symbol"] == symbol
    if title_end:
        assert fields["title"].endswith(title_end) and fields["publisher"] == "European Union"
