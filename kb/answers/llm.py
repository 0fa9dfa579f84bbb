"""The optional chat model: it writes the answer's prose from the retrieved passages only, and
kb.answers.verify holds it to its citations. Nothing here is needed by default (offline answers).

Configured by the settings `llm` ("openai:MODEL" or "ollama:MODEL"), `llm_base_url` and
`llm_api_key` (or KB_LLM, KB_LLM_BASE_URL, KB_LLM_API_KEY). LangChain chat models are used when
their packages are installed (langchain-openai's ChatOpenAI, langchain-ollama's ChatOllama);
otherwise a minimal OpenAI-compatible HTTP client does the same job (Ollama serves that API
under /v1 too).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from kb.answers.cite import cite_hit, short_reference
from kb.answers.verify import verify_answer
from kb.errors import LLMError
from kb.types import NOT_ANSWERED, Answer, Hit

if TYPE_CHECKING:
    from kb.config import Settings

log = logging.getLogger(__name__)

OPENAI_URL = "https://api.openai.com/v1"
OLLAMA_URL = "http://localhost:11434"
TIMEOUT = 120.0

SYSTEM_PROMPT = (
    "You answer questions about policy documents using ONLY the numbered passages given. "
    "Write a short answer (2 to 5 sentences). End every sentence with the number of the passage that "
    "supports it, like [1] or [2][3]. Use only the given numbers. Put text in double quotation marks only "
    "when it is copied exactly, word for word, from the cited passage. Do not add facts that the passages "
    f"do not state. If the passages do not answer the question, reply exactly: {NOT_ANSWERED}"
)


class ChatModel(Protocol):
    """What kb needs of a chat model: a name and one completion."""

    name: str

    def complete(self, system: str, user: str) -> str:
        ...


class LangChainChat:
    """Any LangChain chat model (BaseChatModel)."""

    def __init__(self, model: Any, name: str) -> None:
        self.model = model
        self.name = name

    def complete(self, system: str, user: str) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        try:
            reply = self.model.invoke([SystemMessage(content=system), HumanMessage(content=user)])
        except Exception as exc:  # noqa: BLE001  (providers raise many kinds; all mean "no answer")
            raise LLMError(f"chat model {self.name!r} did not answer ({type(exc).__name__}: {exc}); check "
                           "KB_LLM_BASE_URL / KB_LLM_API_KEY or unset KB_LLM for offline answers") from None
        content = reply.content
        return content if isinstance(content, str) else " ".join(str(c) for c in content)


class HttpChat:
    """A minimal client for OpenAI-compatible /chat/completions endpoints (standard library only)."""

    def __init__(self, model: str, base_url: str, api_key: str = "", name: str | None = None,
                 timeout: float = TIMEOUT) -> None:
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.name = name or f"openai:{model}"
        self.timeout = timeout

    def complete(self, system: str, user: str) -> str:
        body = json.dumps({"model": self.model, "temperature": 0,
                           "messages": [{"role": "system", "content": system},
                                        {"role": "user", "content": user}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/chat/completions"
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LLMError(f"chat endpoint {url} answered HTTP {exc.code} for model {self.model!r}; check the "
                           "model name and KB_LLM_API_KEY") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LLMError(f"cannot reach chat endpoint {url} ({exc}); start the server or fix KB_LLM_BASE_URL") \
                from None
        except json.JSONDecodeError:
            raise LLMError(f"chat endpoint {url} did not return JSON; is KB_LLM_BASE_URL an OpenAI-compatible "
                           "API (ending in /v1)?") from None
        try:
            return str(data["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"chat endpoint {url} returned no message for model {self.model!r}; check the model "
                           "name") from None


def load_chat_model(settings: Settings, prefer_langchain: bool = True) -> ChatModel | None:
    """The chat model the settings ask for, or None when `llm` is empty (offline answers)."""
    spec = (settings.llm or "").strip()
    if not spec:
        return None
    provider, _, model = spec.partition(":")
    provider = provider.lower()
    if not model or provider not in ("openai", "ollama"):
        raise LLMError(f"KB_LLM={spec!r} is not 'openai:MODEL' or 'ollama:MODEL'; e.g. openai:gpt-4o-mini "
                       "or ollama:llama3.1, or leave it empty for offline answers")
    if provider == "ollama":
        base = (settings.llm_base_url or OLLAMA_URL).rstrip("/")
        if prefer_langchain:
            try:
                from langchain_ollama import ChatOllama

                return LangChainChat(ChatOllama(model=model, base_url=base.removesuffix("/v1"), temperature=0),
                                     spec)
            except ImportError:
                pass
        return HttpChat(model, base if base.endswith("/v1") else base + "/v1", settings.llm_api_key, name=spec)
    base = settings.llm_base_url or OPENAI_URL
    if prefer_langchain:
        try:
            from langchain_openai import ChatOpenAI

            chat = ChatOpenAI(model=model, base_url=base, api_key=settings.llm_api_key or "not-needed",
                              temperature=0, max_retries=1, timeout=TIMEOUT)
            return LangChainChat(chat, spec)
        except ImportError:
            pass
    return HttpChat(model, base, settings.llm_api_key, name=spec)


def build_prompt(question: str, hits: Sequence[Hit], max_chars: int = 1500) -> str:
    """The user message: the numbered passages (with their references) and the question."""
    blocks = []
    for n, h in enumerate(hits, start=1):
        text = h.passage.text if len(h.passage.text) <= max_chars else h.passage.text[:max_chars] + " ..."
        blocks.append(f"[{n}] ({short_reference(h.document, h.passage)})\n{text}")
    return "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\n\nAnswer with [n] citations:"


def llm_answer(chat: ChatModel, question: str, hits: Sequence[Hit], evidence: float = 0.0) -> Answer:
    """The chat model's answer from `hits`, verified: bad markers removed, unverifiable or uncited
    sentences dropped, citations renumbered to those actually used. An answer with nothing left
    after verification has empty text (the caller falls back to the extractive answer)."""
    reply = chat.complete(SYSTEM_PROMPT, build_prompt(question, hits))
    sources = {n: h.passage.text for n, h in enumerate(hits, start=1)}
    checked = verify_answer(reply, sources, keep=(NOT_ANSWERED,))
    if NOT_ANSWERED.rstrip(".").lower() in checked.text.lower() and not checked.used:
        related = tuple(cite_hit(n, h) for n, h in enumerate(hits[:3], start=1))
        return Answer(question=question, text=NOT_ANSWERED, answered=False, related=related, evidence=evidence,
                      model=chat.name, warnings=checked.issues)
    citations = tuple(cite_hit(new, hits[old - 1]) for new, old in enumerate(checked.used, start=1))
    text = checked.text if checked.used else ""
    return Answer(question=question, text=text, answered=bool(text), citations=citations, evidence=evidence,
                  model=chat.name, warnings=checked.issues)
