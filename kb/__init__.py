"""kb: a citable knowledge base for policy papers.

The public API (what app.py and LangChain users import) is re-exported here; heavy
libraries (torch, faiss, sentence-transformers) load only when first used.

    import kb
    kbase = kb.KnowledgeBase.open(".kb")
    answer = kb.ask(kbase, "How do clusters help small firms upgrade?")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from kb.config import Settings
from kb.errors import KBError
from kb.types import Document, Filters, Hit, ParsedDocument, Passage

# name -> module that defines it; imported on first use so `import kb` stays light
_LAZY = {
    "KnowledgeBase": "kb.search.knowledge_base",
    "ask": "kb.answers.ask",
    "format_answer": "kb.answers.ask",
    "find_quotes": "kb.answers.quotes",
    "check_claim": "kb.answers.check",
    "compare_documents": "kb.answers.compare:compare",  # the function, not the module of the same name
    "export_quotes": "kb.answers.export",
    "short_reference": "kb.answers.cite",
    "full_reference": "kb.answers.cite",
    "load_chat_model": "kb.answers.llm",
    "verify_answer": "kb.answers.verify",
    "sync_folder": "kb.library.manage",
    "add_files": "kb.library.manage",
    "remove_document": "kb.library.manage",
    "source_pages": "kb.library.source",
    "export_result": "kb.answers.briefing",
    "briefing_files": "kb.answers.briefing",
    "sentences_by_marker": "kb.answers.briefing",
    "FILE_TYPES": "kb.answers.briefing",
    "Answer": "kb.types",
    "Citation": "kb.types",
    "Quote": "kb.types",
    "Verdict": "kb.types",
    "DocumentVerdict": "kb.types",
    "Comparison": "kb.types",
    "CompareRow": "kb.types",
}

__all__ = [  # noqa: RUF022  (grouped: eager names, then the lazy ones)
    "Document", "Filters", "Hit", "KBError", "ParsedDocument", "Passage", "Settings",
    "KnowledgeBase", "ask", "format_answer", "find_quotes", "check_claim", "compare_documents", "export_quotes",
    "short_reference", "full_reference", "load_chat_model", "verify_answer", "sync_folder", "add_files", "remove_document",
    "source_pages", "export_result", "briefing_files", "sentences_by_marker", "FILE_TYPES",
    "Answer", "Citation", "Quote", "Verdict", "DocumentVerdict", "Comparison", "CompareRow",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    module, _, attr = module.partition(":")
    value = getattr(import_module(module), attr or name)
    globals()[name] = value
    return value
