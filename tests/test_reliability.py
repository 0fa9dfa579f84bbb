"""Faults found by the reliability campaign (issue 14): nothing lost, nothing escapes, no traceback.

Each test reproduces one finding on a tiny store made with the fake embedder.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli.batch import read_batch
from kb.cli.main import main
from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.errors import KBError, QueryError, StoreError
from kb.library.manage import add_files, remove_document, sync_folder
from kb.search.knowledge_base import KnowledgeBase
from kb.store.generations import remove_stale_temp_files
from kb.store.lock import writer_lock
from kb.store.schema import DB_NAME, MANIFEST
from kb.store.sqlite import Store

PAPERS = {
    "ferries.txt": "1. Ferry operators share a repair dock to cut costs.\n\n2. The dock opens at dawn for repairs.\n",
    "bees.txt": "1. Wild bees pollinate orchards near the river.\n\n2. Hedges give bees shelter in winter.\n",
    "cycling.txt": "1. Protected lanes reduce cyclist injuries in cities.\n\n2. Parking near stations helps riders.\n",
}


@pytest.fixture
def store_dir(tmp_path: Path) -> tuple[Path, Settings]:
    folder = tmp_path / "papers"
    folder.mkdir()
    for name, text in PAPERS.items():
        (folder / name).write_text(text)
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    sync_folder(folder, settings, HashEmbedder(64))
    return folder, settings


def _cli(*argv: str) -> int:
    return main(list(argv))


# ---------------------------------------------------------------- integrity
def test_remove_waits_for_the_writer_lock(store_dir):
    """This test ensures that removing a document while another process writes (an ingest holds
    the lock) is refused with a one-line error, and the document stays."""
    _, settings = store_dir
    with writer_lock(settings.kb_path), pytest.raises(StoreError, match="is writing to"):
        remove_document("bees.txt", settings)
    with Store.open(settings.kb_path) as store:
        assert any(d.file == "bees.txt" for d in store.documents())


def test_cli_remove_takes_the_writer_lock(store_dir, capsys):
    """This test ensures that `kb remove` takes the writer lock too."""
    _, settings = store_dir
    with writer_lock(settings.kb_path):
        assert _cli("--kb", str(settings.kb_path), "remove", "bees.txt") == 1
    assert "is writing to" in capsys.readouterr().err


def test_an_index_loaded_before_another_writer_is_never_saved_as_current(store_dir):
    """This test ensures that a process whose vector index was loaded before another process
    changed the store (the campaign's `kb ingest & kb remove`) does not save that stale index
    under the new generation: the next reader finds exactly the database's vectors."""
    _, settings = store_dir
    emb = HashEmbedder(64)
    a = Store.open(settings.kb_path)
    _ = a.index  # the ingest's in-memory index, with every document
    with Store.open(settings.kb_path) as b:  # another process removes a document
        doc = b.find_document("bees.txt")
        with b.transaction():
            b.remove_document(doc.doc_id)
    with a.transaction():  # the ingest commits its next change afterwards
        a.set_meta("note", "x")
    a.save()
    a.close()
    with Store.open(settings.kb_path) as c:
        stored = c.conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        assert c.index.size == stored
        kbase = KnowledgeBase(c, settings, embedder=emb)
        assert all(h.document.file != "bees.txt" for h in kbase.search("wild bees orchards", k=10))


def test_an_index_file_that_disagrees_with_the_database_is_rebuilt(store_dir):
    """This test ensures that a reader that finds the FAISS file's count unlike the database's
    rebuilds the index instead of serving vectors of passages that are gone."""
    _, settings = store_dir
    with Store.open(settings.kb_path) as s:
        _ = s.index
        s.save()
        total = s.index.size
    conn = sqlite3.connect(settings.kb_path / DB_NAME)  # vectors lost behind the index's back
    conn.execute("DELETE FROM vectors WHERE rowid = (SELECT MIN(rowid) FROM vectors)")
    conn.commit()
    conn.close()
    with Store.open(settings.kb_path) as s:
        assert s.index.size == total - 1


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_a_lost_database_is_reported_not_recreated_empty(store_dir, damage):
    """This test ensures that a store whose manifest records documents but whose kb.sqlite is gone
    or empty says it is damaged and how to rebuild, instead of starting afresh."""
    folder, settings = store_dir
    db = settings.kb_path / DB_NAME
    for f in settings.kb_path.glob(DB_NAME + "-*"):  # WAL and shared-memory files
        f.unlink()
    if damage == "delete":
        db.unlink()
    else:
        db.write_bytes(b"")
    with pytest.raises(StoreError, match="damaged.*manifest records 3 documents"):
        Store.open(settings.kb_path)
    with pytest.raises(StoreError, match="damaged"):
        sync_folder(folder, settings, HashEmbedder(64))


def test_damaged_database_bytes_are_a_one_line_error(store_dir, capsys):
    """This test ensures that a kb.sqlite of random bytes gives a one-line error from the CLI."""
    _, settings = store_dir
    for f in settings.kb_path.glob(DB_NAME + "*"):
        f.unlink()
    (settings.kb_path / DB_NAME).write_bytes(os.urandom(8192))
    assert _cli("--kb", str(settings.kb_path), "docs") == 1
    err = capsys.readouterr().err
    assert err.startswith("kb: error:") and "damaged" in err and err.count("\n") == 1


@pytest.mark.parametrize("manifest, problem", [
    ([1, 2], "JSON object"),
    (None, "JSON object"),
    ({"schema_version": None}, "no model name"),
    ({"model": "hash-bow-64"}, "dim None"),
    ({"model": "hash-bow-64", "dim": "abc"}, "dim 'abc'"),
])
def test_damaged_manifest_fields_are_one_line_errors(store_dir, manifest, problem):
    """This test ensures that a manifest that is not an object, or lacks a model or a whole-number
    dim, is reported as damaged with the rebuild command, not as a KeyError or AttributeError."""
    _, settings = store_dir
    (settings.kb_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=f"damaged .*{problem}"):
        Store.open(settings.kb_path)


def test_a_manifest_dim_unlike_the_vectors_is_reported(store_dir):
    """This test ensures that a manifest whose dim disagrees with the stored vectors is an error
    at open, not a reshape ValueError in the middle of a search."""
    _, settings = store_dir
    path = settings.kb_path / MANIFEST
    m = json.loads(path.read_text())
    m["dim"] = 384
    path.write_text(json.dumps(m))
    with pytest.raises(StoreError, match="stored vectors have 64 dimensions"):
        Store.open(settings.kb_path)


def test_temporary_files_of_a_killed_save_are_removed(store_dir):
    """This test ensures that the temporary files a save killed half-way leaves behind are removed
    by the next save, while those of a save still running (a live process) stay."""
    _, settings = store_dir
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    names = [f"vectors-7.faiss.{dead}.tmp", f"vectors-7.faiss.ids.npy.{dead}.tmp.npy", f"vectors.json.{dead}.tmp"]
    for n in names:
        (settings.kb_path / n).write_bytes(b"x" * 100)
    live = settings.kb_path / f"vectors.json.{os.getppid()}.tmp"
    live.write_bytes(b"x")
    with Store.open(settings.kb_path) as s:
        _ = s.index
        s.save()
    assert not any((settings.kb_path / n).exists() for n in names)
    assert live.exists(), "a live process's temporary file is left alone"
    assert remove_stale_temp_files(settings.kb_path) == []


# ---------------------------------------------------------------- escapes
def test_remove_never_deletes_outside_the_uploads_folder(store_dir, tmp_path):
    """This test ensures that a stored name like `uploads/../../victim.txt` cannot make Remove delete
    a file outside the uploads folder."""
    _, settings = store_dir
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with Store.open(settings.kb_path) as s, s.transaction():
        doc = s.find_document("bees.txt")
        s.conn.execute("UPDATE documents SET file=? WHERE doc_id=?", ("uploads/../../victim.txt", doc.doc_id))
        s.conn.execute("UPDATE files SET file=? WHERE doc_id=?", ("uploads/../../victim.txt", doc.doc_id))
    remove_document(doc.doc_id, settings)
    assert victim.read_text() == "keep me"


def test_remove_deletes_only_real_uploads(tmp_path):
    """This test ensures that Remove deletes an uploaded file, but not a file of the user's folder
    that merely sits in an `uploads/` sub-folder of it."""
    folder = tmp_path / "papers"
    (folder / "uploads").mkdir(parents=True)
    (folder / "uploads" / "mine.txt").write_text(PAPERS["bees.txt"])
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    emb = HashEmbedder(64)
    sync_folder(folder, settings, emb)
    add_files([("ferry.txt", PAPERS["ferries.txt"].encode())], settings, emb)
    remove_document("uploads/mine.txt", settings)
    assert (folder / "uploads" / "mine.txt").exists(), "the user's own file is never deleted"
    remove_document("uploads/ferry.txt", settings)
    assert not (settings.kb_path / "uploads" / "ferry.txt").exists()


def test_links_out_of_the_folder_and_special_files_are_skipped(tmp_path):
    """This test ensures that a symlink to a file outside the folder is not read (its text would
    become searchable), a FIFO does not hang the ingest, a link inside the folder is read, and
    each skipped entry is reported with its reason."""
    secret = tmp_path / "secret.txt"
    secret.write_text("1. The secret password is swordfish and nobody else knows it.\n")
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "bees.txt").write_text(PAPERS["bees.txt"])
    (folder / "out.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "bees.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    report = sync_folder(folder, settings, HashEmbedder(64))
    reasons = dict(report.skipped)
    assert "outside the folder" in reasons["out.txt"]
    assert "not a regular file" in reasons["pipe.txt"]
    assert "outside the folder" in reasons["zero.txt"]
    with Store.open(settings.kb_path) as s:
        assert not any("swordfish" in p.text for p in s.passages())
        assert {d.file for d in s.documents()} == {"bees.txt"}  # inside.txt: same bytes, an alias


def test_a_file_name_that_is_not_utf8_is_one_skipped_file(tmp_path):
    """This test ensures that one file whose name is not valid UTF-8 is skipped with its reason and
    the rest of the folder is ingested (it aborted the whole ingest before)."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "bees.txt").write_text(PAPERS["bees.txt"])
    bad = os.fsencode(str(folder)) + b"/bad\xff\xfename.txt"
    with open(bad, "wb") as fh:
        fh.write(PAPERS["ferries.txt"].encode())
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    report = sync_folder(folder, settings, HashEmbedder(64))
    assert report.added == 1
    (name, reason), = report.skipped
    assert name == "bad\\xff\\xfename.txt" and "not valid UTF-8" in reason


# ---------------------------------------------------------------- one-line errors
def test_a_lone_surrogate_in_a_query_is_searched_around(store_dir):
    """This test ensures that undecodable bytes in a query (lone surrogates) are blanked, not a
    TypeError from the tokenizer, in search and in every answer mode."""
    import kb

    _, settings = store_dir
    with KnowledgeBase.open(settings.kb_path, settings) as kbase:
        assert kbase.search("wild \udcff\udcfe bees", k=3)
        assert kb.ask(kbase, "Do \ud800 bees pollinate orchards?").question
        kb.find_quotes(kbase, "bees \udcff orchards")
        kb.check_claim(kbase, "Bees \ud800 pollinate orchards.")
        kb.compare_documents(kbase, "bees \udcff")


@pytest.mark.parametrize("k", [2.5, "5", None, True])
def test_search_k_must_be_a_whole_number(store_dir, k):
    """This test ensures that a k that is not a whole number is a QueryError naming it."""
    _, settings = store_dir
    with KnowledgeBase.open(settings.kb_path, settings) as kbase, pytest.raises(QueryError, match="k="):
        kbase.search("bees", k=k)


@pytest.mark.parametrize("topic", [None, 5, ""])
def test_answer_modes_refuse_a_topic_that_is_not_text(store_dir, topic):
    """This test ensures that compare, quote, check and ask given None, a number or nothing raise a
    QueryError, not an AttributeError."""
    import kb

    _, settings = store_dir
    with KnowledgeBase.open(settings.kb_path, settings) as kbase:
        for fn in (kb.compare_documents, kb.find_quotes, kb.check_claim, kb.ask):
            with pytest.raises(QueryError):
                fn(kbase, topic)


def test_cli_k_zero_is_refused(store_dir, capsys):
    """This test ensures that `kb search -k 0` is refused, not read as the default of 10."""
    _, settings = store_dir
    assert _cli("--kb", str(settings.kb_path), "search", "bees", "-k", "0") == 1
    assert "asks for no results" in capsys.readouterr().err


def test_batch_files_with_a_bom_or_deep_nesting(tmp_path):
    """This test ensures that a batch file saved with a UTF-8 byte-order mark is read, and a line
    nested 100,000 deep is a KBError naming the line, not a RecursionError."""
    good = tmp_path / "bom.jsonl"
    good.write_bytes('\ufeff{"id": "q1", "question": "bees?"}\n'.encode())
    assert read_batch(good) == [("q1", "bees?")]
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"id": "q1", "question": "bees?"}\n' + "[" * 100_000 + "\n")
    with pytest.raises(KBError, match=r"deep.jsonl:2: .*nested too deeply"):
        read_batch(deep)


# ---------------------------------------------------------------- what a text file holds
def test_utf16_text_is_decoded_with_or_without_a_bom(tmp_path):
    """This test ensures that UTF-16 text (as Windows tools save it) is read as text, not as cp1252
    with a NUL between letters."""
    from ingest.text_reader import decode_bytes

    text = "1. Clusters help small firms upgrade: été, 2024.\n"
    assert decode_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == text
    assert decode_bytes(text.encode("utf-16-le")) == text
    assert decode_bytes(text.encode("utf-16-be")) == text


def test_binary_data_renamed_txt_is_skipped(tmp_path):
    """This test ensures that random bytes or a program renamed .txt are skipped with a reason,
    not ingested as thousands of garbage passages, and the other files go on."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "bees.txt").write_text(PAPERS["bees.txt"])
    (folder / "random.txt").write_bytes(os.urandom(200_000))
    (folder / "ls.txt").write_bytes(Path(sys.executable).resolve().read_bytes()[:300_000])
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    report = sync_folder(folder, settings, HashEmbedder(64))
    reasons = dict(report.skipped)
    assert report.added == 1
    assert "binary data" in reasons["random.txt"] and "binary data" in reasons["ls.txt"]


def test_a_huge_text_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """This test ensures that a text file over the size limit is skipped with its size and the fix,
    before its bytes are read (a 200 MB file reached 2.5 GB in the reader)."""
    from ingest import text_reader

    monkeypatch.setattr(text_reader, "MAX_TEXT_BYTES", 1024 * 1024)
    big = tmp_path / "big.txt"
    big.write_text("1. Ferries. " * 200_000)
    with pytest.raises(KBError, match=r"over the 1 MB limit.*split it"):
        text_reader.read_text(big)


def _planted_model(tmp_path, monkeypatch):
    """A model folder planted beside the store, and the list that records any model load."""
    from kb.embed import encoders

    loads: list = []
    monkeypatch.setattr(encoders.SentenceTransformerEmbedder, "__init__", lambda self, *a, **k: loads.append(a))
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "model.safetensors").write_bytes(b"not the weights the store was built with")
    return loads, planted


