"""Fault injection: `kb ingest` killed (SIGKILL) right after its k-th commit, or at each atomic
step of the index save, loses nothing: the next run completes the store, and its passages and
vector bytes equal an uninterrupted run's.

The kill is placed exactly (not at a random moment), by a wrapper around the store's transaction
or around `os.replace` in a child process; the product code carries no test hook.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.library.manage import sync_folder
from kb.store.schema import DB_NAME
from kb.store.sqlite import Store

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ("ferry repair docks", "wild bees and orchards", "protected cycle lanes", "export credit for small firms",
          "river water quality", "rural clinics", "solar grids in villages", "port logistics")

CHILD = textwrap.dedent("""
    import os, signal, sys
    from contextlib import contextmanager
    point, n = sys.argv[1], int(sys.argv[2])
    count = [0]
    def hit():
        count[0] += 1
        if count[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
    if point == "commit":
        from kb.store import generations
        inner = generations.Generations.transaction.__wrapped__
        @contextmanager
        def transaction(self):
            with contextmanager(inner)(self):
                yield
            hit()
        generations.Generations.transaction = transaction
    else:  # the n-th atomic rename of the run: index ids, index file, vectors.json, manifest ...
        real = os.replace
        def replace(src, dst, *a, **k):
            real(src, dst, *a, **k)
            hit()
        os.replace = replace
    from kb.cli.main import main
    sys.exit(main(["--kb", sys.argv[3], "ingest", sys.argv[4], "--no-progress"]))
""")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    for i, topic in enumerate(TOPICS):
        paras = [f"{j + 1}. Paper {i} on {topic}: paragraph {j} says that {topic} matter for policy in year {2000 + j}."
                 for j in range(4)]
        (folder / f"paper_{i}.txt").write_text("\n\n".join(paras) + "\n")
    return folder


def _contents(kb_dir: Path) -> dict[str, tuple[str, bytes]]:
    conn = sqlite3.connect(kb_dir / DB_NAME)
    rows = conn.execute("SELECT p.passage_id, p.text, v.vec FROM passages p JOIN vectors v ON v.rowid = p.rowid")
    out = {pid: (text, bytes(vec)) for pid, text, vec in rows}
    conn.close()
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("reference")
    folder = _folder(tmp)
    settings = Settings.load(kb_dir=str(tmp / "kb"))
    sync_folder(folder, settings, HashEmbedder(64))
    return folder, _contents(settings.kb_path)


@pytest.mark.parametrize("point, n", [("commit", 1), ("commit", 4), ("commit", 8),
                                      ("replace", 1), ("replace", 2), ("replace", 3), ("replace", 4)])
def test_a_kill_at_a_chosen_step_loses_nothing(reference, tmp_path, point, n):
    """This test ensures that a SIGKILL right after the n-th commit, or right after the n-th atomic
    rename of the index save, leaves a store that the next ingest completes to exactly the
    passages and vector bytes of an uninterrupted run, with a vector index that agrees with it."""
    folder, want = reference
    kb_dir = tmp_path / "kb"
    env = {**os.environ, "KB_MODEL": "hash-bow-64", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", CHILD, point, str(n), str(kb_dir), str(folder)],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"the child was not killed at {point} {n}: {proc.stderr[-500:]}"
    settings = Settings.load(kb_dir=str(kb_dir))
    report = sync_folder(folder, settings, HashEmbedder(64))
    assert report.skipped == []
    assert _contents(kb_dir) == want
    with Store.open(kb_dir) as store:
        assert store.index.size == len(want)
