"""Stores of every backend for the contract tests: the embedded store, one PostgreSQL server, and
a coordinator with two shards. Servers start once per test session; every store gets fresh
databases, so tests never see each other's rows."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import pg_servers

_count = itertools.count()


class Servers:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.single = pg_servers.start(base, "single")
        self.coordinator = pg_servers.start(base, "coordinator")
        self.shards = [pg_servers.start(base, f"shard{i}") for i in range(2)]

    def all(self) -> list[pg_servers.Server]:
        return [self.single, self.coordinator, *self.shards]

    def stop(self) -> None:
        for s in self.all():
            s.stop()


def fresh_database(server: pg_servers.Server, name: str) -> str:
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + "/" + name


def backend_settings(kind: str, servers: Servers | None, tmp: Path, **overrides):
    """Settings naming a fresh, empty store of this kind (local files under `tmp`)."""
    from kb.config import Settings

    if kind == "embedded":
        return Settings.load(kb_dir=str(tmp / "kb"), store="", store_shards="", **overrides)
    assert servers is not None
    name = f"kb_test_{next(_count)}"
    if kind == "postgres":
        return Settings.load(kb_dir=str(tmp / "kb"), store=fresh_database(servers.single, name), store_shards="",
                             **overrides)
    shards = ",".join(fresh_database(s, name) for s in servers.shards)
    return Settings.load(kb_dir=str(tmp / "kb"), store=fresh_database(servers.coordinator, name),
                         store_shards=shards, **overrides)


def skip_without_postgres() -> None:
    why = pg_servers.available()
    if why:
        pytest.skip(f"PostgreSQL servers cannot run here: {why}")
