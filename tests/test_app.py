"""The Streamlit app, driven headless with streamlit.testing's AppTest over a small
knowledge base built from our fixture papers with the fake embedder."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, ROOT

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def library_kb(tmp_path_factory):
    """A knowledge base of the two fixture papers, built by the real ingest pipeline."""
    from ingest.pipeline import sync
    from kb.config import Settings
    from kb.embed.encoders import HashEmbedder

    kb_dir = tmp_path_factory.mktemp("kb") / "store"
    sync(FIXTURES / "library", kb_dir, HashEmbedder(64), Settings.load(kb_dir=str(kb_dir)), progress=False)
    return kb_dir


def _app(monkeypatch, kb_dir) -> AppTest:
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("KB_MODEL", "hash-bow-64")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code] + [w.value for w in at.warning]
    parts += [e.label for e in at.expander] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def test_empty_state_says_what_to_do(monkeypatch, tmp_path):
    """This test ensures that a first run with no knowledge base explains how to add papers
    instead of failing."""
    at = _app(monkeypatch, tmp_path / "none")
    assert any("knowledge base is empty" in i.value for i in at.info), [i.value for i in at.info]
    assert any("kb ingest" in i.value for i in at.info)


def test_ask_shows_cited_answer(monkeypatch, library_kb):
    """This test ensures that Ask answers with a marker and a source card whose citation
    carries the paragraph number."""
    at = _app(monkeypatch, library_kb)
    at.chat_input[0].set_value("Should governments build new boatyard clusters from scratch?").run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "[1]" in text, "the answer cites its first source"
    assert "para. 4" in text, "the source card cites the numbered paragraph"
    assert "<mark>" in text, "the supporting sentence is highlighted in its paragraph"


def test_unanswerable_question_is_flagged(monkeypatch, library_kb):
    """This test ensures that a question the papers do not treat gets the honest answer."""
    at = _app(monkeypatch, library_kb)
    at.chat_input[0].set_value("What was the inflation rate of Mars in 2099?").run()
    assert not at.exception, at.exception
    assert any("do not answer" in w.value for w in at.warning), [w.value for w in at.warning]


def test_quote_mode_offers_exports(monkeypatch, library_kb):
    """This test ensures that Quote shows verified quotes with references and offers the four exports."""
    at = _app(monkeypatch, library_kb)
    at.sidebar.radio(key="mode").set_value("Quote").run()
    at.chat_input[0].set_value("testing laboratories for hull safety").run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "Harbour Council (2001)" in text and "para. 3" in text
    assert "hull safety" in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"⬇ Markdown", "⬇ CSV", "⬇ BibTeX", "⬇ RIS"} <= set(labels), labels


def test_crosscheck_mode_gives_verdict_per_document(monkeypatch, library_kb):
    """This test ensures that Cross-check shows an overall verdict and one entry per document."""
    at = _app(monkeypatch, library_kb)
    at.sidebar.radio(key="mode").set_value("Cross-check").run()
    at.chat_input[0].set_value("Governments should build new clusters from scratch.").run()
    assert not at.exception, at.exception
    assert any("Overall:" in m.value for m in at.markdown)
    labels = [e.label for e in at.expander]
    assert any("Harbour towns" in x for x in labels) and any("Orchard" in x for x in labels), labels


def test_compare_mode_has_a_row_per_document(monkeypatch, library_kb):
    """This test ensures that Compare shows each document that treats the topic."""
    at = _app(monkeypatch, library_kb)
    at.sidebar.radio(key="mode").set_value("Compare").run()
    at.chat_input[0].set_value("export standards for small producers").run()
    assert not at.exception, at.exception
    headings = [m.value for m in at.markdown if m.value.startswith("####")]
    assert len(headings) == 2, headings


def test_filters_restrict_sources(monkeypatch, library_kb):
    """This test ensures that the sidebar document filter keeps other documents out of the answer."""
    at = _app(monkeypatch, library_kb)
    from kb.store.sqlite import Store

    orchard = Store.open(library_kb).find_document("orchard_brief.md").doc_id
    at.sidebar.multiselect(key="f-docs").set_value([orchard]).run()
    at.chat_input[0].set_value("standards").run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "Harbour" not in text.split("Sources")[-1], "a filtered-out document is cited"


def test_library_lists_documents(monkeypatch, library_kb):
    """This test ensures that the Library page lists the documents with their metadata."""
    at = _app(monkeypatch, library_kb)
    at.sidebar.radio(key="page").set_value("Library").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert set(df["file"]) == {"harbour_note.md", "orchard_brief.md"}
    assert "HC/BY/7" in set(df["symbol"])


def test_upload_with_a_nul_byte_in_its_name_gives_no_traceback_and_odd_names_are_refused_in_one_line(
        monkeypatch, tmp_path):
    """This test ensures that an upload whose name holds a NUL byte no longer replaces the Library
    page with a StreamlitAPIException (it is ingested under a cleaned name), that a name too long
    keeps its extension, and that a file of another type gets one line naming it and the fix."""
    from kb.store.sqlite import Store

    kb_dir = tmp_path / "store"
    at = _app(monkeypatch, kb_dir)
    at.sidebar.radio(key="page").set_value("Library").run()
    text = (FIXTURES / "library" / "orchard_brief.md").read_bytes()
    at.file_uploader[0].set_value([("orch\x00ard.md", text, "text/markdown"),
                                   ("b" * 200 + ".md", text + b"\n\nA second copy.", "text/markdown"),
                                   ("slides.pptx", b"PK\x03\x04", "application/octet-stream")]).run()
    assert not at.exception, at.exception
    at.button[0].click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "slides.pptx" in errors[0] and "convert it" in errors[0], errors
    with Store.open(kb_dir) as store:
        files = sorted(d.file for d in store.documents())
    assert len(files) == 2 and all(f.endswith(".md") and "\x00" not in f for f in files), files
    assert any("orch_ard.md" in f for f in files), files


def test_sidebar_counts_follow_the_store_not_the_first_load(monkeypatch, tmp_path):
    """This test ensures that the sidebar's "N documents, M passages" is read from the store on
    every run, so a paper added elsewhere (another tab's upload, `kb ingest`) shows at once
    instead of the counts of the first load."""
    import shutil

    from kb.config import Settings
    from kb.library.manage import add_files

    src = FIXTURES / "library"
    kb_dir = tmp_path / "store"
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(src / "orchard_brief.md", folder / "orchard_brief.md")
    from ingest.pipeline import sync
    from kb.embed.encoders import HashEmbedder

    sync(folder, kb_dir, HashEmbedder(64), Settings.load(kb_dir=str(kb_dir)), progress=False)
    at = _app(monkeypatch, kb_dir)
    assert "1 document," in _text(at)
    add_files([("harbour_note.md", (src / "harbour_note.md").read_bytes())], Settings.load(kb_dir=str(kb_dir)),
              embedder=HashEmbedder(64))
    at.run()
    assert not at.exception, at.exception
    assert "2 documents," in _text(at), _text(at)


def _fresh_library(tmp_path):
    """A store of the two fixture papers of its own (these tests change it)."""
    from ingest.pipeline import sync
    from kb.config import Settings
    from kb.embed.encoders import HashEmbedder

    kb_dir = tmp_path / "store"
    sync(FIXTURES / "library", kb_dir, HashEmbedder(64), Settings.load(kb_dir=str(kb_dir)), progress=False)
    return kb_dir


def test_remove_needs_a_chosen_document_and_a_confirmation_and_says_what_it_did(monkeypatch, tmp_path):
    """This test ensures that the Library's Remove does nothing in one click: no document is
    preselected, the button stays disabled until the removal is confirmed, and the message naming
    the removed paper is still there after the page reloads."""
    from kb.store.sqlite import Store

    kb_dir = _fresh_library(tmp_path)
    at = _app(monkeypatch, kb_dir)
    at.sidebar.radio(key="page").set_value("Library").run()
    assert at.selectbox(key="remove-doc").value is None
    assert not [b for b in at.button if b.label == "Remove from the knowledge base"]
    with Store.open(kb_dir) as store:
        victim = store.find_document("orchard_brief.md").doc_id
    at.selectbox(key="remove-doc").set_value(victim).run()
    remove = next(b for b in at.button if b.label == "Remove from the knowledge base")
    assert remove.disabled
    at.checkbox(key=f"remove-sure-{victim}").check().run()
    next(b for b in at.button if b.label == "Remove from the knowledge base").click().run()
    assert not at.exception, at.exception
    assert any("Removed" in s.value and "orchard_brief.md" in s.value for s in at.success), [s.value for s in at.success]
    with Store.open(kb_dir) as store:
        assert {d.file for d in store.documents()} == {"harbour_note.md"}


def test_a_bad_upload_shows_its_reason_and_leaves_nothing_in_uploads(monkeypatch, tmp_path):
    """This test ensures that a broken 6-byte PDF and a .docx each get a line naming the file and
    the fix after the ingest (not only a count of skipped files), that the broken PDF is not kept
    in uploads/, and that the good file is ingested."""
    kb_dir = _fresh_library(tmp_path)
    at = _app(monkeypatch, kb_dir)
    at.sidebar.radio(key="page").set_value("Library").run()
    at.file_uploader[0].set_value([("tiny.pdf", b"%PDF-1", "application/pdf"),
                                   ("notes.docx", b"PK\x03\x04", "application/octet-stream"),
                                   ("ferries.md", b"# Ferries\n\n1. Ferries sail daily.\n", "text/markdown")]).run()
    next(b for b in at.button if b.label == "Ingest uploaded files").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("tiny.pdf" in e and "not a readable PDF" in e for e in errors), errors
    assert any("notes.docx" in e and "convert it" in e for e in errors), errors
    assert any("1 added" in s.value for s in at.success)
    assert sorted(p.name for p in (kb_dir / "uploads").iterdir()) == ["ferries.md"]


def test_quote_card_shows_the_reference_once_and_the_library_no_none_pages(monkeypatch, library_kb):
    """This test ensures that a verified quote's card gives its reference once (not again in the
    paragraph card under it), and that text files show "—" pages in the Library, not "None"."""
    at = _app(monkeypatch, library_kb)
    at.sidebar.radio(key="mode").set_value("Quote").run()
    at.chat_input[0].set_value("boatyard clusters").run()
    assert not at.exception, at.exception
    codes = [c.value for c in at.code]
    assert codes, "a quote was found"
    reference = codes[0].rsplit("” ", 1)[-1]
    assert sum(reference in c for c in codes) == 1, codes
    at.sidebar.radio(key="page").set_value("Library").run()
    pages = list(at.dataframe[0].value["pages"])
    assert pages and all(p == "—" for p in pages), pages
