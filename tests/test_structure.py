"""Structure: headings path, numbered paragraphs (sequence-aware), boxes, TOC, footnotes,
tables, summary, for Markdown and PDF-like line streams."""

from __future__ import annotations

import pytest

from ingest.model import Line, RawDocument
from ingest.patterns import heading_pattern_level, is_toc_line, para_number
from ingest.structure import to_blocks
from ingest.text_reader import parse_markdown, read_text
from tests.conftest import FIXTURES


def _blocks(markdown: str):
    return to_blocks(RawDocument(lines=tuple(parse_markdown(markdown)), fmt="markdown"))


def _paras(blocks) -> list[str]:
    return [b.para for b in blocks if b.kind == "para"]


@pytest.fixture(scope="module")
def report_blocks():
    return to_blocks(read_text(FIXTURES / "numbered_report.md"))


def test_fixture_numbered_paragraphs_in_order(report_blocks):
    """This test ensures that the numbered paragraphs are found once each, in order, and that
    contents entries, notes and references never count as paragraphs."""
    assert _paras(report_blocks) == ["1", "2", "3", "4", "5", "6", "7"]


def test_fixture_heading_path(report_blocks):
    """This test ensures that a heading of level n replaces the path from level n on, whatever
    Markdown level the conversion gave it ("A." nests under "II.")."""
    by_para = {b.para: b for b in report_blocks if b.kind == "para"}
    assert by_para["1"].section == ("I. INTRODUCTION",)
    assert by_para["4"].section == ("II. FUNDING MODELS",)
    assert by_para["5"].section == ("II. FUNDING MODELS", "A. Public provision")


def test_fixture_paragraph_continues_after_footnote(report_blocks):
    """This test ensures that a paragraph cut by a page-foot note continues with the text after
    the note, and that the note becomes a footnote block of its own."""
    para4 = next(b for b in report_blocks if b.para == "4")
    assert para4.text.endswith("until the state bought the towers.")
    assert "Keeping records" not in para4.text
    notes = [b.text for b in report_blocks if b.kind == "footnote"]
    assert any(n.startswith("1 Keeping records") for n in notes)
    assert any("Automation reduced" in n for n in notes)
    assert any("earlier version" in n for n in notes), "numbered lines under Notes are footnotes"


def test_fixture_list_items_stay_in_their_paragraph(report_blocks):
    """This test ensures that a numbered list inside a paragraph stays in that paragraph."""
    para3 = next(b for b in report_blocks if b.para == "3")
    assert "a toll per ship" in para3.text and "fishing boats" in para3.text


def test_fixture_box_summary_table_toc(report_blocks):
    """This test ensures that the box keeps its title and content up to the next paragraph, the
    executive summary is kind summary, the table is kind table and contents lines are kind toc."""
    box = next(b for b in report_blocks if b.kind == "box")
    assert box.text.startswith("Box 1: Lamps and lenses")
    assert "Fresnel" in box.text and "Public provision did not" not in box.text
    assert any(b.kind == "summary" and b.text.startswith("Lighthouses remain") for b in report_blocks)
    table = next(b for b in report_blocks if b.kind == "table")
    assert table.text.splitlines() == ["Town | Dues (shillings)", "Portwick | 12", "Saltmere | 9"]
    assert [b.text for b in report_blocks if b.kind == "toc"][1:] == [
        "I. Introduction..... 1-3",
        "II. Funding models..... 4-7",
    ]
    refs = [b for b in report_blocks if b.section == ("REFERENCES",) and b.kind != "heading"]
    assert refs and all(b.kind == "text" for b in refs)


def test_footnote_after_paragraph_ten_is_not_a_paragraph():
    """This test ensures that a numbered note ("1. Author (1997).") after paragraph 10, with no
    heading in between, becomes a footnote and paragraph 11 still follows."""
    md = "\n\n".join(f"{n}. Paragraph number {n} says something." for n in range(1, 11))
    md += "\n\n1. UNCTAD (1997).\n\n11. The eleventh paragraph.\n"
    blocks = _blocks(md)
    assert _paras(blocks) == [str(n) for n in range(1, 12)]
    assert [b.text for b in blocks if b.kind == "footnote"] == ["1. UNCTAD (1997)."]


