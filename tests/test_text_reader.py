"""Text reader: decoding, markup removal, headings, tables and footnote lines."""

from __future__ import annotations

import pytest

from ingest.text_reader import clean_inline, decode_bytes, parse_markdown, read_text
from kb.errors import EmptyDocumentError
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("**Bold** and *italic* and ***both***", "Bold and italic and both"),
        ("<b>Bold</b> and <i>italic</i> text", "Bold and italic text"),
        ("end of sentence.<sup>12</sup> Next one", "end of sentence. Next one"),
        ("a word<sup>3</sup> in the middle", "a word in the middle"),
        ("reference before a comma<sup>4</sup>, then more", "reference before a comma, then more"),
        ("the 1<sup>st</sup> floor", "the 1st floor"),
        ("a title<sup>\\*</sup>", "a title"),
        ("costs \\$5 and 10 \\* 2", "costs $5 and 10 * 2"),
        ("see [the site](http://example.org) or <http://example.org/x>", "see the site or http://example.org/x"),
        ("file_name_with_underscores stays", "file_name_with_underscores stays"),
        ("AT&amp;T  and   spaces", "AT&T and spaces"),
        ("zero\u200bwidth\ufeff and\u00a0nbsp", "zerowidth and nbsp"),
    ],
)
def test_clean_inline_removes_markup(raw, clean):
    """This test ensures that inline Markdown/HTML markup and footnote references are removed
    without gluing the reference number to a word."""
    assert clean_inline(raw) == clean


def test_headings_get_levels_and_bold_paragraphs_become_headings():
    """This test ensures that `#` headings keep their level and a paragraph that is bold as a
    whole reads as a heading, while a bold word inside text does not."""
    lines = parse_markdown("# Title\n\n### **Sub**\n\n**Whole bold line**\n\nText with **bold** word.\n")
    assert [(ln.text, ln.heading_level > 0) for ln in lines] == [
        ("Title", True),
        ("Sub", True),
        ("Whole bold line", True),
        ("Text with bold word.", False),
    ]
    assert lines[0].heading_level == 1 and lines[1].heading_level == 3


def test_blank_lines_mark_paragraph_breaks():
    """This test ensures that a blank line sets blank_before on the next line and that lines of
    one paragraph do not."""
    lines = parse_markdown("first line\nsecond line\n\nnew paragraph\n")
    assert [ln.blank_before for ln in lines] == [True, False, True]


def test_tables_become_readable_rows():
    """This test ensures that a Markdown table becomes 'cell | cell' rows of kind table with the
    separator row dropped."""
    lines = parse_markdown("| A | **B** |\n|---|:--:|\n| 1 | 2 |\n")
    assert [(ln.text, ln.kind) for ln in lines] == [("A | B", "table"), ("1 | 2", "table")]


def test_footnote_lines_are_marked():
    """This test ensures that superscript-numbered lines and numbered lines under a `---` rule are
    marked as footnotes, and that body text and a numbered paragraph after them are not."""
    text = (
        "4. Body text that runs on\n\n---\n\n<sup>1</sup> A note.\n\n2. Another note (1999).\n\n"
        "continued body text.\n\n5. Next paragraph.\n"
    )
    lines = parse_markdown(text)
    assert [(ln.text, ln.kind) for ln in lines] == [
        ("4. Body text that runs on", ""),
        ("1 A note.", "footnote"),
        ("2. Another note (1999).", "footnote"),
        ("continued body text.", ""),
        ("5. Next paragraph.", ""),
    ]


def test_numbered_paragraph_after_notes_is_not_a_footnote():
    """This test ensures that a numbered paragraph that directly follows a run of notes is body
    text when its number does not continue the note numbering."""
    lines = parse_markdown("---\n\n1. Author (2000).\n\n2. Other (2001).\n\n21. The body goes on here.\n\n"
                           "---\n\n6. A paragraph after a rule.\n")
    assert [ln.kind for ln in lines] == ["footnote", "footnote", "", ""]


def test_bullets_are_normalised():
    """This test ensures that Markdown bullets become a bullet character the structure step can see."""
    lines = parse_markdown("- first item\n* second item\n")
    assert [ln.text for ln in lines] == ["• first item", "• second item"]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("café".encode(), "café"),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "café"),
        ("café “quoted”".encode("cp1252"), "café “quoted”"),
        (b"caf\xe9 \x81", "café \x81"),
    ],
)
def test_decode_falls_back_through_encodings(data, text):
    """This test ensures that UTF-8, UTF-8 with BOM, cp1252 and latin-1 files all decode."""
    assert decode_bytes(data) == text


def test_read_text_fixture_document():
    """This test ensures that a Markdown file reads into clean lines with fmt, no pages and the
    first text in meta."""
    raw = read_text(FIXTURES / "numbered_report.md")
    assert raw.fmt == "markdown" and raw.pages is None
    assert all(ln.page is None for ln in raw.lines)
    assert raw.meta["first_text"].startswith("Regional Office for Lighthouse Studies")
    texts = [ln.text for ln in raw.lines]
    assert not any("<" in t or "**" in t for t in texts), "markup must be gone"
    assert any(ln.kind == "table" for ln in raw.lines)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \n"])
def test_empty_file_raises(tmp_path, content):
    """This test ensures that an empty or whitespace-only file raises EmptyDocumentError naming the file."""
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    with pytest.raises(EmptyDocumentError, match="blank.txt"):
        read_text(path)


def test_setext_headings_and_crlf():
    """This test ensures that underlined (setext) headings are headings, not footnote rules,
    and that Windows line ends are handled."""
    lines = parse_markdown("Title\r\n=====\r\n\r\nSection\r\n-------\r\n\r\nBody text.\r\n")
    assert [(ln.text, ln.heading_level, ln.kind) for ln in lines] == [
        ("Title", 1, ""),
        ("Section", 2, ""),
        ("Body text.", 0, ""),
    ]


def test_code_fences_and_comments():
    """This test ensures that lines inside a fenced code block are plain text (a `#` there is no
    heading) and that HTML comments disappear."""
    lines = parse_markdown("<!-- hidden -->\n```\n# not a heading\n| not | a table |\n```\nText.\n")
    assert [(ln.text, ln.heading_level, ln.kind) for ln in lines] == [
        ("# not a heading", 0, ""),
        ("| not | a table |", 0, ""),
        ("Text.", 0, ""),
    ]


def test_a_lone_section_name_is_a_heading():
    """This test ensures that a one-line paragraph that is just a section name ("Executive
    Summary", "References:") reads as a heading, while other short lines stay text."""
    lines = parse_markdown("Executive Summary\n\nSome text.\n\nSelected References:\n\nShort line\n")
    assert [(ln.text, ln.heading_level > 0) for ln in lines] == [
        ("Executive Summary", True),
        ("Some text.", False),
        ("Selected References:", True),
        ("Short line", False),
    ]
