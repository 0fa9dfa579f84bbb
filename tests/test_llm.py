"""The optional chat model, against an OpenAI-compatible server started on localhost with
canned replies (good ones and wrong ones), and the post-generation checks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.ask import ask
from kb.answers.llm import HttpChat, LangChainChat, load_chat_model
from kb.answers.verify import split_answer, verify_answer
from kb.config import Settings
from kb.errors import LLMError
from kb.types import NOT_ANSWERED

SOURCES = {1: "Acoustic sensors placed on water mains can locate leaks within a few metres.",
           2: "Flat-rate tariffs give no signal to save water."}


class _Handler(BaseHTTPRequestHandler):
    replies: ClassVar[list[str]] = []
    requests: ClassVar[list[dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        content = type(self).replies.pop(0) if type(self).replies else "nothing"
        out = json.dumps({"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                          "choices": [{"index": 0, "finish_reason": "stop",
                                       "message": {"role": "assistant", "content": content}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["langchain", "http"])
def chat(request, server):
    """The chat model both ways: LangChain's ChatOpenAI (when installed) and the built-in HTTP client."""
    settings = Settings.load(llm="openai:canned", llm_base_url=server, llm_api_key="k")
    if request.param == "langchain":
        pytest.importorskip("langchain_openai")
        model = load_chat_model(settings)
        assert isinstance(model, LangChainChat)
    else:
        model = load_chat_model(settings, prefer_langchain=False)
        assert isinstance(model, HttpChat)
    _Handler.replies.clear()
    _Handler.requests.clear()
    return model


def _sources(kbase, question):
    return kbase.search(question, k=10)[:5]


def test_good_reply_is_kept_with_its_citations(water_kb, chat):  # noqa: F811
    """This test ensures that a correct cited reply is returned with only the passages it cites."""
    q = "How can leaks in water mains be located?"
    top = _sources(water_kb, q)[0].passage.text
    _Handler.replies.append(f'Sensors "{top.split(".")[0]}" [1]. They cut water losses [1].')
    answer = ask(water_kb, q, llm=chat, threshold=0.0)
    assert answer.answered and answer.model == "openai:canned"
    assert answer.warnings == ()
    assert [c.n for c in answer.citations] == [1]
    assert answer.citations[0].passage.text == top
    prompt = _Handler.requests[0]["messages"][1]["content"]
    assert "[1]" in prompt and top in prompt


def test_invented_source_number_is_removed(water_kb, chat):  # noqa: F811
    """This test ensures that a marker for a passage that was never given is removed and its sentence dropped."""
    q = "How can leaks in water mains be located?"
    top = _sources(water_kb, q)[0].passage.text
    _Handler.replies.append(f"{top} [1][9]. Leaks cost cities billions each year [7].")
    answer = ask(water_kb, q, llm=chat, threshold=0.0)
    assert "[9]" not in answer.text and "[7]" not in answer.text and "billions" not in answer.text
    assert any("[9]" in w for w in answer.warnings) and any("[7]" in w for w in answer.warnings)


def test_altered_quote_is_dropped(water_kb, chat):  # noqa: F811
    """This test ensures that a sentence quoting text that is not verbatim in its cited passage is dropped."""
    q = "How can leaks in water mains be located?"
    top = _sources(water_kb, q)[0].passage.text
    altered = top.split(".")[0].replace("metres", "kilometres")
    _Handler.replies.append(f'The paper says "{altered}" [1]. {top} [1]')
    answer = ask(water_kb, q, llm=chat, threshold=0.0)
    assert "kilometres" not in answer.text
    assert any("not verbatim" in w for w in answer.warnings)


def test_uncited_claim_is_dropped_and_renumbered(water_kb, chat):  # noqa: F811
    """This test ensures that an uncited sentence is dropped and the kept markers are renumbered from 1."""
    q = "How can leaks in water mains be located?"
    second = _sources(water_kb, q)[1].passage.text
    _Handler.replies.append(f"Leak detection also halves energy bills. {second} [2]")
    answer = ask(water_kb, q, llm=chat, threshold=0.0)
    assert "energy bills" not in answer.text
    assert answer.text.endswith("[1]")
    assert answer.citations[0].passage.text == second
    assert any("no citation" in w for w in answer.warnings)


def test_model_saying_no_answer_is_not_answered(water_kb, chat):  # noqa: F811
    """This test ensures that the model's plain 'do not answer' reply gives an unanswered answer."""
    _Handler.replies.append(NOT_ANSWERED)
    answer = ask(water_kb, "How can leaks in water mains be located?", llm=chat, threshold=0.0)
    assert not answer.answered and answer.text == NOT_ANSWERED


def test_reply_failing_every_check_falls_back_to_extractive(water_kb, chat):  # noqa: F811
    """This test ensures that when nothing of the reply survives verification the extractive answer is shown."""
    _Handler.replies.append("Pipes are made of gold [4]. Everyone agrees.")
    answer = ask(water_kb, "How can leaks in water mains be located?", llm=chat, threshold=0.0)
    assert answer.answered and answer.model is None and "[1]" in answer.text
    assert any("failed verification" in w for w in answer.warnings)


def test_unreachable_endpoint_is_a_clear_error(water_kb):  # noqa: F811
    """This test ensures that a chat endpoint that does not answer raises LLMError naming the URL."""
    settings = Settings.load(llm="openai:m", llm_base_url="http://127.0.0.1:9/v1")
    chat = load_chat_model(settings, prefer_langchain=False)
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        chat.complete("s", "u")


@pytest.mark.parametrize("spec", ["gpt-4", "anthropic:claude", "openai:"])
def test_bad_llm_setting_is_a_clear_error(spec):
    """This test ensures that an llm setting without a known provider prefix is rejected with the expected form."""
    with pytest.raises(LLMError, match="openai:MODEL"):
        load_chat_model(Settings.load(llm=spec))


def test_no_llm_by_default():
    """This test ensures that no chat model is used unless one is configured."""
    assert load_chat_model(Settings()) is None


def test_split_answer_keeps_markers_after_full_stop():
    """This test ensures that markers written after a full stop stay with their sentence."""
    assert split_answer("First claim here. [1] Second claim here [2].") == ["First claim here. [1]",
                                                                             "Second claim here [2]."]


def test_verify_answer_checks_markers_quotes_and_support():
    """This test ensures that verification keeps supported sentences and drops the rest, with a reason each."""
    reply = ('Sensors "can locate leaks within a few metres" [1]. Flat-rate tariffs give no signal [2][5]. '
             "Tariffs hide nothing. Sensors were invented in 1850 by a famous engineer in Paris [1].")
    checked = verify_answer(reply, SOURCES)
    assert checked.text == ('Sensors "can locate leaks within a few metres". [1] Flat-rate tariffs give no '
                            "signal. [2]")
    assert checked.used == (1, 2)
    assert len(checked.issues) == 3
    flagged = verify_answer(reply, SOURCES, drop=False)
    assert "Tariffs hide nothing." in flagged.text


def test_ollama_without_its_package_uses_the_openai_compatible_api(monkeypatch):
    """This test ensures that ollama:MODEL works without langchain-ollama, through Ollama's /v1 API."""
    import builtins

    real_import = builtins.__import__

    def no_ollama(name, *args, **kwargs):
        if name == "langchain_ollama":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ollama)
    chat = load_chat_model(Settings.load(llm="ollama:llama3.1", llm_base_url="http://127.0.0.1:11434"))
    assert isinstance(chat, HttpChat)
    assert chat.base_url == "http://127.0.0.1:11434/v1" and chat.model == "llama3.1"