def test_numbered_list_inside_paragraph_is_not_a_paragraph():
    """This test ensures that an upper-case numbered list after a lead-in colon stays inside the
    paragraph, and the next paragraph number is still accepted."""
    blocks = _blocks("1. First.\n\n2. Dues were:\n\n1. A toll.\n\n2. A fee.\n\n3. The third paragraph.\n")
    assert _paras(blocks) == ["1", "2", "3"]
    assert "A toll." in blocks[1].text and "A fee." in blocks[1].text


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([1, 2, 4, 5], ["1", "2", "4", "5"]),  # a lost paragraph is tolerated
        ([1, 2, 9, 3], ["1", "2", "3"]),  # a far jump is not a paragraph
        ([5, 6], []),  # numbering must start near 1
    ],
)
def test_paragraph_numbers_must_continue_the_sequence(numbers, expected):
    """This test ensures that a number is a paragraph only when it continues the sequence."""
    md = "\n\n".join(f"{n}. Text of the paragraph numbered {n}." for n in numbers)
    assert _paras(_blocks(md)) == expected


def test_numbering_restarts_only_after_a_heading():
    """This test ensures that numbering may restart at 1 after a heading (an annex) but not
    without one."""
    md = "1. One.\n\n2. Two.\n\n1. Not a restart.\n\n# Annex\n\n1. Annex one.\n\n2. Annex two.\n"
    blocks = _blocks(md)
    assert _paras(blocks) == ["1", "2", "1", "2"]
    assert [b.section for b in blocks if b.kind == "para"][2:] == [("Annex",), ("Annex",)]


def test_unnumbered_text_blocks_split_at_blank_lines_unless_the_sentence_runs_on():
    """This test ensures that in unnumbered text a blank line starts a new block, except when the
    previous text does not end a sentence and the next starts lower-case."""
    blocks = _blocks("One paragraph.\n\nAnother paragraph that runs\n\non after a page break.\n")
    assert [b.text for b in blocks] == ["One paragraph.", "Another paragraph that runs\non after a page break."]


def _pdf(*rows: tuple[str, int] | tuple[str, int, dict]) -> RawDocument:
    lines = []
    for row in rows:
        text, page = row[0], row[1]
        extra = row[2] if len(row) > 2 else {}
        lines.append(Line(text=text, page=page, page_label=str(page - 2), **extra))
    return RawDocument(lines=tuple(lines), fmt="pdf", pages=max(r[1] for r in rows))


def test_pdf_line_stream():
    """This test ensures that a PDF-like stream (page numbers, no heading levels, no blank
    lines) yields headings from patterns, paragraphs spanning lines and pages with their page
    range and printed page, a box, footnotes kept apart, and a numbering restart after a heading."""
    raw = _pdf(
        ("Contents", 2),
        ("I. Introduction . . . . . . . . . . 3", 2),
        ("II. Background 3", 2),
        ("I. Introduction", 3),
        ("1. The Committee met in Geneva from", 3),
        ("3 to 5 May and adopted its agenda.", 3),
        ("2. The meeting was opened by the Chair, who", 3),
        ("12 See A/79/100, para. 4.", 3, {"kind": "footnote"}),
        ("welcomed the participants.", 4),
        ("II. Background", 4),
        ("A. Mandate", 4),
        ("3. By its resolution 12/3, the Council decided", 4),
        ("to continue the work. It asked for a report:", 4),
        ("(a) on progress;", 4),
        ("(b) on funding.", 4),
        ("Box 1", 4),
        ("Lessons learned", 4),
        ("Early action pays off in the long run.", 4),
        ("4. The Council thanked the experts.", 5),
        ("ANNEX", 6),
        ("1. The annex lists the participants.", 6),
    )
    blocks = to_blocks(raw)
    paras = [b for b in blocks if b.kind == "para"]
    assert [b.para for b in paras] == ["1", "2", "3", "4", "1"]
    assert paras[0].text == "The Committee met in Geneva from 3 to 5 May and adopted its agenda."
    assert paras[1].text.endswith("who welcomed the participants.")
    assert (paras[1].page_start, paras[1].page_end, paras[1].page_label) == (3, 4, "1")
    assert paras[2].section == ("II. Background", "A. Mandate")
    assert "(a) on progress;" in paras[2].text and "(b) on funding." in paras[2].text
    assert paras[4].section == ("ANNEX",)
    box = next(b for b in blocks if b.kind == "box")
    assert box.text.startswith("Box 1") and "Early action" in box.text
    assert [b.text for b in blocks if b.kind == "footnote"] == ["12 See A/79/100, para. 4."]
    assert [b.kind for b in blocks[:3]] == ["heading", "toc", "toc"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18. Text of a paragraph", (18, "Text of a paragraph")),
        ("1.1. A heading", None),
        ("3. a list item", None),
        ("2024. The year", None),
        ("18.Text", None),
    ],
)
def test_para_number(text, expected):
    """This test ensures that only "N. Text" with N up to three digits opens a paragraph."""
    assert para_number(text) == expected


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("II. Background", 1),
        ("Chapter 2 Trade", 1),
        ("ANNEX I", 1),
        ("A. Mandate", 2),
        ("1.2. Reasons", 2),
        ("1.3.1. Economic", 3),
        ("(a) Funding", 3),
        ("Why clusters matter", None),
    ],
)
def test_heading_pattern_level(text, level):
    """This test ensures that numbering patterns give heading levels."""
    assert heading_pattern_level(text) == level


