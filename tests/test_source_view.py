"""The source view: a passage's PDF page rendered with the passage's lines highlighted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.pipeline import sync
from kb.cli.main import main
from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.errors import NotFoundError
from kb.library.source import locate, source_pages
from kb.store.sqlite import Store
from tests.pdf_factory import make_pdf

pytest.importorskip("pypdfium2")

PAGE1 = ["Fisheries report", "", "1. The committee met in Geneva in March to review the fishing quotas",
         "for the northern waters and the coastal fleets.", "",
         "2. Members agreed that the quotas should be cut by one third over five years."]
PAGE2 = ["3. Ports will report their landings every month to the secretariat.", "",
         "4. A review of the quota system will be held in the year after next."]


@pytest.fixture
def store(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    make_pdf(folder / "fish.pdf", [PAGE1, PAGE2])
    (folder / "notes.txt").write_text("Notes\n\n1. Bees visit apple blossoms early in the morning.\n")
    settings = Settings.load(kb_dir=str(tmp_path / "kb"), ocr="off")
    sync(folder, settings.kb_path, HashEmbedder(dim=64), settings, progress=False)
    return settings


def _passage(settings, para, file="fish.pdf"):
    with Store.open(settings.kb_path) as s:
        return next(p for p in s.passages() if s.document(p.doc_id).file == file and (para is None or p.para == para))


def _word_boxes(pdf: Path, page: int, word: str) -> list[tuple[float, float]]:
    """Centres, in image pixels, of where pdfium itself finds `word` on the page (independent of
    kb's matching)."""
    import pypdfium2

    from kb.library.source import SCALE

    doc = pypdfium2.PdfDocument(str(pdf))
    pg = doc[page - 1]
    tp, height = pg.get_textpage(), pg.get_height()
    search = tp.search(word, match_case=True)
    out = []
    while (hit := search.get_next()) is not None:
        start, count = hit
        left, bottom, right, top = tp.get_charbox(start + count // 2)
        out.append(((left + right) / 2 * SCALE, (height - (top + bottom) / 2) * SCALE))
    doc.close()
    return out


def _inside(point, boxes) -> bool:
    x, y = point
    return any(a <= x <= c and b <= y <= d for a, b, c, d in boxes)


def test_locate_ignores_line_breaks_hyphens_and_ligatures():
    page = "Header\r\nThe com-\r\nmittee met in Geneva to re\ufb01ne the quotas.\r\nNext paragraph."
    [(a, z)] = locate("The committee met in Geneva to refine the quotas.", page)
    assert page[a:z] == "The com-\r\nmittee met in Geneva to re\ufb01ne the quotas"
    assert locate("Nothing of the sort is written anywhere on this page at all.", page) == []


def test_a_passage_is_highlighted_on_its_page_and_the_boxes_cover_its_words(store, tmp_path):
    p = _passage(store, "1")
    [page] = source_pages(p.passage_id, store)
    assert (page.page, page.pages, page.found) == (1, 2, True)
    pdf = tmp_path / "papers" / "fish.pdf"
    for word in ("committee", "Geneva", "fleets"):  # first line, middle, last line of paragraph 1
        found = _word_boxes(pdf, 1, word)
        assert found and all(_inside(c, page.boxes) for c in found), word
    for word in ("Members", "third"):  # paragraph 2 is not highlighted
        found = _word_boxes(pdf, 1, word)
        assert found and not any(_inside(c, page.boxes) for c in found), word
    from PIL import Image

    image = Image.open(io.BytesIO(page.png))
    assert image.size == (page.width, page.height)
    x0, y0, _, y1 = page.boxes[0]
    r, g, b = image.getpixel((x0 + 2, (y0 + y1) // 2))[:3]
    assert b < r and b < g  # the highlight's yellow is there


def test_previous_and_next_pages_and_the_page_cache(store):
    p = _passage(store, "3")
    [page] = source_pages(p.passage_id, store)
    assert page.page == 2 and page.found
    [other] = source_pages(p.passage_id, store, page=1)
    assert other.page == 1 and not other.found and other.boxes == ()
    assert (store.kb_path / "pages" / p.doc_id / "2.png").is_file()
    from kb.library.manage import remove_document

    remove_document("fish.pdf", store)
    assert not (store.kb_path / "pages" / p.doc_id).exists(), "a removed document's page images go too"


def test_a_page_past_the_end_is_a_plain_error(store):
    with pytest.raises(NotFoundError, match="has 2 pages; there is no page 5"):
        source_pages(_passage(store, "3").passage_id, store, page=5)


def test_a_moved_file_and_a_text_file_give_plain_answers(store, tmp_path):
    assert source_pages(_passage(store, None, "notes.txt").passage_id, store) == []
    p = _passage(store, "1")
    original = (tmp_path / "papers" / "fish.pdf").read_bytes()
    make_pdf(tmp_path / "papers" / "fish.pdf", [["Another report", "", "1. Nothing about fish here."]])
    with pytest.raises(NotFoundError, match=r'fish.pdf" has changed since it was ingested'):
        source_pages(p.passage_id, store)  # never another file's page, highlighted or cached
    (tmp_path / "papers" / "fish.pdf").write_bytes(original)
    (tmp_path / "papers" / "fish.pdf").rename(tmp_path / "fish-moved.pdf")
    with pytest.raises(NotFoundError, match=r'source file of "fish.pdf" is not at .*fish.pdf \(moved or deleted\?\)'):
        source_pages(p.passage_id, store)


def test_kb_show_writes_the_highlighted_page(store, tmp_path, capsys):
    p = _passage(store, "2")
    out = tmp_path / "page.png"
    assert main(["--kb", str(store.kb_path), "show", p.passage_id, "--page-image", str(out)]) == 0
    assert f"wrote {out}: fish.pdf, page 1 of 2, passage highlighted" in capsys.readouterr().out
    from PIL import Image

    assert Image.open(out).size[0] > 500
    text_id = _passage(store, None, "notes.txt").passage_id
    assert main(["--kb", str(store.kb_path), "show", text_id, "--page-image", str(out)]) == 1
    assert "comes from a text file, which has no pages" in capsys.readouterr().err


@pytest.mark.integration
def test_on_a_un_pdf_the_highlight_holds_the_paragraphs_first_and_last_sentence(tmp_path):
    """Paragraph 63 of JIU/REP/2025/2 (PDF page 23): pdfium's own search finds its opening and
    closing words inside the highlight, and the next paragraph's opening outside it."""
    import shutil

    from tests.conftest import shared_path

    folder = tmp_path / "papers"
    folder.mkdir()
    pdf = folder / "JIU_REP_2025_2.en.pdf"
    shutil.copy(shared_path("external", "un-documents-2025", "pdfs", pdf.name), pdf)
    settings = Settings.load(kb_dir=str(tmp_path / "kb"), ocr="off")
    sync(folder, settings.kb_path, HashEmbedder(dim=64), settings, progress=False)
    p = _passage(settings, "63", pdf.name)
    [page] = source_pages(p.passage_id, settings)
    assert page.page == 23 and page.page_label == "15"
    for phrase in ("Introduced in 2018", "allegations of SEA"):
        assert any(_inside(c, page.boxes) for c in _word_boxes(pdf, 23, phrase)), phrase
    outside = _word_boxes(pdf, 23, "Despite the importance of ClearCheck")
    assert outside and not any(_inside(c, page.boxes) for c in outside)
