"""`kb serve` through its real HTTP server on 127.0.0.1 (status codes, schema, keys, the CLI's
JSON) and `kb mcp` through the `mcp` client over stdio. Servers are started here and stopped by
their PID."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import sync
from kb.cli.main import main
from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from tests.pdf_factory import make_pdf

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

RO, RW = "reader-key-123", "writer-key-456"
PAPER = ["Water report", "", "1. Acoustic sensors placed on water mains find leaks by their sound.", "",
         "2. Metering every household connection lets utilities charge for the water used."]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    folder = root / "papers"
    folder.mkdir()
    make_pdf(folder / "water.pdf", [PAPER])
    (folder / "tariffs.txt").write_text("Tariffs\n\n1. Flat-rate tariffs give no signal to save water.\n\n"
                                        "2. Block tariffs protect poor households.\n")
    settings = Settings.load(kb_dir=str(root / "kb"), ocr="off")
    sync(folder, settings.kb_path, HashEmbedder(dim=64), settings, progress=False)
    return settings.kb_path


class _Server:
    def __init__(self, kb_dir: Path, *extra: str) -> None:
        self.port = _port()
        env = dict(os.environ, KB_API_KEYS=f"ro:{RO},rw:{RW}", KB_OCR="off")
        self.proc = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_dir), "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port), *extra], env=env, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                if httpx.get(f"{self.url}/health", headers={"X-API-Key": RO}, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError("kb serve did not start")

    def get(self, path: str, key: str | None = RO, **params):
        return httpx.get(self.url + path, params=params, headers={"X-API-Key": key} if key else {}, timeout=30)

    def stop(self) -> None:
        os.kill(self.proc.pid, 15)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, 9)


@pytest.fixture(scope="module")
def server(kb_dir):
    s = _Server(kb_dir, "--max-upload-mb", "0.01")
    yield s
    s.stop()


def test_search_returns_the_clis_json(server, kb_dir, capsys):
    r = server.get("/search", q="acoustic sensors find leaks", k=2)
    assert r.status_code == 200
    assert main(["--kb", str(kb_dir), "search", "acoustic sensors find leaks", "-k", "2", "--json"]) == 0
    assert r.json() == json.loads(capsys.readouterr().out)


def test_ask_quote_check_compare_and_documents(server):
    ask = server.get("/ask", q="How do acoustic sensors find leaks?").json()
    assert {"answer", "answered", "citations", "confidence"} <= ask.keys()
    quotes = server.get("/quote", q="flat-rate tariffs", k=1).json()["quotes"]
    assert quotes and quotes[0]["quote"] in quotes[0]["text"] and quotes[0]["reference"]
    assert "documents" in server.get("/check", q="Flat-rate tariffs give no signal to save water").json()
    assert "rows" in server.get("/compare", q="water tariffs").json()
    docs = server.get("/documents").json()["documents"]
    assert sorted(d["file"] for d in docs) == ["tariffs.txt", "water.pdf"]


def test_passages_and_their_page_image(server):
    hit = server.get("/search", q="acoustic sensors", k=1, doc="water.pdf").json()["hits"][0]
    p = server.get(f"/passages/{hit['passage_id']}").json()
    assert p["reference"] and p["page"] == 1
    img = server.get(f"/passages/{hit['passage_id']}/page.png")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png" and img.content[:4] == b"\x89PNG"


def test_errors_are_json_with_fitting_statuses(server):
    assert server.get("/search", q=" ").status_code == 400
    assert server.get("/search", q="x", k=0).json()["error"].startswith("k=0 is out of range")
    r = server.get("/search", q="x", k="many")
    assert r.status_code == 400 and "k" in r.json()["error"]
    assert server.get("/passages/nope").status_code == 404
    assert server.get("/search", key=None, q="x").status_code == 401
    assert server.get("/search", key="wrong-key-000", q="x").status_code == 401
    r = httpx.delete(f"{server.url}/documents/tariffs.txt", headers={"X-API-Key": RO})
    assert r.status_code == 403 and "read-write key" in r.json()["error"]


def test_a_large_body_is_refused_before_it_is_read(server):
    import http.client

    for key, status in ((None, 401), (RW, 413)):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(300 * 1024 * 1024)}
        if key:
            headers["X-API-Key"] = key
        conn.request("POST", "/documents", body=b"--x\r\n", headers=headers)  # 5 bytes of a 300 MB promise
        r = conn.getresponse()
        assert r.status == status, (key, r.status)
        conn.close()


def test_a_write_without_a_key_gets_401_and_changes_nothing(server):
    before = server.get("/documents").json()
    note = {"files": ("sneaky.txt", b"Sneaky\n\n1. This must not land.\n", "text/plain")}
    assert httpx.post(f"{server.url}/documents", files=note, timeout=30).status_code == 401
    assert httpx.delete(f"{server.url}/documents/tariffs.txt", timeout=30).status_code == 401
    assert server.get("/documents").json() == before


def test_openapi_schema_lists_every_operation(server):
    paths = server.get("/openapi.json", key=None).json()["paths"]
    assert {"/search", "/ask", "/quote", "/check", "/compare", "/documents", "/passages/{passage_id}",
            "/passages/{passage_id}/page.png", "/documents/{doc}"} <= paths.keys()


def test_writes_need_the_read_write_key_and_have_limits(server, kb_dir):
    auth = {"Authorization": f"Bearer {RW}"}
    big = {"files": ("big.txt", b"x " * 20000, "text/plain")}
    assert httpx.post(f"{server.url}/documents", files=big, headers=auth, timeout=30).status_code == 413
    from kb.store.lock import writer_lock

    note = {"files": ("leaks.txt", b"Leaks\n\n1. Night flow shows how much water leaks.\n", "text/plain")}
    with writer_lock(kb_dir):  # a `kb ingest` holding the store
        r = httpx.post(f"{server.url}/documents", files=note, headers=auth, timeout=30)
    assert r.status_code == 409 and "writing to" in r.json()["error"]
    r = httpx.post(f"{server.url}/documents", files=note, headers=auth, timeout=60)
    assert r.status_code == 200 and r.json()["added"] == 1
    files = [d["file"] for d in server.get("/documents").json()["documents"]]
    assert "uploads/leaks.txt" in files and "water.pdf" in files
    assert server.get("/search", q="night flow leaks", k=1).json()["hits"][0]["doc_file"] == "uploads/leaks.txt"
    r = httpx.delete(f"{server.url}/documents/uploads/leaks.txt", headers=auth, timeout=30)
    assert r.status_code == 200
    assert "uploads/leaks.txt" not in [d["file"] for d in server.get("/documents").json()["documents"]]


def test_the_mcp_server_answers_over_stdio_with_references(kb_dir):
    pytest.importorskip("mcp")
    import anyio
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "kb", "--kb", str(kb_dir), "mcp"],
                                   env=dict(os.environ, KB_OCR="off"))

    calls = {"search": {"question": "acoustic sensors find leaks", "k": 1},
             "ask": {"question": "How do acoustic sensors find leaks?"}, "quote": {"topic": "flat-rate tariffs", "k": 1},
             "check": {"claim": "Flat-rate tariffs give no signal to save water"}, "compare": {"topic": "water tariffs"}}

    async def run() -> tuple[set[str], dict]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            out = {}
            for name, arguments in calls.items():
                result = await session.call_tool(name, arguments)
                out[name] = json.loads(result.content[0].text)
            return tools, out

    tools, got = anyio.run(run)
    assert {"search", "ask", "quote", "check", "compare"} <= tools
    hit = got["search"]["hits"][0]
    assert hit["doc_file"] == "water.pdf" and hit["reference"].endswith("para. 1, p. 1.")
    assert got["ask"]["citations"] and all(c["reference"] for c in got["ask"]["citations"])
    assert got["quote"]["quotes"][0]["reference"]
    assert {d["doc_file"] for d in got["check"]["documents"]} == {"water.pdf", "tariffs.txt"}
    assert all(p["reference"] for row in got["compare"]["rows"] for p in row["passages"])