@pytest.mark.parametrize(
    ("text", "in_contents", "toc"),
    [
        ("I. Preface..... 1-5", False, True),
        ("Box 1. Guidelines ..... 5", False, True),
        ("Introduction 3", True, True),
        ("Introduction 3", False, False),
        ("18. A real paragraph that ends with a number like 2005.", True, False),
    ],
)
def test_is_toc_line(text, in_contents, toc):
    """This test ensures that dotted leaders, and trailing page numbers inside a contents
    section, mark table-of-contents lines."""
    assert is_toc_line(text, in_contents=in_contents) is toc


@pytest.mark.parametrize(
    ("n", "last", "after_heading", "upcoming", "accepted"),
    [
        (1, None, False, [2, 3], True),  # the first paragraph
        (3, None, False, [4], True),  # the first two were lost
        (5, None, False, [6], False),  # numbering does not start near 1
        (11, 10, False, [12], True),  # the next one
        (13, 10, False, [14], True),  # paragraphs 11 and 12 lost
        (12, 10, False, [11, 13], False),  # 11 still comes: 12 is a note or list item
        (1, 10, False, [11], False),  # a note after paragraph 10
        (1, 10, False, [2, 3], True),  # a second report whose heading was missed
        (1, 10, False, [2, 11], False),  # two notes, then the run goes on
        (1, 6, True, [7, 8], False),  # "1. Official debt" under a heading, the run goes on with 7
        (1, 6, True, [2, 3], True),  # an annex restarts the numbering
        (1, 6, True, [], True),  # a one-paragraph annex
        (40, 10, False, [41, 42], True),  # a long loss, then a run: resync
        (40, 10, False, [11], False),  # a far jump without a run
    ],
)
def test_continues_sequence(n, last, after_heading, upcoming, accepted):
    """This test ensures that paragraph numbers are accepted by sequence: next or small gap,
    a restart at 1 only after a heading and when 2 follows, a resync only on a run."""
    from ingest.numbering import continues_sequence

    assert continues_sequence(n, last, after_heading, upcoming) is accepted


