"""Helpers shared by the benchmark scripts: paths, timing, tables, dev-set scoring."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("KB_SHARED", ROOT.parent / "shared")).resolve()
CACHE = Path(os.environ.get("KB_BENCH_CACHE", "/tmp/kb-bench-cache"))


def shared(*parts: str) -> Path:
    """A path under ../shared (or $KB_SHARED); exits with a clear message when absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        sys.exit(f"bench: test data {p} not found; set KB_SHARED to the shared folder")
    return p


def machine() -> str:
    cpus = os.cpu_count() or 0
    return f"{platform.node()} {platform.machine()} {cpus} CPU, Python {platform.python_version()}"


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def latencies_ms(fn: Callable[[str], object], queries: Sequence[str], warmup: int = 3) -> tuple[float, float]:
    """Warm per-query latency: p50 and p95 in milliseconds."""
    for q in queries[:warmup]:
        fn(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table (pastes into docs/benchmarks.md)."""
    def fmt(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])


class CachedEmbedder:
    """Wraps an embedder and remembers each text's vector (on disk too, when `path` is given),
    so several ranking variants in one benchmark embed every query once."""

    def __init__(self, inner, path: Path | None = None) -> None:
        import numpy as np

        self.inner, self.name, self.dim, self.max_tokens = inner, inner.name, inner.dim, inner.max_tokens
        self.path = path
        self.cache: dict[str, object] = {}
        if path is not None and path.exists():
            data = np.load(path, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vecs"]))

    def encode(self, texts, batch_size: int = 32, progress: bool = False):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.encode(missing, batch_size=batch_size)))
            if self.path is not None:
                np.savez(self.path, texts=np.array(list(self.cache)), vecs=np.vstack(list(self.cache.values())))
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
