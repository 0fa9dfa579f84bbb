"""Load test of `kb serve` on localhost: p50 / p95 latency and errors of search and ask at 1, 8
and 32 concurrent clients, without and with an ingest running (uploads of UN PDFs through the
API, one after another, while the queries run). Bounded: N requests per cell and a time cap.

    python bench/bench_serve.py --kb STORE [--requests 48] [--questions ../shared/eval/dev.jsonl]
                                [--upload-dir ../shared/external/un-documents-2025/pdfs]

STORE is copied first (the uploads land in the copy). The server runs with its defaults
(4 worker threads, 60 s limit) on a free port of 127.0.0.1 and is stopped by its PID.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-writer-key-1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cell(url: str, op: str, questions: list[str], clients: int, n: int, cap: float) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, errors, requests done) for n requests at `clients` concurrency."""
    times, errors = [], 0
    end = time.monotonic() + cap
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    client = httpx.Client(headers={"X-API-Key": KEY}, timeout=120, limits=limits)  # keep-alive, as real clients

    def one(i: int) -> float | None:
        if time.monotonic() > end:
            return None
        t = time.perf_counter()
        r = client.get(f"{url}/{op}", params={"q": questions[i % len(questions)]})
        return (time.perf_counter() - t) * 1000 if r.status_code == 200 else -1.0

    with client, ThreadPoolExecutor(clients) as pool:
        for v in pool.map(one, range(n)):
            if v is None:
                continue
            if v < 0:
                errors += 1
            else:
                times.append(v)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
    return (statistics.median(times) if times else float("nan")), p95, errors, len(times) + errors


def _uploader(url: str, files: list[Path], stop: threading.Event, done: list[int]) -> None:
    for f in files:
        if stop.is_set():
            return
        r = httpx.post(f"{url}/documents", files={"files": (f.name, f.read_bytes(), "application/pdf")},
                       headers={"X-API-Key": KEY}, timeout=600)
        done.append(r.status_code)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=Path, required=True)
    ap.add_argument("--requests", type=int, default=48)
    ap.add_argument("--cap", type=float, default=90.0, help="seconds a cell may take")
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--server-args", default="", help="more `kb serve` options, e.g. '--processes 2'")
    ap.add_argument("--upload-dir", type=Path, default=ROOT.parent / "shared" / "external" / "un-documents-2025" / "pdfs")
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8")]
    work = Path(tempfile.mkdtemp(prefix="kb-bench-serve-"))
    store = work / "kb"
    shutil.copytree(args.kb, store)
    port = _port()
    env = dict(os.environ, KB_API_KEYS=f"rw:{KEY}")
    proc = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(store), "serve", "--port", str(port),
                             *args.server_args.split()], env=env,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/health", headers={"X-API-Key": KEY}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        for op in ("search", "ask"):  # warm: the model and the caches
            httpx.get(f"{url}/{op}", params={"q": questions[0]}, headers={"X-API-Key": KEY}, timeout=120)
        print("| load | operation | clients | p50 ms | p95 ms | errors | requests |\n|---|---|---|---|---|---|---|")
        for load in ("idle", "ingest running"):
            stop, done = threading.Event(), []
            uploads = sorted(args.upload_dir.glob("*.pdf"))[:40]
            thread = threading.Thread(target=_uploader, args=(url, uploads, stop, done), daemon=True)
            if load != "idle":
                thread.start()
                time.sleep(2.0)
            for op in ("search", "ask"):
                for clients in (1, 8, 32):
                    p50, p95, errors, n = _cell(url, op, questions, clients, args.requests, args.cap)
                    print(f"| {load} | {op} | {clients} | {p50:.0f} | {p95:.0f} | {errors} | {n} |", flush=True)
            stop.set()
            if load != "idle":
                thread.join(timeout=900)
                print(f"\nuploads during the run: {len(done)} files, statuses {sorted(set(done))}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