def test_pdf_numbered_subheadings_and_page_foot_notes():
    """This test ensures that in a PDF a short numbered line standing alone under a heading is a
    sub-heading that does not restart the numbering, and that a "4 Text" line at the foot of a
    page that the reader did not mark is kept out of the paragraph as a footnote."""
    raw = _pdf(
        ("I. Policy research", 1),
        ("1. Fourth paragraph of the report goes here.", 1),
        ("2. Fifth paragraph.", 1),
        ("II. Activities", 2, {"blank_before": True}),
        ("1. Official debt", 2, {"blank_before": True}),
        ("3. The debt work continued in", 2, {"blank_before": True}),
        ("1996 with two studies.", 2),
        ("4 For more information, see the annual report.", 2),
        ("2. Foreign investment", 3, {"blank_before": True}),
        ("4. A study on investment was prepared.", 3, {"blank_before": True}),
    )
    blocks = to_blocks(raw)
    assert _paras(blocks) == ["1", "2", "3", "4"]
    para3 = next(b for b in blocks if b.para == "3")
    assert para3.text == "The debt work continued in 1996 with two studies."
    assert para3.section == ("II. Activities", "1. Official debt")
    assert next(b for b in blocks if b.para == "4").section == ("II. Activities", "2. Foreign investment")
    assert [b.text for b in blocks if b.kind == "footnote"] == ["4 For more information, see the annual report."]


def test_paragraph_wrongly_marked_as_note_is_rescued():
    """This test ensures that a line a reader marked as a note but that is plainly the next
    paragraph (N = last + 1, not a citation, N + 1 follows) stays a paragraph."""
    raw = RawDocument(lines=(
        Line(text="1. The first paragraph.", blank_before=True),
        Line(text="2. The second paragraph is here.", blank_before=True, kind="footnote"),
        Line(text="3. The third paragraph.", blank_before=True),
    ), fmt="text")
    assert _paras(to_blocks(raw)) == ["1", "2", "3"]


def test_pdf_wrapped_headings_and_conclusions_inside_a_chapter():
    """This test ensures that a PDF heading wrapped over lines is joined, that "Conclusion"
    under a numbered chapter stays below it, and that the first line of a wrapped numbered
    paragraph like "1.2 Dr X, ..." is not taken for a heading."""
    body = "x" * 80
    raw = _pdf(
        ("I. Climate change: United Nations system contribution to the", 1, {"blank_before": True}),
        ("sessions of the Conference of the", 1),
        ("Parties", 1),
        ("1. The Committee discussed the matter at length.", 1, {"blank_before": True}),
        ("Conclusion", 1, {"blank_before": True}),
        ("2. The Committee agreed.", 1, {"blank_before": True}),
        ("1.2 Dr Mhita, Director-General of the national agency, welcomed", 2, {"blank_before": True}),
        ("the participants and opened the meeting of the working group " + body[:20], 2),
        (body, 2),
    )
    blocks = to_blocks(raw)
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert headings == [
        "I. Climate change: United Nations system contribution to the sessions of the Conference of the Parties",
        "Conclusion",
    ]
    para2 = next(b for b in blocks if b.para == "2")
    assert para2.section == (headings[0], "Conclusion")


def test_pdf_chapter_label_takes_its_title_and_lone_short_lines_are_headings():
    """This test ensures that "Chapter II" followed by its title line becomes one heading and
    that a short capitalised line standing alone between paragraphs is a sub-heading, not text
    glued to the paragraph before it."""
    raw = _pdf(
        ("Chapter II", 1, {"blank_before": True}),
        ("Organizational and other matters", 1),
        ("1. The session opened on time.", 1, {"blank_before": True}),
        ("Context", 1, {"blank_before": True}),
        ("2. The context is explained here.", 1, {"blank_before": True}),
    )
    blocks = to_blocks(raw)
    assert [b.text for b in blocks if b.kind == "heading"] == ["Chapter II Organizational and other matters",
                                                               "Context"]
    assert next(b for b in blocks if b.para == "1").text == "The session opened on time."
    assert next(b for b in blocks if b.para == "2").section == ("Chapter II Organizational and other matters",
                                                                "Context")


def test_a_paragraph_does_not_swallow_pages_of_unnumbered_text():
    """This test ensures that unnumbered text running on for pages after the last numbered
    paragraph is not cited under that paragraph's number."""
    rows = [("1. The only numbered paragraph.", 1, {"blank_before": True})]
    rows += [(f"Unnumbered text line on page {p}.", p, {"blank_before": True}) for p in range(1, 7)]
    blocks = to_blocks(_pdf(*rows))
    para = next(b for b in blocks if b.para == "1")
    assert para.page_end <= 3
    assert any(b.kind == "text" and b.page_start == 4 for b in blocks)
