"""kill -9 at any moment of `kb ingest` leaves a knowledge base that opens, searches and is
consistent, and the next run completes the work."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.embed.encoders import HashEmbedder
from kb.store.schema import MANIFEST
from kb.store.sqlite import Store

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("tariff", "export", "cluster", "supplier", "credit", "wage", "skill", "port", "quota", "forest", "carbon",
         "water", "school", "clinic", "road", "grid", "solar", "loan", "bank", "trade", "value", "chain", "market",
         "policy", "reform", "labour", "union", "farm", "crop")
N_FILES = 400


def _make_folder(folder: Path) -> None:
    rng = random.Random(7)
    folder.mkdir()
    for i in range(N_FILES):
        paras = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))) + f" file{i}para{j}."
                 for j in range(rng.randint(2, 6))]
        (folder / f"paper_{i:03d}.txt").write_text(f"Paper {i}\n\n" + "\n\n".join(paras) + "\n")


def _start(folder: Path, kb: Path) -> subprocess.Popen:
    env = {**os.environ, "KB_MODEL": "hash-bow-64"}
    return subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb), "ingest", str(folder), "--no-progress"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _alive_with(marker: str) -> list[int]:
    """Pids of processes whose command line mentions `marker` (Linux /proc)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker in (d / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(d.name))
            except OSError:
                continue
    return pids


def check_consistent(kb: Path) -> int:
    """Assert the store at `kb` is whole; return its document count."""
    if not (kb / MANIFEST).exists():
        return 0  # killed before the store was created: nothing to check
    with Store.open(kb) as store:
        c = store.conn
        n_pass = c.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        assert c.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == n_pass, "one vector per passage"
        assert c.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0] == n_pass, "one FTS row per passage"
        assert c.execute("SELECT COUNT(*) FROM passages p LEFT JOIN vectors v ON v.rowid = p.rowid "
                         "WHERE v.rowid IS NULL").fetchone()[0] == 0
        assert c.execute("SELECT COUNT(*) FROM passages WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
                         ).fetchone()[0] == 0, "no passage without its document"
        assert c.execute("SELECT COUNT(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM files)"
                         ).fetchone()[0] == 0, "every document is held by a file"
        assert c.execute("SELECT COUNT(*) FROM documents d WHERE NOT EXISTS "
                         "(SELECT 1 FROM passages p WHERE p.doc_id = d.doc_id)").fetchone()[0] == 0, \
            "no document without passages (a half-written document)"
        n_docs = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        assert (store.manifest["documents"], store.manifest["passages"]) == (n_docs, n_pass)
        assert store.index.size == n_pass, "the vector index matches the database"
        if n_pass:
            assert store.keyword_search(["tariff"], 5), "keyword search works"
            dim = int(store.manifest["dim"])
            query = HashEmbedder(dim).encode(["tariff export cluster"])[0]
            ids, _ = store.index.search(query, 5)
            assert len(ids) > 0, "vector search works"
        return n_docs


@pytest.mark.skipif(not Path("/proc").exists() or sys.platform != "linux", reason="uses kill -9 and /proc")
def test_kill_9_at_any_moment_leaves_a_consistent_store(tmp_path):
    """This test ensures that killing `kb ingest` with SIGKILL at several moments never damages the
    knowledge base, leaves no worker behind, and a re-run completes every document."""
    folder = tmp_path / "papers"
    _make_folder(folder)
    t0 = time.monotonic()
    full = _start(folder, tmp_path / "timing-kb")
    assert full.wait(timeout=300) == 0, full.stderr.read().decode()
    duration = time.monotonic() - t0
    kb = tmp_path / "kb"
    seen = []
    for fraction in (0.2, 0.35, 0.5, 0.65, 0.8):
        proc = _start(folder, kb)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        for _ in range(50):  # workers die with their parent
            if not _alive_with(str(folder)):
                break
            time.sleep(0.1)
        assert not _alive_with(str(folder)), "no orphan worker keeps running"
        seen.append(check_consistent(kb))
    assert seen == sorted(seen), f"work done before a kill is kept: {seen}"
    done = _start(folder, kb)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()
    assert check_consistent(kb) == N_FILES
    again = _start(folder, kb)
    out, _ = again.communicate(timeout=300)
    assert f"{N_FILES} unchanged" in out.decode() and "0 passages written" in out.decode()


@pytest.mark.skipif(sys.platform != "linux", reason="uses signals and /proc")
def test_ctrl_c_stops_cleanly(tmp_path):
    """This test ensures that Ctrl-C (SIGINT) stops an ingest with exit code 130 and one line, keeps
    the documents already written and leaves no worker behind."""
    folder = tmp_path / "papers"
    _make_folder(folder)
    kb = tmp_path / "kb"
    proc = _start(folder, kb)
    deadline = time.monotonic() + 60
    while not (kb / "kb.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the ingest finished before the signal arrived")
    assert proc.returncode == 130 and "interrupted" in err.decode(), err.decode()
    assert "Traceback" not in err.decode()
    time.sleep(0.5)
    assert not _alive_with(str(folder))
    check_consistent(kb)
