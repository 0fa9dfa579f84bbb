"""End to end in a real headless Chromium: start `streamlit run app.py` on localhost, use the
app as a person would, and save screenshots as test artifacts (artifacts/ or $KB_ARTIFACTS).

Needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver) and
selenium; skipped where they are absent.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, shared_path

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KB_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("KB_ARTIFACTS", ROOT / "artifacts"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                       reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """A streamlit server on localhost and a headless Chromium looking at it."""

    def __init__(self, kb_dir: Path, env: dict[str, str]) -> None:
        webdriver = pytest.importorskip("selenium.webdriver")
        from selenium.webdriver.chrome.service import Service

        self.port = _free_port()
        full_env = {**os.environ, "KB_DIR": str(kb_dir), **env}
        self.log = open(ARTIFACTS / f"streamlit-{self.port}.log", "w")  # noqa: SIM115  (closed in close())
        self.server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_healthy()
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1400,1800"):
            opts.add_argument(flag)
        opts.add_argument(f"--user-data-dir={ARTIFACTS / f'chrome-{self.port}'}")
        self.driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
        self.driver.get(f"http://127.0.0.1:{self.port}/")

    def _wait_healthy(self, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.server.poll() is not None:
                raise RuntimeError(f"streamlit exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError("streamlit did not start")

    def page_text(self) -> str:
        return self.driver.find_element("tag name", "body").text

    def wait_for(self, predicate, timeout: float = 120, what: str = "") -> None:
        from selenium.common.exceptions import WebDriverException

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if predicate(self.page_text()):
                    self._settle(end)
                    return
            except WebDriverException:  # the DOM changes under us while Streamlit reruns
                time.sleep(0.2)
            time.sleep(0.5)
        self.shot("timeout")
        raise AssertionError(f"timed out waiting for {what}; page text ends:\n{self.page_text()[-3000:]}")

    def _settle(self, end: float) -> None:
        """Wait until Streamlit's 'Running…' status is gone, so reads and screenshots see a
        finished page."""
        while time.monotonic() < end and self.driver.find_elements("css selector", "[data-testid='stStatusWidget']"):
            time.sleep(0.3)
        time.sleep(0.5)

    def choose_mode(self, mode: str) -> None:
        """Click a sidebar radio option (a mode, or the Chat/Library page)."""
        self.element(
            "xpath", f"//section[@data-testid='stSidebar']//label[.//p[normalize-space(text())='{mode}']]").click()
        time.sleep(1.0)
        self._settle(time.monotonic() + 120)  # the rerun re-renders the chat input; typing waits for it

    def element(self, by: str, value: str, timeout: float = 120):
        """The element once it is on the page (Streamlit renders in steps)."""
        from selenium.common.exceptions import WebDriverException

        end = time.monotonic() + timeout
        while True:
            try:
                return self.driver.find_element(by, value)
            except WebDriverException:
                if time.monotonic() > end:
                    self.shot("missing-element")
                    raise
                time.sleep(0.5)

    def ask(self, text: str, placeholder: str = "") -> None:
        """Type into the chat input and send; retried when a Streamlit rerun swallowed the keys
        (the question must show up as the user's message)."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.keys import Keys

        css = "textarea[data-testid='stChatInputTextArea']"
        for _ in range(4):
            try:
                box = self.element("css selector", css)
                if placeholder and placeholder not in (box.get_attribute("placeholder") or ""):
                    time.sleep(1.0)  # the input of the previous mode is still on the page
                    continue
                box.click()
                box.send_keys(text)
                box.send_keys(Keys.ENTER)
            except WebDriverException:
                time.sleep(1.0)
                continue
            end = time.monotonic() + 20
            while time.monotonic() < end:
                if text[:40] in self.page_text():
                    return
                time.sleep(0.5)
        raise AssertionError(f"could not send {text!r} through the chat input")

    def shot(self, name: str) -> Path:
        """A screenshot with the latest question at the top of the view (as a person reads it)."""
        messages = self.driver.find_elements("css selector", "[data-testid='stChatMessage']")
        if len(messages) >= 2:
            self.driver.execute_script("arguments[0].scrollIntoView(true);", messages[-2])
            time.sleep(0.3)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.log.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _build(folder: Path, kb_dir: Path, model: str) -> None:
    env = {**os.environ, "KB_MODEL": model}
    subprocess.run([sys.executable, "-m", "kb", "--kb", str(kb_dir), "ingest", str(folder), "--no-progress"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)


def test_ask_shows_citation_with_paragraph(tmp_path, artifacts):
    """This test ensures that a person can ask a question in the browser and sees an answer
    whose source cites a numbered paragraph (small knowledge base, fake embedder)."""
    kb_dir = tmp_path / "kb"
    _build(FIXTURES / "library", kb_dir, "hash-bow-64")
    app = App(kb_dir, {"KB_MODEL": "hash-bow-64"})
    try:
        app.wait_for(lambda t: "Ask" in t and "Mode" in t, what="the chat page")
        app.ask("Should governments build new boatyard clusters from scratch?")
        app.wait_for(lambda t: "para. 4" in t, what="a citation with a paragraph number")
        assert "[1]" in app.page_text()
        assert app.shot("browser-ask-fixture").stat().st_size > 10_000
    finally:
        app.close()


@pytest.mark.slow
@pytest.mark.integration
def test_every_mode_and_upload_on_reference_corpus(tmp_path, artifacts):
    """This test ensures that each mode works end to end on the reference corpus with the real
    model, and that a UN PDF uploaded through the Library page becomes searchable."""
    corpus = shared_path("corpus")
    pdf = shared_path("external", "un-documents-2025", "pdfs", "JIU_REP_2025_2.en.pdf")
    folder = tmp_path / "papers"
    shutil.copytree(corpus, folder)
    (folder / "README.md").unlink(missing_ok=True)
    kb_dir = tmp_path / "kb"
    _build(folder, kb_dir, "all-MiniLM-L6-v2")
    app = App(kb_dir, {})
    try:
        app.wait_for(lambda t: "Mode" in t, what="the chat page")
        app.ask("Why are policies more effective when directed at clusters of firms rather than single firms?")
        app.wait_for(lambda t: "Sources" in t and "para." in t, what="a cited answer")
        app.shot("browser-ask")
        for mode, placeholder, query, expect in [
            ("Quote", "Topic for a quote", "why clusters make technical assistance to small firms cheaper",
             "checked character for character"),
            ("Cross-check", "A claim to check", "Governments should create new clusters in promising sectors.",
             "Overall:"),
            ("Compare", "A topic to compare", "who should lead cluster upgrading, government or business",
             "upgrading sme clusters"),
        ]:
            app.choose_mode(mode)
            app.ask(query, placeholder)
            app.wait_for(lambda t, e=expect: e.lower() in t.lower(), what=f"the {mode} result")
            app.shot(f"browser-{mode.lower()}")
        app.choose_mode("Library")
        app.wait_for(lambda t: "Add papers" in t, what="the library page")
        app.element("css selector", "input[type='file']").send_keys(str(pdf))
        app.wait_for(lambda t: "Ingest uploaded files" in t, what="the ingest button")
        app.element("xpath", "//button[.//p[normalize-space(text())='Ingest uploaded files']]").click()
        app.wait_for(lambda t: "1 added" in t, timeout=600, what="the upload to be ingested")
        app.shot("browser-upload")
        app.choose_mode("Chat")
        app.wait_for(lambda t: "Mode" in t, what="the chat page")
        app.choose_mode("Ask")
        app.ask("How many individuals did ClearCheck contain in January 2025?", "Ask a question")
        app.wait_for(lambda t: "JIU" in t or "uploads/JIU_REP_2025_2.en.pdf" in t or "Joint Inspection Unit" in t,
                     timeout=180, what="a citation of the uploaded PDF")
        app.shot("browser-ask-uploaded")
        # the source view: the cited PDF page with the passage highlighted
        app.element("xpath", "(//label[.//p[normalize-space(text())='Show the source page']])[1]").click()
        app.wait_for(lambda t: re.search(r"Page \d+ .*of \d+", t) is not None, timeout=60, what="the source page")
        image = app.element("css selector", "[data-testid='stImage'] img, [data-testid='stFullScreenFrame'] img")
        app.driver.execute_script("arguments[0].scrollIntoView(true);", image)
        time.sleep(1.0)
        path = artifacts / "browser-source-view.png"
        app.driver.save_screenshot(str(path))
        assert image.size["width"] > 300
    finally:
        app.close()
