"""Shared fixtures: the fake embedder, temporary stores, the path to ../shared test data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KB_SHARED", ROOT.parent / "shared")).resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared (or $KB_SHARED); the test is skipped when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"test data {p} not available (set KB_SHARED)")
    return p


@pytest.fixture
def fake_embedder():
    from kb.embed.encoders import HashEmbedder

    return HashEmbedder(dim=64)


@pytest.fixture(scope="session")
def real_embedder():
    from kb.embed.encoders import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def pg(request):
    """Real PostgreSQL servers for the session (one server, a coordinator and two shards), stopped
    by their PID at the end; the tests that use them are skipped where they cannot run."""
    import shutil
    import tempfile

    from backends import Servers, skip_without_postgres

    skip_without_postgres()
    base = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    servers = Servers(base)
    yield servers
    servers.stop()
    shutil.rmtree(base, ignore_errors=True)