def test_a_manifest_never_makes_kb_load_other_weights(store_dir, tmp_path, monkeypatch):
    """This test ensures that the model a store's manifest names is checked against its fingerprint
    before anything is loaded, and a name that is no local folder fails at once (no model hub)."""
    _, settings = store_dir
    loads, planted = _planted_model(tmp_path, monkeypatch)
    path = settings.kb_path / MANIFEST
    for model in (f"{planted}@0123456789ab", "someone/hub-model@0123456789ab"):
        m = json.loads(path.read_text())
        m["model"] = model
        path.write_text(json.dumps(m))
        configured = Settings.load(kb_dir=str(settings.kb_path), model=model.split("@")[0])
        refused = "not the one this knowledge base was built with|not a folder on this machine"
        with KnowledgeBase.open(settings.kb_path, configured) as kbase, pytest.raises(KBError, match=refused):
            kbase.search("bees")
    assert loads == [], "no model was loaded"


def test_ingest_and_upload_check_the_manifest_model_before_loading(store_dir, tmp_path, monkeypatch, capsys):
    """This test ensures that `kb ingest` into an existing store and a Library upload check the
    model the manifest names against its fingerprint before any weights are loaded, and say so in
    one line."""
    folder, settings = store_dir
    loads, planted = _planted_model(tmp_path, monkeypatch)
    path = settings.kb_path / MANIFEST
    m = json.loads(path.read_text())
    m["model"] = f"{planted}@0123456789ab"
    path.write_text(json.dumps(m))
    (folder / "orchards.txt").write_text("1. Orchards need bees in spring.\n\n2. Frost hurts blossoms.\n")
    monkeypatch.delenv("KB_MODEL", raising=False)
    assert _cli("ingest", str(folder), "--kb", str(settings.kb_path), "--no-progress") != 0
    err = capsys.readouterr().err
    assert "not the one this knowledge base was built with" in err and "Traceback" not in err
    with pytest.raises(KBError, match="not the one this knowledge base was built with"):
        add_files([("orchards.txt", b"1. Orchards need bees in spring.")], settings)
    assert loads == [], "no model was loaded"
    with Store.open(settings.kb_path) as store:
        assert {d.file for d in store.documents()} == set(PAPERS), "nothing indexed was lost"


def test_upload_names_keep_their_type_and_never_replace_another_paper(tmp_path):
    """This test ensures that a long upload name is cut before its extension (it was cut to 120
    characters and then refused as the wrong type), a NUL byte never reaches a file name, and a
    second, different upload of the same name is kept beside the first, not over it."""
    from kb.library.manage import safe_upload_name

    long = "a" * 200 + ".txt"
    assert safe_upload_name(long).endswith(".txt") and len(safe_upload_name(long)) == 120
    assert "\x00" not in safe_upload_name("bad\x00name.txt")
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    emb = HashEmbedder(64)
    add_files([(long, PAPERS["bees.txt"].encode())], settings, emb)
    add_files([("note.txt", PAPERS["bees.txt"].encode())], settings, emb)
    add_files([("note.txt", PAPERS["ferries.txt"].encode())], settings, emb)
    uploads = settings.kb_path / "uploads"
    assert (uploads / "note.txt").read_text() == PAPERS["bees.txt"]
    assert (uploads / "note (2).txt").read_text() == PAPERS["ferries.txt"]
    with Store.open(settings.kb_path) as s:
        assert {"uploads/note.txt", "uploads/note (2).txt"} <= {f for f in s.files()} | {d.file for d in s.documents()}
